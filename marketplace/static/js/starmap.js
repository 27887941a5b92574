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
})();
