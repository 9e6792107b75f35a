"""Free text as people type it."""

from __future__ import annotations


def stripped_or_none(value: str | None) -> str | None:
    """The text without the whitespace around it; None for None and for text that is only whitespace."""
    return (value or "").strip() or None
