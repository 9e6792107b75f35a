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


# Query parameters of every paged list. The offset is bounded so that no database integer overflows.
LimitParam = Annotated[int, Parameter(ge=1, le=200, description="Page size")]
OffsetParam = Annotated[int, Parameter(ge=0, le=1_000_000, description="Items to skip")]


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
TimeZoneName = Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="An IANA time zone")]
Weekday = Annotated[int, msgspec.Meta(ge=0, le=6, description="0 = Monday … 6 = Sunday")]
Limit = Annotated[int, msgspec.Meta(ge=1, le=200)]
LocalTime = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", description="A local wall time, HH:MM", examples=["18:30"]
    ),
]


def parse_local_time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def format_local_time(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


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
