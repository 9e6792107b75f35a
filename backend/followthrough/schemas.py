"""Shared wire types: camelCase msgspec structs and the bounded field types every resource reuses."""

from __future__ import annotations

import re
from datetime import time
from functools import lru_cache
from typing import Annotated, Generic, TypeVar
from zoneinfo import available_timezones

import msgspec
from litestar.params import Parameter

from followthrough.errors import InvalidInput

T = TypeVar("T")


class Schema(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """Base for request bodies. Unknown fields are refused, so a typo is an error, not a no-op."""


class OutSchema(msgspec.Struct, rename="camel", kw_only=True):
    """Base for response bodies."""


StructT = TypeVar("StructT", bound=msgspec.Struct)


def to_schema(model: object, schema: type[StructT]) -> StructT:
    """`schema` filled from the like-named attributes of `model` (an ORM row, a dataclass), for a mapper
    that only copies. msgspec reads each field by its Python name (the camelCase wire name only if that is
    missing), so a model attribute named otherwise needs a hand-written mapper. Values are checked against
    the field types as on input: a wrong type raises here rather than reaching the wire."""
    return msgspec.convert(model, schema, from_attributes=True)


# Query parameters of every paged list. The offset is bounded so that no database integer overflows.
LimitParam = Annotated[int, Parameter(ge=1, le=200, description="Page size")]
# schema_extra: Litestar leaves a bound of 0 out of the document.
OffsetParam = Annotated[
    int, Parameter(ge=0, le=1_000_000, description="Items to skip", schema_extra={"minimum": 0})
]


class Page(OutSchema, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
ShortText = Annotated[str, msgspec.Meta(max_length=500)]
LongText = Annotated[str, msgspec.Meta(max_length=4000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=r"\S")]
Reason = Annotated[str, msgspec.Meta(max_length=500)]
TimeZoneName = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=64,
        description="An IANA time zone name, spelled as the tz database does, such as Europe/Paris",
        examples=["Europe/Paris"],
        # A custom format: the names the server accepts are those of the tz database it has installed.
        extra_json_schema={"extra": {"format": "iana-time-zone"}},
    ),
]
Weekday = Annotated[int, msgspec.Meta(ge=0, le=6, description="0 = Monday … 6 = Sunday")]
Limit = Annotated[int, msgspec.Meta(ge=1, le=200)]
LocalTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="A local wall time, HH:MM", examples=["18:30"]
    ),
]


def _digits_between(low: str, high: str) -> str:
    """A regex for the equally long, zero-padded numbers from `low` to `high`."""
    if low == high:
        return low
    if len(low) == 1:
        return f"[{low}-{high}]"
    rest = len(low) - 1
    if low[0] == high[0]:
        return low[0] + _group(_digits_between(low[1:], high[1:]))
    # Leading digits whose every continuation is in range share one "[0-9]…" tail.
    first = int(low[0]) + (low[1:] != "0" * rest)
    last = int(high[0]) - (high[1:] != "9" * rest)
    parts = []
    if first > int(low[0]):
        parts.append(low[0] + _group(_digits_between(low[1:], "9" * rest)))
    if first <= last:
        parts.append(_digits_between(str(first), str(last)) + "[0-9]" * rest)
    if last < int(high[0]):
        parts.append(high[0] + _group(_digits_between("0" * rest, high[1:])))
    return "|".join(parts)


def _group(pattern: str) -> str:
    return f"(?:{pattern})" if "|" in pattern else pattern


def _date_in_years(first_year: int, last_year: int) -> str:
    """Real calendar dates, YYYY-MM-DD (29 February in leap years only), in the years given. `[0-9]`, not
    `\\d`, which in Python also matches other scripts' digits."""
    years = _digits_between(f"{first_year:04d}", f"{last_year:04d}")
    by_century: dict[int, list[str]] = {}
    for year in range(first_year, last_year + 1):
        if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
            by_century.setdefault(year // 100, []).append(f"{year % 100:02d}")
    leap_years = "|".join(f"{century:02d}(?:{'|'.join(ends)})" for century, ends in by_century.items())
    month_day = (
        "(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
        "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
        "|02-(?:0[1-9]|1[0-9]|2[0-8])"
    )
    return f"(?:(?:{years})-(?:{month_day})|(?:{leap_years})-02-29)"


def local_date_pattern(first_year: int, last_year: int) -> str:
    """Exactly the dates msgspec reads, in the years `first_year` to `last_year`."""
    return f"^{_date_in_years(first_year, last_year)}$"


def local_date_time_pattern(first_year: int, last_year: int) -> str:
    """Exactly the local date-times msgspec reads (`tz=False`) in the years `first_year` to `last_year`:
    seconds required, any fraction, and T, t or a space between the date and the time."""
    day = _date_in_years(first_year, last_year)
    return f"^{day}[Tt ](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]+)?$"


def parse_local_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def format_local_time(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Python's \s (str.isspace, which strip() removes) spelled out: JavaScript's \s, which readers of the
# document and schemathesis use, lacks \x1c-\x1f.
_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
EMAIL_WIRE_PATTERN = rf"^[{_SPACE}]*[^@{_SPACE}]+@[^@{_SPACE}]+\.[^@{_SPACE}]+[{_SPACE}]*$"
"""What `require_email` accepts, surrounding whitespace included (it strips it)."""


@lru_cache(maxsize=1)
def _known_time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def require_time_zone(name: str, field: str = "timeZone") -> str:
    """An IANA zone name exactly as the tz database spells it; anything else is a 422 on `field`."""
    if name not in _known_time_zones():
        raise InvalidInput(field, f"{name!r} is not an IANA time zone such as Europe/Paris")
    return name


def require_email(address: str, field: str = "email") -> str:
    address = address.strip().lower()
    if len(address) > 254 or not EMAIL_PATTERN.match(address):
        raise InvalidInput(field, "must be an email address such as name@example.com")
    return address


def require_quiet_hours(start: time | None, end: time | None) -> None:
    if (start is None) != (end is None):
        raise InvalidInput("quietHoursEnd" if end is None else "quietHoursStart", "give both ends or neither")
    if start is not None and start == end:
        raise InvalidInput("quietHoursEnd", "must differ from quietHoursStart")


EXPORT_FORMAT_VERSION = 1
"""The version of the account export document: `export` writes it and `imports` reads it back, so it lives
below both."""
