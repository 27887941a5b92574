"""A ranked creator's reasons in words: each reason code and its figures as the brand reads them, or, for a
creator reading why an order is recommended to them, as the creator reads them; in the reader's language."""

from __future__ import annotations

from django.db.models import Value
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from marketplace.core import format_money
from marketplace.core.models import Interest, Label
from marketplace.core.models.catalogue import name_in_language
from matching import snapshot


def reason_names(results) -> dict:
    """Names of the labels and interests the results' reasons mention, in one query."""
    label_ids = {i for r in results for x in r.reasons for key in ("label_ids", "target_ids") for i in x.get(key, [])}
    interest_ids = {i for r in results for x in r.reasons for i in x.get("interest_ids", [])}
    names: dict[str, dict] = {"labels": {}, "interests": {}}
    labels = Label.objects.filter(pk__in=label_ids).annotate(kind=Value("labels")).order_by()
    interests = Interest.objects.filter(pk__in=interest_ids).annotate(kind=Value("interests")).order_by()
    columns = ("kind", "id", "name", "name_zh_hans")
    rows = labels.values_list(*columns).union(interests.values_list(*columns), all=True)
    for kind, pk, name, name_zh_hans in rows:
        names[kind][pk] = name_in_language(name, name_zh_hans)
    return names


MOVED_BECAUSE = {
    "up": {
        "track_record": gettext_lazy("reliable track record"),
        "reach": gettext_lazy("strong reach and engagement"),
        "price": gettext_lazy("good price for the budget"),
        "audience": gettext_lazy("audience fit"),
        "content": gettext_lazy("content fit"),
    },
    "down": {
        "track_record": gettext_lazy("weaker track record"),
        "reach": gettext_lazy("weaker reach and engagement"),
        "price": gettext_lazy("high price for the budget"),
        "audience": gettext_lazy("weaker audience fit"),
        "content": gettext_lazy("weaker content fit"),
    },
}


def reason_text(reason: dict, names: dict, currency: str, *, reader: str = "brand") -> str:
    """One stored reason in the viewer's language; every number names the metric it comes from. ``reader``:
    "brand" (the ranked list: "your labels", "your budget") or "creator" (an order recommended to them: the
    brand's labels, their own audience and rate)."""
    code = reason.get("code")
    if reader == "creator" and code in _TO_THE_CREATOR:
        return _TO_THE_CREATOR[code](reason, names, currency)
    if code == "labels":
        labels = ", ".join(names["labels"].get(i, "?") for i in reason["label_ids"])
        return _("Makes content on your labels: %(labels)s") % {"labels": labels}
    if code == "near_label":
        return _("Posts on %(label)s, next to your %(target)s") % {
            "label": names["labels"].get(reason["label_ids"][0], "?"),
            "target": names["labels"].get(reason["target_ids"][0], "?"),
        }
    if code == "interest":
        interests = ", ".join(names["interests"].get(i, "?") for i in reason["interest_ids"])
        return _("Same interest (%(interests)s), no exact label") % {"interests": interests}
    if code == "no_content_match":
        return _("No content match with your labels")
    if code == "regions":
        return _("Audience %(share)s %% in your target regions") % {"share": reason["share"]}
    if code == "ages":
        return _("%(share)s %% of the audience in your age groups") % {"share": reason["share"]}
    if code == "genders":
        return _("%(share)s %% of the audience in your gender target") % {"share": reason["share"]}
    if code in _METRIC_TEXT or code == "conversion":
        return _metric_text(code, reason)
    if code == "performance":  # stored before reasons named their metric
        return _("Median %(views)s views per video; performance for this goal %(pct)s / 100") % {
            "views": f"{reason['views']:,}",
            "pct": reason["percentile"],
        }
    if code == "unknown_metrics":
        names = ", ".join(str(UNKNOWN_METRIC_NAMES.get(m, m)) for m in reason["metrics"])
        return _("Unknown, counted as typical: %(metrics)s") % {"metrics": names}
    if code == "budget_left":
        price = format_money(reason["price"], currency)
        if not reason["left"]:
            return _("Price %(price)s: all of your budget per creator") % {"price": price}
        return _("Price %(price)s leaves %(left)s %% of your budget per creator") % {
            "price": price,
            "left": reason["left"],
        }
    if code == "value":  # stored before value was judged against the order's budget
        return _("Expected CPM %(cpm)s, cheaper than %(pct)s %% of peers") % {
            "cpm": format_money(reason["cpm"], currency),
            "pct": reason["cheaper_than"],
        }
    if code == "reliability":
        return _reliability_text(reason)
    if code == "no_history":
        return _("No order history yet (neutral reliability)")
    if code == "new_creator":
        if not reason.get("orders"):  # none on record (or stored before reasons said how many)
            return _("New creator: small exploration boost so newcomers get seen")
        return ngettext(
            "%(n)s order on record: a small exploration boost, shrinking to nothing at %(limit)s orders",
            "%(n)s orders on record: a small exploration boost, shrinking to nothing at %(limit)s orders",
            reason["orders"],
        ) % {"n": reason["orders"], "limit": snapshot.EXPLORATION_ORDERS}
    if code == "model_moved":
        if reason.get("because") is None:
            return (
                _("Moved up by the learned model (hand score rank %(rank)s)")
                if reason["direction"] == "up"
                else _("Moved down by the learned model (hand score rank %(rank)s)")
            ) % {"rank": reason["from"]}
        because = MOVED_BECAUSE.get(reason["direction"], {}).get(reason["because"], reason["because"])
        text = (
            _("Moved up by the learned model (hand score rank %(rank)s): %(because)s")
            if reason["direction"] == "up"
            else _("Moved down by the learned model (hand score rank %(rank)s): %(because)s")
        )
        return text % {"rank": reason["from"], "because": because}
    return str(code)


