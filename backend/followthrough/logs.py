"""Logging for both entry points, the API (`create_app`) and the worker."""

from __future__ import annotations

import logging
import re

from followthrough.settings import Settings

# Libraries that write a line for every message sent. Our own per-message lines are DEBUG; left at INFO,
# theirs would put one line per delivery on stderr and nearly halve a worker's throughput in a burst
# (docs/performance.md). Their warnings and errors, such as a failed send, still show.
PER_MESSAGE_LOGGERS = ("apprise",)


# Paths whose next segment is a secret: the token in a link that acts without a sign-in. The access log
# writes every request path, so these segments are hidden there.
_SECRET_PATH = re.compile(r"^(/(?:api/v1/)?(?:act|snooze|encourage)/)[^/?#]+")


class HideLinkTokens(logging.Filter):
    """Hides link tokens in uvicorn's access lines (args: client, method, path, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], _SECRET_PATH.sub(r"\1…", args[2]), *args[3:])
        return True


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level)
    quiet = logging.getLevelName(settings.log_level.upper()) != logging.DEBUG
    for name in PER_MESSAGE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, HideLinkTokens) for f in access.filters):
        access.addFilter(HideLinkTokens())
