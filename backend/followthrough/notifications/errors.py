"""The transport contract's one error: send, or raise `TransportError(message, permanent)`."""

from __future__ import annotations

from followthrough.settings import Settings

ERROR_LENGTH = 300


class TransportError(Exception):
    """A failed send. `message` is already masked (safe to store, show and log); a permanent error will
    not go away by retrying (bad URL, refused destination, subscription gone)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message[:ERROR_LENGTH]
        self.permanent = permanent


def no_answer(settings: Settings) -> TransportError:
    """A send that got no answer within its time: the receiver may answer next time."""
    seconds = settings.send_timeout_seconds
    return TransportError(f"No answer within {seconds} second{'' if seconds == 1 else 's'}")


def refused(reason: str) -> TransportError:
    """The destination breaks the channel safety rules (`safety`): retrying will not change that."""
    return TransportError(f"Refused destination: {reason}", permanent=True)
