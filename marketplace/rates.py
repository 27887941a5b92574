"""The one syntax of every rate limit setting (THROTTLE_*): ``N/period``.

The period is s, m, h or d (second, minute, hour, day, or any word starting with those letters), with
an optional count of them: ``10/minute``, ``10/15m``, ``3/hour``. No imports beyond the standard
library, so the settings can check every rate when they load.
"""

from __future__ import annotations

import re

RATE = re.compile(r"(?P<count>\d+)/(?P<times>\d*)(?P<unit>[smhd])[a-z]*")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, seconds) of ``N/period``; ValueError saying what is expected when it is malformed."""
    match = RATE.fullmatch(rate.strip())
    if match is None or int(match["times"] or 1) < 1:
        raise ValueError(f"must be a rate such as 10/minute or 10/15m, not {rate!r}")
    return int(match["count"]), int(match["times"] or 1) * UNIT_SECONDS[match["unit"]]
