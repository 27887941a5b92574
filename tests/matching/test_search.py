import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from creators.models import Creator
from matching import selectors
from matching.search import TextIndex
from tests.matching.conftest import make_creators

DOCS = [
    "sourdough starter rye crumb",
    "rye bread and sourdough loaves",
    "trail running shoes review",
    "sourdough pizza night",
    "running a marathon on rye toast",
    "knitting patterns for winter",
]


def reference_matches(index: TextIndex, text: str, row: int, limit: int = 5) -> list[str]:
    """Query terms in the row's document, by query weight × document weight, from the dense matrices."""
    names = index.vectorizer.get_feature_names_out()
    query = index.vectorizer.transform([text]).toarray().ravel()
    doc = index.matrix_csc[row].toarray().ravel()
    both = np.flatnonzero(query * doc)
    ranked = sorted(((float(query[c] * doc[c]), str(names[c])) for c in both), reverse=True)
    return [term for _, term in ranked[:limit]]


def test_each_result_lists_the_query_terms_its_document_holds_strongest_first():
    index = TextIndex.build(np.arange(1, len(DOCS) + 1), DOCS)
    text = "sourdough rye running shoes"

    rows, _ = index.query(text, 10)
    explained = index.explain(text, rows)

    assert len(explained) == len(rows) == 5
    assert explained == [reference_matches(index, text, int(r)) for r in rows]
    assert set(explained[list(rows).index(2)]) == {"running", "shoes", "running shoes"}


def test_explaining_a_row_without_any_query_term_gives_no_terms():
    index = TextIndex.build(np.arange(1, len(DOCS) + 1), DOCS)

    assert index.explain("sourdough", np.array([5])) == [[]]
    assert index.explain("", np.array([0, 1])) == [[], []]


@pytest.mark.django_db
def test_a_long_result_list_is_explained_without_rebuilding_the_term_list_per_row(taxonomy, monkeypatch):
    ids = make_creators(60)
    Creator.objects.filter(pk__in=ids[:25]).update(bio="Sourdough starters and rye crumb shots")
    calls = []
    original = TfidfVectorizer.get_feature_names_out
    monkeypatch.setattr(
        TfidfVectorizer, "get_feature_names_out", lambda self, *a: calls.append(1) or original(self, *a)
    )

    results = selectors.search_by_content("sourdough rye", top=25)

    assert len(results) == 25
    assert all(set(r["matched"]) == {"sourdough", "rye"} for r in results)
    assert len(calls) <= 1
