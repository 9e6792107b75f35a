"""Wire shapes of public sign-up (its request, `SignUp`, is identity's: operators and providers make
accounts from it too)."""

from __future__ import annotations

from typing import Literal

from followthrough.schemas import OutSchema

RegistrationMode = Literal["open", "invite-only", "closed"]


class SignUpAccepted(OutSchema):
    """The same answer whether or not the email was free; then sign in with the same email and password."""

    message: str


class RegistrationOut(OutSchema):
    mode: RegistrationMode
    """`open`: anyone may sign up; `invite-only`: with a pending invite's token; `closed`: no one."""
