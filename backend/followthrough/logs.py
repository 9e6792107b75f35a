"""Logging for both entry points, the API (`create_app`) and the worker."""

from __future__ import annotations

import logging

from followthrough.settings import Settings

# Libraries that write a line for every message sent. Our own per-message lines are DEBUG; left at INFO,
# theirs would put one line per delivery on stderr and nearly halve a worker's throughput in a burst
# (docs/performance.md). Their warnings and errors, such as a failed send, still show.
PER_MESSAGE_LOGGERS = ("apprise",)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(level=settings.log_level)
    quiet = logging.getLevelName(settings.log_level.upper()) != logging.DEBUG
    for name in PER_MESSAGE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)
