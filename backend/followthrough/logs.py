"""Logging for both entry points, the API (`create_app`) and the worker."""

from __future__ import annotations

import logging
import re

from litestar.types import Empty, EmptyType
from pythonjsonlogger.json import JsonFormatter

from followthrough.requestid import current_request_id
from followthrough.settings import Settings

# Libraries that write a line for every message sent. Our own per-message lines are DEBUG; left at INFO,
# theirs would put one line per delivery on stderr and nearly halve a worker's throughput in a burst
# (docs/performance.md). Their warnings and errors, such as a failed send, still show.
PER_MESSAGE_LOGGERS = ("apprise",)


# Paths whose next segment is a secret: the token in a link that acts without a sign-in. The access log
# writes every request path, so these segments are hidden there.
_SECRET_PATH = re.compile(r"^(/(?:api/v1/)?(?:act|snooze|encourage|calendar)/)[^/?#]+")


class HideLinkTokens(logging.Filter):
    """Hides link tokens in uvicorn's access lines (args: client, method, path, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], _SECRET_PATH.sub(r"\1…", args[2]), *args[3:])
        return True


class AddRequestId(logging.Filter):
    """Gives each record the id of the request being served when it was written (see `requestid.py`). On
    handlers, not loggers: a logger's filters never see the records its children pass up."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            request_id = current_request_id.get()
            if request_id is not None:
                record.request_id = request_id
        return True


class JsonLines(JsonFormatter):
    """One JSON object per line: `time`, `level`, `logger`, `message`, and `request_id` within a request."""

    def __init__(self) -> None:
        super().__init__(
            ["levelname", "name", "message"],
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            # uvicorn repeats each of its messages with terminal colours; the plain one is enough.
            reserved_attrs=[*logging.makeLogRecord({}).__dict__, "message", "color_message"],
        )


def litestar_logging(settings: Settings) -> EmptyType | None:
    """Litestar's own logging set-up (its default: lines through a queue to stderr) for text; none for JSON,
    where `configure_logging` owns the handlers: a queue handler would flatten each record into text before
    the JSON formatter saw it."""
    return None if settings.log_format == "json" else Empty


# The loggers whose handlers write lines: the root's, and uvicorn's own (they do not pass lines up).
_WRITING_LOGGERS = ("", "uvicorn", "uvicorn.access")


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level)
    for name in _WRITING_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, AddRequestId) for f in handler.filters):
                handler.addFilter(AddRequestId())
            if settings.log_format == "json" and not isinstance(handler.formatter, JsonLines):
                handler.setFormatter(JsonLines())
    quiet = logging.getLevelName(settings.log_level.upper()) != logging.DEBUG
    for name in PER_MESSAGE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideLinkTokens) for f in access.filters):
        access.addFilter(HideLinkTokens())
