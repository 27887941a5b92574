# Output formats only: the input formats stay Django's (a typed 11/24/2026 is still understood).
DATE_FORMAT = "j M Y"  # 24 Nov 2026
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j M Y, H:i"  # 24 Nov 2026, 14:30
YEAR_MONTH_FORMAT = "F Y"  # November 2026
MONTH_DAY_FORMAT = "j F"  # 24 November
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-11-24
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-11-24 14:30
FIRST_DAY_OF_WEEK = 1  # Monday
