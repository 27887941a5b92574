"""Date and number formats that replace Django's where they mislead (settings.FORMAT_MODULE_PATH).

English: Django writes short dates the US way (11/24/2026), which a reader in China or Europe takes
for another day; we write ISO dates (2026-11-24) and 24-hour times. zh-Hans: Django groups numbers
by four with no separator (12345678); Chinese business pages write 12,345,678.
"""
