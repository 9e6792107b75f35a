"""Sign-up, sign-in with rate limits, sessions, profile and personal API tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime, time, timedelta
from uuid import UUID

from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS
from msgspec import UNSET
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.accounts import schemas
from followthrough.accounts.auth import API_TOKEN_PREFIX, hash_token, new_token
from followthrough.accounts.models import ApiToken, AuthSession, Participant, SignInFailure
from followthrough.accounts.passwords import hash_password, verify_password
from followthrough.actions.occurrences import OccurrenceService
from followthrough.errors import Conflict, InvalidInput, NotFound
from followthrough.schemas import parse_local_time, require_email, require_quiet_hours, require_time_zone
from followthrough.settings import Settings


class AccountService:
    def __init__(self, session: AsyncSession, settings: Settings, now: datetime) -> None:
        self.session = session
        self.settings = settings
        self.now = now

    async def sign_up(self, data: schemas.SignUp) -> Participant:
        email = require_email(data.email)
        participant = Participant(
            email=email,
            display_name=data.display_name.strip(),
            password_hash=await hash_password(data.password, self.settings.password_hash_cost),
            time_zone=require_time_zone(data.time_zone),
        )
        self.session.add(participant)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:
            raise Conflict("email", "an account with this email already exists") from None
        return participant

    async def sign_in(self, data: schemas.SignIn, address: str) -> Participant:
        email = data.email.strip().lower()
        keys = [_limit_key("account", email), _limit_key("address", address)]
        await self._refuse_when_rate_limited(*keys)
        participant = await self.session.scalar(select(Participant).where(Participant.email == email))
        password_hash = participant.password_hash if participant else None
        if participant is None or not await verify_password(
            data.password, password_hash, self.settings.password_hash_cost
        ):
            await self._record_failure(keys)
            raise NotAuthorizedException("email or password is wrong")
        return participant

    async def _record_failure(self, keys: list[str]) -> None:
        self.session.add_all(SignInFailure(limit_key=key, failed_at=self.now) for key in keys)
        # The failure must be stored although the request ends in an error, which rolls back.
        await self.session.commit()

    async def _refuse_when_rate_limited(self, account_key: str, address_key: str | None = None) -> None:
        since = self.now - timedelta(minutes=self.settings.sign_in_window_minutes)
        keys = [account_key] if address_key is None else [account_key, address_key]
        rows = await self.session.execute(
            select(SignInFailure.limit_key, func.count())
            .where(SignInFailure.limit_key.in_(keys), SignInFailure.failed_at > since)
            .group_by(SignInFailure.limit_key)
        )
        counts: dict[str, int] = {key: count for key, count in rows.tuples().all()}
        if counts.get(account_key, 0) >= self.settings.sign_in_failures_per_account or (
            address_key is not None
            and counts.get(address_key, 0) >= self.settings.sign_in_failures_per_address
        ):
            retry_after = str(self.settings.sign_in_window_minutes * 60)
            raise HTTPException(
                status_code=HTTP_429_TOO_MANY_REQUESTS,
                detail="too many failed sign-ins; try again later",
                headers={"Retry-After": retry_after},
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

    async def change_password(self, participant: Participant, data: schemas.PasswordChange) -> None:
        await self.require_password(participant, data.current_password, "currentPassword")
        participant.password_hash = await hash_password(data.new_password, self.settings.password_hash_cost)
        # Other devices signed in with the old password are signed out.
        await self.session.execute(delete(AuthSession).where(AuthSession.participant_id == participant.id))

    async def require_password(self, participant: Participant, password: str, field: str) -> None:
        """Confirms a password before a sensitive change; wrong guesses count against sign-in's limit, so a
        stolen session cannot be used to guess the password."""
        key = _limit_key("account", participant.email)
        await self._refuse_when_rate_limited(key)
        cost = self.settings.password_hash_cost
        if not await verify_password(password, participant.password_hash, cost):
            await self._record_failure([key])
            raise InvalidInput(field, "is not your current password", status_code=403)

    async def delete_account(self, participant: Participant, data: schemas.AccountDeletion) -> None:
        await self.require_password(participant, data.password, "password")
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


def _limit_key(kind: str, value: str) -> str:
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _optional_time(value: str | None) -> time | None:
    return None if value is None else parse_local_time(value)
