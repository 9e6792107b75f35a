from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from followthrough.context import RequestContext
from followthrough.errors import ErrorBody
from followthrough.identity import IdentityService, SignUp, client_address
from followthrough.partners import InviteService
from followthrough.registration import schemas
from followthrough.registration.services import RegistrationService
from followthrough.settings import Settings


def provide_registration(context: NamedDependency[RequestContext]) -> RegistrationService:
    return RegistrationService(context, IdentityService(context), InviteService(context))


SIGN_UP_REFUSALS = {
    403: ResponseSpec(
        ErrorBody,
        description="Sign-up is closed on this server (`body`), or invite-only and `invite` is not a pending "
        "invite's token",
        generate_examples=False,
    ),
    429: ResponseSpec(
        ErrorBody,
        description="Too many sign-ups from this address; Retry-After says when to try again",
        generate_examples=False,
    ),
}


class RegistrationController(Controller):
    """Beside AuthController under /auth: signing up is where an account begins, before any sign-in."""

    path = "/auth"
    tags = ["auth"]
    dependencies = {"registration": Provide(provide_registration, sync_to_thread=False)}

    @get("/registration", operation_id="getRegistration", exclude_from_auth=True)
    async def get_registration(self, settings: NamedDependency[Settings]) -> schemas.RegistrationOut:
        """Whether this server lets anyone sign up, only holders of a partner invite, or no one."""
        return schemas.RegistrationOut(mode=settings.registration)

    @post(
        "/sign-up",
        operation_id="signUp",
        exclude_from_auth=True,
        status_code=HTTP_202_ACCEPTED,
        response_description="The same answer whether or not the email was free: sign in next",
        responses=SIGN_UP_REFUSALS,
    )
    async def sign_up(
        self,
        data: JSONBody[SignUp],
        registration: NamedDependency[RegistrationService],
        request: Request[Any, Any, Any],
    ) -> schemas.SignUpAccepted:
        """Create an account for a free email. The answer is the same whether or not the email is registered
        (its owner is told on their channels instead) and does not sign in: sign in next with the same email
        and password."""
        return await registration.sign_up(data, client_address(request))
