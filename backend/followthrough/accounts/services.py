"""Creating accounts, sign-in with rate limits, sessions, profile and personal API tokens.

Public sign-up, which must not tell whether an email is registered, is in `registration`.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from uuid import UUID

from litestar.exceptions import NotAuthorizedException
from msgspec import UNSET
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.accounts import schemas
from followthrough.accounts.auth import API_TOKEN_PREFIX, hash_token, new_token
from followthrough.accounts.limits import TooManyAttempts, counts_since, limit_key, record_attempts
from followthrough.accounts.models import ApiToken, AuthSession, Participant
from followthrough.accounts.passwords import has_password, hash_password, verify_password
from followthrough.actions.occurrences import OccurrenceService
from followthrough.errors import Conflict, InvalidInput, NotFound
from followthrough.schemas import parse_local_time, require_email, require_quiet_hours, require_time_zone
from followthrough.settings import Settings

FIRST_PASSWORD_WINDOW = timedelta(minutes=10)
"""How soon after signing in an account without a password may set one."""


class AccountService:
    def __init__(self, session: AsyncSession, settings: Settings, now: datetime) -> None:
        self.session = session
        self.settings = settings
        self.now = now

    async def create_participant(self, data: schemas.SignUp, password_hash: str | None = None) -> Participant:
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

    async def sign_in(self, data: schemas.SignIn, address: str) -> Participant:
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
            raise NotAuthorizedException("email or password is wrong")
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
            # only soon after signing in (FIRST_PASSWORD_WINDOW).
            created_at=self.now,
            user_agent=(user_agent or "")[:200] or None,
        )
        self.session.add(auth_session)
        await self.session.flush()
        return token, auth_session

    async def end_session(self, session_id: UUID) -> None:
        await self.session.execute(delete(AuthSession).where(AuthSession.id == session_id))

    async def update_profile(self, participant: Participant, data: schemas.ProfileUpdate) -> Participant:
        zone_changed = False
        if data.display_name is not UNSET:
            participant.display_name = data.display_name.strip()
        if data.time_zone is not UNSET and data.time_zone != participant.time_zone:
            participant.time_zone = require_time_zone(data.time_zone)
            zone_changed = True
        if data.review_weekday is not UNSET:
            participant.review_weekday = data.review_weekday
        if data.review_time is not UNSET:
            participant.review_time = parse_local_time(data.review_time)
        if data.quiet_hours_start is not UNSET:
            participant.quiet_hours_start = _optional_time(data.quiet_hours_start)
        if data.quiet_hours_end is not UNSET:
            participant.quiet_hours_end = _optional_time(data.quiet_hours_end)
        if data.nudge_enabled is not UNSET:
            participant.nudge_enabled = data.nudge_enabled
        require_quiet_hours(participant.quiet_hours_start, participant.quiet_hours_end)
        await self.session.flush()
        if zone_changed:
            horizon = timedelta(days=self.settings.occurrence_horizon_days)
            await OccurrenceService(self.session, self.now, horizon).reschedule(participant)
        return participant

    async def change_password(
        self, participant: Participant, data: schemas.PasswordChange, keep_session_id: UUID | None
    ) -> tuple[int, list[ApiToken]]:
        """Sets the new password, ends every session but `keep_session_id` (the one making the change) and,
        when asked, revokes every API token. Returns how many sessions ended and the tokens revoked."""
        if has_password(participant.password_hash):
            if data.current_password is None:
                raise InvalidInput("currentPassword", "is required")
            await self.require_password(participant, data.current_password, "currentPassword")
        else:
            await self._require_fresh_sign_in(keep_session_id)
        participant.password_hash = await hash_password(data.new_password, self.settings.password_hash_cost)
        # Other devices signed in with the old password are signed out.
        ending = delete(AuthSession).where(AuthSession.participant_id == participant.id)
        if keep_session_id is not None:
            ending = ending.where(AuthSession.id != keep_session_id)
        ended = await self.session.execute(ending)
        revoked: list[ApiToken] = []
        if data.revoke_tokens:
            revoked = await self.list_tokens(participant)
            await self.session.execute(delete(ApiToken).where(ApiToken.participant_id == participant.id))
        return int(ended.rowcount or 0), revoked  # type: ignore[attr-defined]

    async def require_password(self, participant: Participant, password: str, field: str) -> None:
        """Confirms a password before a sensitive change; wrong guesses count against sign-in's limit, so a
        stolen session cannot be used to guess the password."""
        key = limit_key("account", participant.email)
        await self._refuse_when_rate_limited(key)
        cost = self.settings.password_hash_cost
        if not await verify_password(password, participant.password_hash, cost):
            await record_attempts(self.session, [key], self.now, self.settings)
            raise InvalidInput(field, "is not your current password", status_code=403)

    async def _require_fresh_sign_in(self, session_id: UUID | None) -> None:
        """An account without a password proves it is its owner by a recent sign-in through its provider,
        not by an old session someone may have taken over."""
        started = None
        if session_id is not None:
            started = await self.session.scalar(
                select(AuthSession.created_at).where(AuthSession.id == session_id)
            )
        if started is None or self.now - started > FIRST_PASSWORD_WINDOW:
            minutes = int(FIRST_PASSWORD_WINDOW.total_seconds() // 60)
            raise InvalidInput(
                "currentPassword",
                f"this account has no password yet: sign in again, then set one within {minutes} minutes",
                status_code=403,
            )

    async def delete_account(self, participant: Participant, data: schemas.AccountDeletion) -> None:
        if has_password(participant.password_hash):
            if data.password is None:
                raise InvalidInput("password", "is required")
            await self.require_password(participant, data.password, "password")
        elif (data.confirm_email or "").strip().casefold() != participant.email.casefold():
            raise InvalidInput("confirmEmail", "is not this account's email", status_code=403)
        # Every owned row references the participant with ON DELETE CASCADE.
        await self.session.execute(delete(Participant).where(Participant.id == participant.id))

    async def list_tokens(self, participant: Participant) -> list[ApiToken]:
        return list(
            await self.session.scalars(
                select(ApiToken)
                .where(ApiToken.participant_id == participant.id)
                .order_by(ApiToken.created_at)
            )
        )

    async def create_token(
        self, participant: Participant, data: schemas.ApiTokenCreate
    ) -> tuple[str, ApiToken]:
        token = new_token(API_TOKEN_PREFIX)
        api_token = ApiToken(
            participant_id=participant.id,
            name=data.name.strip(),
            token_hash=hash_token(token),
            token_prefix=token[:10],
            expires_at=None
            if data.expires_in_days is None
            else self.now + timedelta(days=data.expires_in_days),
        )
        self.session.add(api_token)
        await self.session.flush()
        return token, api_token

    async def revoke_token(self, participant: Participant, token_id: UUID) -> None:
        result = await self.session.execute(
            delete(ApiToken).where(ApiToken.id == token_id, ApiToken.participant_id == participant.id)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("API token")


def _optional_time(value: str | None) -> time | None:
    return None if value is None else parse_local_time(value)