def _creator_budget_text(reason: dict, names: dict, currency: str) -> str:
    price = format_money(reason["price"], currency)
    if not reason["left"]:
        return _("Your rate %(price)s takes all of the brand's budget per creator") % {"price": price}
    return _("Your rate %(price)s is %(left)s %% under the brand's budget per creator") % {
        "price": price,
        "left": reason["left"],
    }


# The reasons whose brand-side words say "your" about the brand's brief, as a creator reads them.
_TO_THE_CREATOR = {
    "labels": lambda r, names, _c: (
        _("You make content on the brand's labels: %(labels)s")
        % {"labels": ", ".join(names["labels"].get(i, "?") for i in r["label_ids"])}
    ),
    "near_label": lambda r, names, _c: (
        _("You post on %(label)s, next to the brand's %(target)s")
        % {
            "label": names["labels"].get(r["label_ids"][0], "?"),
            "target": names["labels"].get(r["target_ids"][0], "?"),
        }
    ),
    "no_content_match": lambda r, names, _c: _("No content match with the brand's labels"),
    "regions": lambda r, names, _c: (
        _("%(share)s %% of your audience in the brand's target regions") % {"share": r["share"]}
    ),
    "ages": lambda r, names, _c: _("%(share)s %% of your audience in the brand's age groups") % {"share": r["share"]},
    "genders": lambda r, names, _c: (
        _("%(share)s %% of your audience in the brand's gender target") % {"share": r["share"]}
    ),
    "budget_left": _creator_budget_text,
}


_METRIC_TEXT = {
    "views": gettext_lazy("Median %(value)s views per video, more than %(pct)s %% of creators"),
    "engagement_rate": gettext_lazy("Engagement rate %(value)s %%, higher than %(pct)s %% of creators"),
    "hit_video_share": gettext_lazy("Hit videos: %(value)s %% of recent posts, more than %(pct)s %% of creators"),
    "completion_rate": gettext_lazy("Completion rate %(value)s %%, higher than %(pct)s %% of creators"),
}


def _metric_text(code: str, reason: dict) -> str:
    if code == "conversion":
        if not reason.get("deals"):
            return _("No conversion history yet (counted as the platform's average)")
        return ngettext(
            "Past conversion rate %(value)s %% over %(n)s deal (adjusted for few deals), better than %(pct)s %% of "
            "creators",
            "Past conversion rate %(value)s %% over %(n)s deals (adjusted for few deals), better than %(pct)s %% of "
            "creators",
            reason["deals"],
        ) % {"value": reason["rate"], "n": reason["deals"], "pct": reason["percentile"]}
    value = f"{reason['views']:,}" if code == "views" else reason["rate"]
    return _METRIC_TEXT[code] % {"value": value, "pct": reason["percentile"]}


def _reliability_text(reason: dict) -> str:
    if "on_time_counted" not in reason and "rating_counted" not in reason:  # stored before shrinkage was shown
        parts = [
            ngettext("%(n)s completed order", "%(n)s completed orders", reason["orders"]) % {"n": reason["orders"]}
        ]
        if "fulfilment" in reason:
            parts.append(_("%(p)s %% on time") % {"p": reason["fulfilment"]})
        if "rating" in reason:
            parts.append(_("rated %(r)s") % {"r": reason["rating"]})
        return ", ".join(parts)
    parts = []
    if "on_time_counted" in reason:
        parts.append(
            ngettext(
                "On time in %(k)s of %(n)s order (counted as %(p)s %%)",
                "On time in %(k)s of %(n)s orders (counted as %(p)s %%)",
                reason["orders"],
            )
            % {"k": reason["on_time"], "n": reason["orders"], "p": reason["on_time_counted"]}
        )
    if "rating_counted" in reason:
        parts.append(
            ngettext(
                "rated %(r)s from %(m)s rating (counted as %(c)s)",
                "rated %(r)s from %(m)s ratings (counted as %(c)s)",
                reason["ratings"],
            )
            % {"r": reason["rating"], "m": reason["ratings"], "c": reason["rating_counted"]}
        )
    # Chinese has its own semicolon ("；", no space after it); an ASCII "; " in Chinese text reads as a typo.
    return pgettext("between two parts of one reason", "; ").join(parts)


UNKNOWN_METRIC_NAMES = {
    "views": gettext_lazy("median views"),
    "engagement_rate": gettext_lazy("engagement rate"),
    "hit_video_share": gettext_lazy("hit-video share"),
    "completion_rate": gettext_lazy("completion rate"),
}

ELIGIBILITY_TEXT = {
    "inactive": gettext_lazy("not active or not verified"),
    "no_capacity": gettext_lazy(
        "no free capacity: ongoing collaborations, here and elsewhere, are at the creator's maximum"
    ),
    "blackout": gettext_lazy("unavailable (blackout dates) during the order's window"),
    "no_price": gettext_lazy("no rate-card price for the order's format"),
    "over_budget": gettext_lazy("rate-card price above the per-creator budget plus tolerance"),
    "region": gettext_lazy("too little audience in the order's target regions"),
    "blocked": gettext_lazy("blocked by your brand"),
    "on_order": gettext_lazy("already on this order"),
}
