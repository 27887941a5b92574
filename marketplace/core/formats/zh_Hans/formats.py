# Dates stay Django's (2026年11月24日); numbers are grouped by thousands with a comma.
MONTH_DAY_FORMAT = "n月j日"  # 11月24日 (Django writes 09月5日)
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
