"""What the logs may say: never the token of a link that acts without a sign-in."""

from __future__ import annotations

import logging

import pytest

from followthrough.logs import configure_logging
from followthrough.settings import Settings


def access_line(path: str) -> str:
    """The access line uvicorn writes for a GET of `path`, after the filters configure_logging adds."""
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", path, "1.1", 200),
        None,
    )
    for log_filter in logging.getLogger("uvicorn.access").filters:
        if isinstance(log_filter, logging.Filter):
            log_filter.filter(record)
    return record.getMessage()


@pytest.mark.parametrize(
    "path",
    [
        "/act/AbCdEfGhIjKlMnOpQrStUv?choice=done",
        "/api/v1/act/AbCdEfGhIjKlMnOpQrStUv",
        "/api/v1/act/AbCdEfGhIjKlMnOpQrStUv/undo",
        "/api/v1/snooze/AbCdEfGhIjKlMnOpQrStUv.sig?for=1h",
        "/api/v1/encourage/AbCdEfGhIjKlMnOpQrStUv.sig",
    ],
)
def test_the_access_log_never_shows_a_link_token(settings: Settings, path: str) -> None:
    configure_logging(settings)
    line = access_line(path)
    assert "AbCdEfGhIjKlMnOpQrStUv" not in line
    assert "GET /" in line


def test_other_paths_are_logged_as_they_are(settings: Settings) -> None:
    configure_logging(settings)
    assert "/api/v1/today?date=2026-12-01" in access_line("/api/v1/today?date=2026-12-01")
