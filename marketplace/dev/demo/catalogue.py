"""What the demo generator reads: data/demo/distributions.json and the IAB labels in the database."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from marketplace.core.models import Label

DISTRIBUTIONS_FILE = Path(__file__).resolve().parents[3] / "data" / "demo" / "distributions.json"
# One random stream per step, so a new step (history is 4) leaves the others' output unchanged.
STREAM_CREATORS, STREAM_ORDERS, STREAM_LOGIN_CREATOR, STREAM_HISTORY = 1, 2, 3, 4


def stream(seed: int, step: int) -> np.random.Generator:
    return np.random.default_rng([seed, step])


@dataclass
class Catalogue:
    """What the generator needs from the database, keyed by IAB ids so a seed picks the same labels anywhere."""

    tables: dict
    label_pk: dict[str, int]
    label_names: dict[str, str]
    children: dict[str, list[str]]
    interest_labels: dict[str, list[str]]  # interest name → label iab_ids, sorted
    tier1_label: dict[str, str]  # interest name → its tier-1 label iab_id

    @classmethod
    def load(cls, path: Path = DISTRIBUTIONS_FILE) -> Catalogue:
        rows = list(
            Label.objects.order_by("iab_id").values_list(
                "iab_id", "pk", "name", "tier", "parent__iab_id", "interest__name"
            )
        )
        if not rows:
            raise LookupError("No labels: run `manage.py load_taxonomy` first.")
        children: dict[str, list[str]] = {}
        interest_labels: dict[str, list[str]] = {}
        tier1: dict[str, str] = {}
        for iab_id, _pk, _name, tier, parent, interest in rows:
            if parent:
                children.setdefault(parent, []).append(iab_id)
            interest_labels.setdefault(interest, []).append(iab_id)
            if tier == 1:
                tier1[interest] = iab_id
        return cls(
            tables=json.loads(path.read_text(encoding="utf-8")),
            label_pk={r[0]: r[1] for r in rows},
            label_names={r[0]: r[2] for r in rows},
            children=children,
            interest_labels=interest_labels,
            tier1_label=tier1,
        )

    def subtree(self, iab_id: str) -> list[str]:
        result, stack = [], [iab_id]
        while stack:
            node = stack.pop()
            result.append(node)
            stack.extend(self.children.get(node, ()))
        return sorted(result)

    @cached_property
    def niches(self) -> list[tuple[str, str, list[str]]]:
        """(niche, interest, candidate label iab_ids) in a fixed order."""
        return [
            (name, spec["interest"], sorted({x for anchor in spec["labels"] for x in self.subtree(anchor)}))
            for name, spec in sorted(self.tables["niches"].items())
        ]

    @cached_property
    def vocabulary(self) -> dict[str, list[str]]:
        """Interest → title words for bios and content samples (plus label-name words when data is thin)."""
        words: dict[str, list[str]] = {}
        for interest, items in self.tables["title_words"].items():
            words.setdefault(interest, []).extend(w for w, _n in items)
        for interest, labels in self.interest_labels.items():
            if len(set(words.get(interest, ()))) < 8:
                names = {w.lower() for label in labels for w in self.label_names[label].split() if w.isalpha()}
                words.setdefault(interest, []).extend(sorted(n for n in names if len(n) > 3))
        return {k: sorted(set(v)) for k, v in words.items()}

    @cached_property
    def _hashtags(self) -> dict[str, list[str]]:
        by_interest = self.tables["hashtags"]["by_interest"]
        return {
            interest: [t for t, _n in by_interest.get(interest, ())]
            or [w.replace(" ", "") for w in self.vocabulary.get(interest, ())[:10]]
            for interest in self.interest_labels
        }

    def hashtags(self, interest: str) -> list[str]:
        """Hashtags for creators in ``interest`` (its label words when the data has none)."""
        return self._hashtags.get(interest) or self.general_hashtags

    @cached_property
    def general_hashtags(self) -> list[str]:
        return [t for t, _n in self.tables["hashtags"]["general"][:5]]
