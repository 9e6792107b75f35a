"""What the API document's custom string formats mean, for schemathesis (the CLI loads this module through
SCHEMATHESIS_HOOKS; tests/test_schemathesis.py imports it).

Both formats are sets that no pattern states: `iana-time-zone` is whatever the server's tz database holds,
`rrule` whatever its RRULE parser accepts (at most hourly, with a first occurrence within ten years, ...).
Without these, schemathesis would call any string valid and count the server's 422 as a refused valid request.
"""

from __future__ import annotations

from zoneinfo import available_timezones

import schemathesis
from hypothesis import strategies as st

# Accepted rules of every frequency and the parts the PWA and the demo write.
VALID_RULES = [
    "FREQ=DAILY",
    "FREQ=WEEKLY;BYDAY=MO",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
    "FREQ=MONTHLY;BYMONTHDAY=1",
    "FREQ=MONTHLY;BYDAY=1MO",
    "FREQ=YEARLY",
    "FREQ=DAILY;COUNT=10",
    "FREQ=HOURLY;INTERVAL=6",
    "RRULE:FREQ=WEEKLY;BYDAY=SA,SU",
]

schemathesis.openapi.format("iana-time-zone", st.sampled_from(sorted(available_timezones())))
schemathesis.openapi.format("rrule", st.sampled_from(VALID_RULES))
