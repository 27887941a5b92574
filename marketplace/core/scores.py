"""The match score as people see it: one rule for the matcher's pages and API and for the deal pages that show a
score frozen when an offer or application was made."""


def match_score(score: float) -> int:
    """The 0–100 match score: the (re-ranked) score on the hand score's scale, clamped."""
    return max(0, min(100, round(float(score) * 100)))
