from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from msgspec import UNSET

from followthrough.accounts import schemas
from followthrough.accounts.services import AccountService
from followthrough.actions import OccurrenceService
from followthrough.context import RequestContext
from followthrough.deliveries import follow_quiet_hours
from followthrough.identity import (
    ApiToken,
    Credential,
    IdentityService,
    Participant,
    ParticipantOut,
    participant_out,
    session_cookie,
)


def provide_account_service(
    context: NamedDependency[RequestContext],
    occurrences: NamedDependency[OccurrenceService],
) -> AccountService:
    return AccountService(context, IdentityService(context), occurrences)


def token_out(api_token: ApiToken) -> schemas.ApiTokenOut:
    return schemas.ApiTokenOut(
        id=api_token.id,
        name=api_token.name,
        prefix=api_token.token_prefix,
        created_at=api_token.created_at,
        last_used_at=api_token.last_used_at,
        expires_at=api_token.expires_at,
    )


class AccountController(Controller):
    path = "/account"
    tags = ["account"]
    dependencies = {"accounts": Provide(provide_account_service, sync_to_thread=False)}

    @get("", operation_id="getAccount")
    async def get_account(self, participant: NamedDependency[Participant]) -> ParticipantOut:
        """The signed-in participant's profile."""
        return participant_out(participant)

    @patch("", operation_id="updateAccount")
    async def update_account(
        self,
        data: JSONBody[schemas.ProfileUpdate],
        participant: NamedDependency[Participant],
        accounts: NamedDependency[AccountService],
    ) -> ParticipantOut:
        """Change name, time zone, weekly-review day and time, or quiet hours. A new time zone moves
        future occurrences to it and leaves history as it was. Reminders already queued follow the quiet
        hours as they now are."""
        updated = await accounts.update_profile(participant, data)
        # Only quiet hours and the zone they are read in decide where a queued reminder waits.
        if any(
            value is not UNSET for value in (data.quiet_hours_start, data.quiet_hours_end, data.time_zone)
        ):
            await follow_quiet_hours(accounts.session, updated, accounts.now)
        return participant_out(updated)

    @post(
        "/password",
        operation_id="changePassword",
        status_code=HTTP_200_OK,
        opt={"rate_limited": True},
    )
    async def change_password(
        self,
        data: JSONBody[schemas.PasswordChange],
        participant: NamedDependency[Participant],
        accounts: NamedDependency[AccountService],
        request: Request[Participant, Credential, Any],
    ) -> schemas.PasswordChanged:
        """Change the password. Signs out every other session (the one making the change stays signed in)
        and, unless `revokeTokens` is false, revokes every API token; the answer lists what was ended."""
        keep = request.auth.id if request.auth.kind == "session" else None
        ended, revoked = await accounts.change_password(participant, data, keep)
        return schemas.PasswordChanged(
            ended_sessions=ended, revoked_tokens=[token_out(api_token) for api_token in revoked]
        )

    @post(
        "/delete", operation_id="deleteAccount", status_code=HTTP_204_NO_CONTENT, opt={"rate_limited": True}
    )
    async def delete_account(
        self,
        data: JSONBody[schemas.AccountDeletion],
        participant: NamedDependency[Participant],
        accounts: NamedDependency[AccountService],
    ) -> Response[None]:
        """Delete the account and everything it owns, after confirming the password."""
        await accounts.delete_account(participant, data)
        return Response(
            None, status_code=HTTP_204_NO_CONTENT, cookies=[session_cookie(accounts.settings, "", 0)]
        )

    @get("/tokens", operation_id="listApiTokens")
    async def list_tokens(
        self, participant: NamedDependency[Participant], accounts: NamedDependency[AccountService]
    ) -> list[schemas.ApiTokenOut]:
        """Personal API tokens, without their secrets."""
        return [token_out(api_token) for api_token in await accounts.list_tokens(participant)]

    @post("/tokens", operation_id="createApiToken", status_code=HTTP_201_CREATED)
    async def create_token(
        self,
        data: JSONBody[schemas.ApiTokenCreate],
        participant: NamedDependency[Participant],
        accounts: NamedDependency[AccountService],
    ) -> schemas.ApiTokenCreated:
        """Create a token for scripts. Its secret is in this response only."""
        token, api_token = await accounts.create_token(participant, data)
        out = token_out(api_token)
        return schemas.ApiTokenCreated(
            **{field: getattr(out, field) for field in out.__struct_fields__}, token=token
        )

    @delete("/tokens/{token_id:uuid}", operation_id="revokeApiToken", status_code=HTTP_204_NO_CONTENT)
    async def revoke_token(
        self,
        token_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        accounts: NamedDependency[AccountService],
    ) -> None:
        """Revoke a token; it stops working at once."""
        await accounts.revoke_token(participant, token_id)
