"""Public sign-up, which tells the caller nothing about whether an email is registered.

Sign-up answers the same 202 either way and does not sign in; the app then signs in with the same email
and password. For a free email the account is created. For a registered one nothing is stored for the
caller, and the owner is told on their channels (`sign-up.attempted`, at most once an hour) that someone
tried. Both paths hash the password with argon2, so they cost the same time. A claimer can therefore learn
that an address is free only by creating a real account with it, which the per-address limit throttles.

The limit counts every attempt from a client address (`sign-up-address:` rows, see `limits`) before any
hashing, so a flood never reaches argon2 and its 64 MiB a hash. The server's registration mode may refuse
sign-up altogether (`closed`) or without a pending partner invite (`invite-only`); neither refusal depends
on the email.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from followthrough.context import ContextBound, RequestContext
from followthrough.deliveries import enqueue
from followthrough.enums import Event
from followthrough.errors import Conflict, Forbidden, TooManyAttempts
from followthrough.identity import (
    IdentityService,
    Participant,
    SignUp,
    counts_since,
    hash_password,
    limit_key,
    record_attempts,
)
from followthrough.partners import InviteService
from followthrough.registration import schemas
from followthrough.schemas import require_email, require_time_zone

ACCEPTED = "If this email is free, your account is ready: sign in."


class RegistrationService(ContextBound):
    def __init__(self, context: RequestContext, identity: IdentityService, invites: InviteService) -> None:
        super().__init__(context)
        self.identity = identity
        self.invites = invites

    async def sign_up(self, data: SignUp, address: str) -> schemas.SignUpAccepted:
        if self.settings.registration == "closed":
            raise Forbidden("sign-up is closed on this server", field="body")
        email = require_email(data.email)
        require_time_zone(data.time_zone)
        await self._count_attempt(address)
        if self.settings.registration == "invite-only" and not (
            data.invite and await self.invites.is_pending(data.invite, address)
        ):
            raise Forbidden(
                "sign-up on this server needs a partner invite that is still pending", field="invite"
            )
        password_hash = await hash_password(data.password, self.settings.password_hash_cost)
        owner = await self.session.scalar(select(Participant).where(Participant.email == email))
        if owner is None:
            try:
                await self.identity.create_participant(data, password_hash)
                return schemas.SignUpAccepted(message=ACCEPTED)
            except Conflict:  # signed up at the same moment by someone else
                owner = await self.session.scalar(select(Participant).where(Participant.email == email))
        if owner is not None:
            await self._tell_owner(owner)
        return schemas.SignUpAccepted(message=ACCEPTED)

    async def _count_attempt(self, address: str) -> None:
        """Refuses once the address has used its attempts; an attempt counts before anything is hashed.
        Counted again after recording, so concurrent attempts cannot all slip under the limit."""
        key = limit_key("sign-up-address", address)
        since = self.now - timedelta(minutes=self.settings.sign_up_window_minutes)
        limit = self.settings.sign_ups_per_address
        if (await counts_since(self.session, [key], since)).get(key, 0) >= limit:
            raise self._too_many()
        await record_attempts(self.session, [key], self.now, self.settings)
        if (await counts_since(self.session, [key], since)).get(key, 0) > limit:
            raise self._too_many()

    def _too_many(self) -> TooManyAttempts:
        return TooManyAttempts(
            "too many sign-ups from this address; try again later", self.settings.sign_up_window_minutes * 60
        )

    async def _tell_owner(self, owner: Participant) -> None:
        """At most one notice an hour per channel, so repeated tries cannot flood the owner."""
        await enqueue(
            self.session,
            recipient_id=owner.id,
            event=Event.SIGN_UP_ATTEMPTED,
            subject_key=f"sign-up:{owner.id}:{self.now:%Y%m%dT%H}",
            payload={"attemptedAt": self.now.isoformat(), "timeZone": owner.time_zone},
            due_at=self.now,
            now=self.now,
        )
