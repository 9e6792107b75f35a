from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from followthrough.schemas import OutSchema, Schema, TimeZoneName


class TrustedHeaderSignIn(Schema):
    """A JSON body, even an empty `{}`: a cross-site form cannot send one, so it cannot start this sign-in."""

    time_zone: TimeZoneName | None = None
    """For an account this sign-in creates: the browser's IANA zone. UTC when absent."""


class OidcMethod(OutSchema):
    name: str
    """The provider's name for the button: "Sign in with <name>"."""


class SignInMethods(OutSchema):
    password: bool
    trusted_header: bool
    """True when this request came through a proxy allowed to name the signed-in person: then the app may
    try `POST /auth/trusted-header` at once."""
    oidc: OidcMethod | None
    """The OpenID provider, when one is configured."""


class LinkStarted(OutSchema):
    authorization_url: str
    """Where the browser goes next to confirm the account at the provider."""


class SignInIdentityOut(OutSchema):
    id: UUID
    provider: str
    """The provider's name as configured on this server."""
    issuer: str
    email: str | None
    """The email the provider gave when the identity was linked."""
    created_at: datetime
    last_used_at: datetime | None


class SignInIdentities(OutSchema):
    items: list[SignInIdentityOut]
    has_password: bool
    """False for an account made through a provider: it signs in only through its identities, so the last
    one cannot be unlinked."""
    can_link: bool
    """Whether an OpenID provider is configured to link."""


TimeZoneQuery = Annotated[str, msgspec.Meta(max_length=64)]
