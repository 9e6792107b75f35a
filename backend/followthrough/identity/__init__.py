"""Who a participant is and how they prove it: the participant, sessions, API tokens, passwords, sign-in
limits, the authentication middleware and the sign-in/out endpoints. The bottom domain: it imports only the
kernel (settings, schemas, errors, ownership, readcache, ...)."""

from followthrough.identity.auth import (
    API_TOKEN_PREFIX,
    CSRF_HEADER,
    SESSION_COOKIE,
    AuthenticationMiddleware,
    Credential,
    client_address,
    csrf_token_for,
    hash_token,
    new_token,
)
from followthrough.identity.controllers import AuthController, participant_out, session_cookie
from followthrough.identity.limits import counts_since, limit_key, record_attempts
from followthrough.identity.models import ApiToken, AuthSession, Participant, SignInFailure
from followthrough.identity.passwords import (
    NO_PASSWORD_HASH,
    argon2_runs,
    has_password,
    hash_password,
    verify_password,
)
from followthrough.identity.schemas import (
    DisplayName,
    ParticipantOut,
    Password,
    SessionOut,
    SignIn,
    SignUp,
)
from followthrough.identity.services import IdentityService

__all__ = [
    "API_TOKEN_PREFIX",
    "CSRF_HEADER",
    "NO_PASSWORD_HASH",
    "SESSION_COOKIE",
    "ApiToken",
    "AuthController",
    "AuthSession",
    "AuthenticationMiddleware",
    "Credential",
    "DisplayName",
    "IdentityService",
    "Participant",
    "ParticipantOut",
    "Password",
    "SessionOut",
    "SignIn",
    "SignInFailure",
    "SignUp",
    "argon2_runs",
    "client_address",
    "counts_since",
    "csrf_token_for",
    "has_password",
    "hash_password",
    "hash_token",
    "limit_key",
    "new_token",
    "participant_out",
    "record_attempts",
    "session_cookie",
    "verify_password",
]
