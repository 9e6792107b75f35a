"""Creating participants, password sign-in with rate limits, sessions, and confirming a password.

Public sign-up, which must not tell whether an email is registered, is in `registration`; what a signed-in
participant changes about their account is in `accounts`.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from followthrough.context import ContextBound
from followthrough.errors import Conflict, Forbidden, NotAuthorized, TooManyAttempts
from followthrough.identity.auth import hash_token, new_token
from followthrough.identity.limits import counts_since, limit_key, record_attempts
from followthrough.identity.models import AuthSession, Participant
from followthrough.identity.passwords import hash_password, verify_password
from followthrough.identity.schemas import SignIn, SignUp
from followthrough.schemas import require_email, require_time_zone


class IdentityService(ContextBound):
    async def create_participant(self, data: SignUp, password_hash: str | None = None) -> Participant:
        """A new account (the operator's `users create`, and sign-up for a free email); 409 when the email
        is taken. `password_hash`: the password already hashed by the caller."""
        participant = Participant(
            email=require_email(data.email),
            display_name=data.display_name.strip(),
            password_hash=password_hash
            or await hash_password(data.password, self.settings.password_hash_cost),
            time_zone=require_time_zone(data.time_zone),
        )
        self.session.add(participant)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            if participant in self.session:  # so that a caller who goes on does not insert it again
                self.session.expunge(participant)
            raise Conflict("email", "an account with this email already exists") from None
        return participant

    async def sign_in(self, data: SignIn, address: str) -> Participant:
        email = data.email.strip().lower()
        keys = [limit_key("account", email), limit_key("address", address)]
        await self._refuse_when_rate_limited(*keys)
        participant = await self.session.scalar(select(Participant).where(Participant.email == email))
        # Verified before deciding, so an unknown email costs the same argon2 work as a wrong password.
        matches = await verify_password(
            data.password,
            participant.password_hash if participant else None,
            self.settings.password_hash_cost,
        )
        if participant is None or not matches:
            await record_attempts(self.session, keys, self.now, self.settings)
            raise NotAuthorized("email or password is wrong")
        return participant

    async def _refuse_when_rate_limited(self, account_key: str, address_key: str | None = None) -> None:
        since = self.now - timedelta(minutes=self.settings.sign_in_window_minutes)
        keys = [account_key] if address_key is None else [account_key, address_key]
        counts = await counts_since(self.session, keys, since)
        if counts.get(account_key, 0) >= self.settings.sign_in_failures_per_account or (
            address_key is not None
            and counts.get(address_key, 0) >= self.settings.sign_in_failures_per_address
        ):
            raise TooManyAttempts(
                "too many failed sign-ins; try again later", self.settings.sign_in_window_minutes * 60
            )

    async def start_session(
        self, participant: Participant, user_agent: str | None
    ) -> tuple[str, AuthSession]:
        token = new_token()
        auth_session = AuthSession(
            participant_id=participant.id,
            token_hash=hash_token(token),
            expires_at=self.now + timedelta(days=self.settings.session_days),
            last_seen_at=self.now,
            # On the app's clock, like every time a rule reads: an account without a password may set one
            # only soon after signing in (`accounts.services.FIRST_PASSWORD_WINDOW`).
            created_at=self.now,
            user_agent=(user_agent or "")[:200] or None,
        )
        self.session.add(auth_session)
        await self.session.flush()
        return token, auth_session

    async def end_session(self, session_id: UUID) -> None:
        await self.session.execute(delete(AuthSession).where(AuthSession.id == session_id))

    async def require_password(self, participant: Participant, password: str, field: str) -> None:
        """Confirms a password before a sensitive change; wrong guesses count against sign-in's limit, so a
        stolen session cannot be used to guess the password."""
        key = limit_key("account", participant.email)
        await self._refuse_when_rate_limited(key)
        cost = self.settings.password_hash_cost
        if not await verify_password(password, participant.password_hash, cost):
            await record_attempts(self.session, [key], self.now, self.settings)
            raise Forbidden("is not your current password", field=field)
