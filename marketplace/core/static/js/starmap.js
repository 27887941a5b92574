/* Starmap's page behaviour, by event delegation on data- attributes: the Content-Security-Policy
   allows scripts from this origin only, so templates carry no inline handlers (onchange=, hx-on:).
   Everything here is an enhancement; without JavaScript the forms still work. */
(function () {
  "use strict";

  // <input type="checkbox" data-move-row-to="ID">: once ticked, its table row joins <tbody id="ID">
  // and the placeholder row #ID-empty goes (the creator label picker).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.moveRowTo || !box.checked) {
      return;
    }
    var rows = document.getElementById(box.dataset.moveRowTo);
    var row = box.closest("tr");
    if (!rows || !row) {
      return;
    }
    rows.append(row);
    var empty = document.getElementById(box.dataset.moveRowTo + "-empty");
    if (empty) {
      empty.remove();
    }
  });

  // <button data-remove-closest="SELECTOR">: removes its closest ancestor matching SELECTOR
  // (the picked labels of the order form).
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest("[data-remove-closest]") : null;
    if (!button) {
      return;
    }
    var target = button.closest(button.dataset.removeClosest);
    if (target) {
      event.preventDefault();
      target.remove();
    }
  });

  // <button hx-get=… data-picks="ID">: adds the row #ID (a label to the order's brief). When the row is there
  // already, nothing is added twice: the request is not sent and the row's weight gets the focus.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var button = event.detail && event.detail.elt;
    var picked = button && button.dataset && button.dataset.picks ? document.getElementById(button.dataset.picks) : null;
    if (picked) {
      event.preventDefault();
      var weight = picked.querySelector("input[type=number]");
      (weight || picked).focus();
    }
  });

  // <form data-unsaved-warning="SECTION NAME">: a page with several forms, each saving only its own
  // section (the creator profile editor). Once a field of one is edited, submitting ANOTHER form (or
  // leaving the page) would lose that edit: the first press shows which sections are unsaved, right
  // above the pressed button, and does not submit; a second press goes ahead. The text comes from
  // #unsaved-alert-text (translated by the server).
  function dirtyForms(except) {
    return Array.prototype.filter.call(document.querySelectorAll("form[data-unsaved-warning]"), function (form) {
      return form !== except && form.dataset.dirty === "1";
    });
  }

  function markDirty(event) {
    var form = event.target instanceof Element ? event.target.closest("form[data-unsaved-warning]") : null;
    if (form && event.target.name !== "q") {
      form.dataset.dirty = "1";
    }
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var texts = document.getElementById("unsaved-alert-text");
    if (!(form instanceof HTMLFormElement) || !texts || form.hasAttribute("hx-get") || form.hasAttribute("hx-post")) {
      return;
    }
    var others = dirtyForms(form);
    var button = event.submitter || form.querySelector("button[type=submit], button:not([type])");
    var alert = form.querySelector(".unsaved-alert");
    if (others.length && !(alert && alert.dataset.shown === "1")) {
      event.preventDefault();
      if (!alert) {
        alert = document.createElement("p");
        alert.className = "unsaved-alert";
        alert.setAttribute("role", "alert");
        (button ? button.parentNode : form).insertBefore(alert, button);
      }
      var names = others.map(function (other) { return other.dataset.unsavedWarning; }).join(", ");
      alert.textContent = texts.dataset.text.replace("{sections}", names);
      alert.dataset.shown = "1";
      return;
    }
    window.__starmapLeaving = true;
  });

  // The page's banners (<ul data-page-messages>) tell what the last full page load did. Once the user
  // acts again through htmx (a POST), the answer brings its own messages, so the old ones go: a
  // "saved" banner must not stay above a later error. Polling (GET) leaves them alone.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail && event.detail.requestConfig;
    if (!config || String(config.verb).toLowerCase() === "get") {
      return;
    }
    document.querySelectorAll("[data-page-messages]").forEach(function (list) { list.remove(); });
  });

  window.addEventListener("beforeunload", function (event) {
    if (!window.__starmapLeaving && dirtyForms(null).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // .overflow-auto (a table that scrolls sideways in its own box): while more of it lies to the right the
  // box carries .more-right, which starmap.css draws as a fading edge, the cue that there is more to see.
  function markMoreRight(box) {
    var hidden = box.scrollWidth - box.clientWidth - box.scrollLeft;
    box.classList.toggle("more-right", hidden > 1);
  }
  function markAllMoreRight() {
    Array.prototype.forEach.call(document.querySelectorAll(".overflow-auto"), markMoreRight);
  }
  document.addEventListener(
    "scroll",
    function (event) {
      if (event.target instanceof Element && event.target.classList.contains("overflow-auto")) {
        markMoreRight(event.target);
      }
    },
    true
  );
  window.addEventListener("resize", markAllMoreRight);
  document.addEventListener("htmx:afterSettle", markAllMoreRight);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", markAllMoreRight);
  } else {
    markAllMoreRight();
  }

  // <details data-open-wide>: a section folded on a phone (the directory's filters) is open from the start
  // on a wider screen. Without JavaScript it stays as the server sent it, and its summary still opens it.
  function openOnWideScreens() {
    if (window.matchMedia("(min-width: 701px)").matches) {
      Array.prototype.forEach.call(document.querySelectorAll("details[data-open-wide]"), function (details) {
        details.open = true;
      });
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openOnWideScreens);
  } else {
    openOnWideScreens();
  }
})();
