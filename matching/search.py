"""Search creators by content (TF-IDF), by product (interest prior × past results) and by likeness.

Pure numpy / scipy / scikit-learn: documents and arrays in, (rows, scores) out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matching.scoring import top_k

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer


@dataclass
class TextIndex:
    """TF-IDF over each creator's labels, bio and recent titles/hashtags; rows align with ``creator_ids``."""

    creator_ids: np.ndarray
    vectorizer: TfidfVectorizer
    matrix_csc: sp.csc_matrix  # rows L2-normalised by the vectorizer

    @classmethod
    def build(cls, creator_ids: np.ndarray, documents: list[str]) -> TextIndex:
        from sklearn.feature_extraction.text import TfidfVectorizer  # only where an index is built (see learn)

        vectorizer = TfidfVectorizer(
            lowercase=True,
            strip_accents="unicode",
            stop_words="english",
            ngram_range=(1, 2),
            min_df=1,
            max_df=0.5,
            max_features=200_000,
            sublinear_tf=True,
            dtype=np.float32,
            token_pattern=r"(?u)\b\w[\w-]+\b",  # noqa: S106 - a regex, not a password
        )
        try:
            matrix = vectorizer.fit_transform(documents) if documents else sp.csr_matrix((0, 0), dtype=np.float32)
        except ValueError:
            # Few or near-identical documents leave no term after max_df pruning: an index matching nothing.
            matrix = sp.csr_matrix((len(documents), 0), dtype=np.float32)
        return cls(np.asarray(creator_ids, dtype=np.int64), vectorizer, matrix.tocsc())

    def query(self, text: str, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k rows by cosine similarity to ``text`` (only rows sharing a term can score)."""
        if len(self.creator_ids) == 0 or self.matrix_csc.shape[1] == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        q = self.vectorizer.transform([text]).tocsr()
        scores = np.zeros(len(self.creator_ids), dtype=np.float32)
        for col, weight in zip(q.indices, q.data, strict=True):
            start, end = self.matrix_csc.indptr[col], self.matrix_csc.indptr[col + 1]
            scores[self.matrix_csc.indices[start:end]] += self.matrix_csc.data[start:end] * weight
        scores[scores <= 0] = -np.inf
        rows = top_k(scores, k, self.creator_ids)
        return rows, scores[rows]

    @property
    def matrix_csr(self) -> sp.csr_matrix:
        """The same matrix by rows (for comparing creators with each other), made on first use."""
        matrix = self.__dict__.get("_csr")
        if matrix is None:
            matrix = self.__dict__["_csr"] = self.matrix_csc.tocsr()
        return matrix

    def centroid(self, rows: np.ndarray) -> np.ndarray | None:
        """The mean of these rows' vectors (what a set of creators writes about), None when it is empty."""
        if len(rows) == 0 or self.matrix_csc.shape[1] == 0:
            return None
        mean = np.asarray(self.matrix_csr[rows].mean(axis=0), dtype=np.float32).ravel()
        return mean if mean.any() else None

    def similarity(self, centroid: np.ndarray) -> np.ndarray:
        """Every row's dot product with ``centroid`` (rows are unit length: a cosine up to its norm)."""
        return self.matrix_csr @ centroid

    def shared_terms(self, centroid: np.ndarray, rows: np.ndarray, limit: int = 3) -> list[list[str]]:
        """Per row (-1: none), the terms that add most to its similarity with ``centroid``."""
        rows = np.asarray(rows, dtype=np.int64)
        known = rows >= 0
        out: list[list[str]] = [[] for _ in rows]
        if not known.any():
            return out
        weighted = (self.matrix_csr[rows[known]] @ sp.diags(centroid)).tocsr()
        names = self.term_names
        for slot, start, end in zip(np.flatnonzero(known), weighted.indptr[:-1], weighted.indptr[1:], strict=True):
            cols, values = weighted.indices[start:end], weighted.data[start:end]
            best = np.argsort(-values, kind="stable")[:limit]
            out[slot] = [str(names[c]) for c, v in zip(cols[best], values[best], strict=True) if v > 0]
        return out

    @property
    def term_names(self) -> np.ndarray:
        """The index's terms by column, built once per index (never per result row)."""
        names = self.__dict__.get("_term_names")
        if names is None:
            names = self.vectorizer.get_feature_names_out() if self.matrix_csc.shape[1] else np.empty(0, dtype=object)
            self.__dict__["_term_names"] = names
        return names

    def explain(self, text: str, rows: np.ndarray, limit: int = 5) -> list[list[str]]:
        """Per row, the query terms its document contains, strongest first (query weight × document weight).

        One pass for all rows: the query's few columns are cut out of the index once, and their
        names come from the query's own tokens, so the cost does not grow with the vocabulary.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == 0 or self.matrix_csc.shape[1] == 0:
            return [[] for _ in rows]
        cols, weights, names = self._query_terms(text)
        if len(cols) == 0:
            return [[] for _ in rows]
        # Columns in descending name order, so a stable sort by strength breaks ties as (strength, name) would.
        by_name = np.argsort(names)[::-1]
        cols, weights, names = cols[by_name], weights[by_name], names[by_name]
        strength = np.zeros((len(rows), len(cols)), dtype=np.float32)
        for j, (col, weight) in enumerate(zip(cols, weights, strict=True)):
            # The column's postings are sorted rows: look the result rows up in them.
            start, end = self.matrix_csc.indptr[col], self.matrix_csc.indptr[col + 1]
            posting = self.matrix_csc.indices[start:end]
            if len(posting) == 0:
                continue
            pos = np.minimum(np.searchsorted(posting, rows), len(posting) - 1)
            hit = posting[pos] == rows
            strength[hit, j] = self.matrix_csc.data[start + pos[hit]] * weight
        best = np.argsort(-strength, axis=1, kind="stable")[:, :limit]
        found = np.take_along_axis(strength, best, axis=1) > 0
        return [names[b[f]].tolist() for b, f in zip(best, found, strict=True)]

    def _query_terms(self, text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The query's index columns, their TF-IDF weights and their names."""
        q = self.vectorizer.transform([text]).tocsr()
        vocabulary = self.vectorizer.vocabulary_
        names_of = {vocabulary[t]: t for t in self.vectorizer.build_analyzer()(text) if t in vocabulary}
        names = np.array([names_of[c] for c in q.indices], dtype=object)
        return q.indices, q.data.astype(np.float32), names


def by_product(
    snap, interest_prior: dict[int, float], history: dict[int, float], k: int, history_weight: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Creators for a product category: how much of their content sits in the prior's interests,
    blended with how well their past orders in that category went.

    ``interest_prior`` maps interest columns to prior weights; ``history`` maps snapshot rows to a
    past-results score in [0, 1]. Returns rows, scores, prior part, history part.
    """
    interest_part = np.zeros(snap.n, dtype=np.float32)
    weights = snap.interests_csc
    for col, prior in interest_prior.items():
        start, end = weights.indptr[col], weights.indptr[col + 1]
        rows = weights.indices[start:end]
        interest_part[rows] += prior * weights.data[start:end]
    norms = snap.interest_norm
    np.divide(interest_part, np.maximum(norms, 1e-9), out=interest_part)
    np.minimum(interest_part, 1.0, out=interest_part)
    history_part = np.zeros(snap.n, dtype=np.float32)
    if history:
        rows = np.fromiter(history.keys(), dtype=np.int64)
        history_part[rows] = np.fromiter(history.values(), dtype=np.float32)
    score = (1 - history_weight) * interest_part + history_weight * history_part
    score[(interest_part <= 0) & (history_part <= 0)] = -np.inf
    score[~snap.active] = -np.inf
    rows = top_k(score, k, snap.creator_ids)
    return rows, score[rows], interest_part[rows], history_part[rows]


def profile_vectors(snap) -> sp.csr_matrix:
    """Per creator: IDF-weighted labels, audience shares and scale (log followers and views), each
    block L2-normalised. Unknown views sit at the average scale instead of at zero."""
    labels = snap.labels_csc.tocsr()
    label_norm = np.maximum(snap.label_norm, 1e-9)
    labels = sp.diags(1 / label_norm) @ labels
    audience = np.vstack([snap.age, snap.gender]).T
    audience = audience / np.maximum(np.linalg.norm(audience, axis=1, keepdims=True), 1e-9)
    scale = snap.metrics[:2].T.astype(np.float64)
    known = np.isfinite(scale)
    count = np.maximum(known.sum(axis=0), 1)
    mean = np.where(known, scale, 0).sum(axis=0) / count
    std = np.sqrt(np.where(known, (scale - mean) ** 2, 0).sum(axis=0) / count)
    scale = np.where(known, (scale - mean) / np.maximum(std, 1e-9), 0) / 4
    return sp.hstack([labels, sp.csr_matrix(audience * 0.7), sp.csr_matrix(scale * 0.5)]).tocsr()


# Each signal is standardised over the candidates (z-score) and they are added with equal weights:
# no signal's scale can drown another, and nothing is tuned to one data set (docs/matching.md, 4).
LOOKALIKE_WEIGHTS = {"profile": 1.0, "posts": 1.0, "booked": 1.0}


@dataclass
class Lookalike:
    rows: np.ndarray
    scores: np.ndarray
    shared_terms: list[list[str]]  # the words of the seeds' posts that weigh most in each result's posts


def lookalike(
    snap,
    seed_rows: np.ndarray,
    k: int,
    *,
    posts: TextIndex | None = None,
    booked: tuple[np.ndarray, np.ndarray] | None = None,
    vectors: sp.csr_matrix | None = None,
) -> Lookalike:
    """Creators most like the seeds, seeds and inactive creators excluded.

    Three signals, each present only when it has something to say: ``profile`` (labels, audience,
    scale: cosine to the seeds' mean), ``posts`` (TF-IDF of what creators wrote: cosine to the
    seeds' mean) and ``booked`` ((rows, scores) of creators booked by the brands that booked the seeds).
    """
    seed_rows = np.asarray(seed_rows, dtype=np.int64)
    candidates = snap.active.copy()
    candidates[seed_rows] = False
    raw = {"profile": _profile_similarity(snap, seed_rows, vectors)}
    centroid = None
    if posts is not None:
        text_rows = _rows_in(posts.creator_ids, snap.creator_ids)
        centroid = posts.centroid(text_rows[seed_rows][text_rows[seed_rows] >= 0])
        if centroid is not None:
            raw["posts"] = _gather(posts.similarity(centroid), text_rows)
    if booked is not None and len(booked[0]):
        raw["booked"] = np.zeros(snap.n)
        raw["booked"][booked[0]] = booked[1]
    score = np.zeros(snap.n)
    for name, values in raw.items():
        score += LOOKALIKE_WEIGHTS[name] * _standardised(values, candidates)
    score = score.astype(np.float32)
    score[~candidates] = -np.inf
    rows = top_k(score, k, snap.creator_ids)
    terms = [[] for _ in rows]
    if centroid is not None:
        terms = posts.shared_terms(centroid, _rows_in(posts.creator_ids, snap.creator_ids[rows]))
    return Lookalike(rows=rows, scores=score[rows], shared_terms=terms)


def _profile_similarity(snap, seed_rows: np.ndarray, vectors) -> np.ndarray:
    if vectors is None:
        # Built once per snapshot object (a refresh makes a new one), not once per search.
        vectors = snap.__dict__.get("_profile_vectors")
        if vectors is None:
            vectors = snap.__dict__["_profile_vectors"] = profile_vectors(snap)
    centroid = np.asarray(vectors[seed_rows].mean(axis=0)).ravel()
    norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
    return (vectors @ centroid) / np.maximum(norms * np.linalg.norm(centroid), 1e-9)


def _standardised(values: np.ndarray, over: np.ndarray) -> np.ndarray:
    """(values − mean) / std over the ``over`` rows; all zeros when the signal does not vary there."""
    sample = values[over]
    std = float(sample.std()) if len(sample) else 0.0
    if std <= 0:
        return np.zeros(len(values))
    return (values - float(sample.mean())) / std


def _rows_in(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Position of each ``wanted`` id in the sorted ``ids``, or -1."""
    if len(ids) == 0:
        return np.full(len(wanted), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return np.where(ids[pos] == wanted, pos, -1)


def _gather(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(len(rows))
    ok = rows >= 0
    out[ok] = values[rows[ok]]
    return out
