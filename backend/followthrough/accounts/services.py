"""What a signed-in participant changes about their account: profile, password, deletion, API tokens.

Creating accounts, sign-in and sessions are in `identity`; public sign-up is in `registration`.
"""

from __future__ import annotations

from datetime import time, timedelta
from uuid import UUID

from msgspec import UNSET
from sqlalchemy import delete, select

from followthrough.accounts import schemas
from followthrough.actions import OccurrenceService
from followthrough.checkins import has_check_in
from followthrough.context import ContextBound, RequestContext
from followthrough.errors import Forbidden, InvalidInput, NotFound
from followthrough.identity import (
    API_TOKEN_PREFIX,
    ApiToken,
    AuthSession,
    IdentityService,
    Participant,
    has_password,
    hash_password,
    hash_token,
    new_token,
)
from followthrough.schemas import parse_local_time, require_quiet_hours, require_time_zone

FIRST_PASSWORD_WINDOW = timedelta(minutes=10)
"""How soon after signing in an account without a password may set one."""


class AccountService(ContextBound):
    def __init__(
        self, context: RequestContext, identity: IdentityService, occurrences: OccurrenceService
    ) -> None:
        super().__init__(context)
        self.identity = identity
        self.occurrences = occurrences

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
            await self.occurrences.reschedule(participant, has_check_in)
        return participant

    async def change_password(
        self, participant: Participant, data: schemas.PasswordChange, keep_session_id: UUID | None
    ) -> tuple[int, list[ApiToken]]:
        """Sets the new password, ends every session but `keep_session_id` (the one making the change) and,
        when asked, revokes every API token. Returns how many sessions ended and the tokens revoked."""
        if has_password(participant.password_hash):
            if data.current_password is None:
                raise InvalidInput("currentPassword", "is required")
            await self.identity.require_password(participant, data.current_password, "currentPassword")
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
            raise Forbidden(
                f"this account has no password yet: sign in again, then set one within {minutes} minutes",
                field="currentPassword",
            )

    async def delete_account(self, participant: Participant, data: schemas.AccountDeletion) -> None:
        if has_password(participant.password_hash):
            if data.password is None:
                raise InvalidInput("password", "is required")
            await self.identity.require_password(participant, data.password, "password")
        elif (data.confirm_email or "").strip().casefold() != participant.email.casefold():
            raise Forbidden("is not this account's email", field="confirmEmail")
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
