"""Who a trusted proxy or an OpenID provider signs in, and the identities linked to an account.

Rules:
- An identity (issuer, subject) signs in as the account it is linked to, whatever its email says now.
- With no identity yet, a *verified* email links to the account that has it (and signs in). An unverified
  email never links and never makes an account: anyone can claim any address at many providers, and
  linking on it would hand them the account of that address's real owner.
- With no account either, one is made only when the registration mode is `open`, without a password
  (`NO_PASSWORD_HASH`): it signs in through its identities only, so the last one cannot be unlinked.
- A refusal says nothing about whether an account exists.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from followthrough.context import ContextBound, RequestContext
from followthrough.errors import Conflict, InvalidInput
from followthrough.identity import NO_PASSWORD_HASH, AuthSession, IdentityService, Participant, SignUp
from followthrough.identity import has_password as password_is_set
from followthrough.ownership import delete_owned, get_owned
from followthrough.schemas import require_time_zone
from followthrough.sso.models import SignInIdentity
from followthrough.sso.oidc import Problem, ProviderClaims, ProviderProblem

DEFAULT_TIME_ZONE = "UTC"


class TrustedHeaderRefused(Exception):
    """No session from the trusted header; the answer is the same whatever the reason."""


def has_password(participant: Participant) -> bool:
    return password_is_set(participant.password_hash)


class SignInService(ContextBound):
    def __init__(self, context: RequestContext, identity: IdentityService) -> None:
        super().__init__(context)
        self.identity = identity

    async def by_trusted_email(self, email: str | None, time_zone: str | None) -> Participant:
        if email is None:
            raise TrustedHeaderRefused()
        participant = await self._by_email(email)
        if participant is not None:
            return participant
        if self.settings.registration != "open":
            raise TrustedHeaderRefused()
        made = await self._new_account(email, email.split("@")[0], time_zone)
        if made is None:
            raise TrustedHeaderRefused()
        return made

    async def by_provider(self, claims: ProviderClaims, time_zone: str | None) -> Participant:
        """Sign in through the provider: by identity, else by verified email (linking it), else a new
        account when registration is open. Raises ProviderProblem."""
        identity = await self._identity(claims)
        if identity is not None:
            identity.last_used_at = self.now
            participant = await self.session.get(Participant, identity.participant_id)
            if participant is not None:
                return participant
        if claims.email is None or not claims.email_verified:
            raise ProviderProblem(Problem.EMAIL_UNVERIFIED)
        participant = await self._by_email(claims.email)
        if participant is None:
            if self.settings.registration != "open":
                raise ProviderProblem(Problem.NOT_ALLOWED)
            name = claims.name or claims.email.split("@")[0]
            participant = await self._new_account(claims.email, name, time_zone or claims.zoneinfo)
            if participant is None:
                raise ProviderProblem(Problem.NOT_ALLOWED)
        await self._add_identity(participant.id, claims)
        return participant

    async def link(
        self, participant_id: UUID, session_token_hash: str | None, claims: ProviderClaims
    ) -> None:
        """Link the provider account to the signed-in participant who started the link. Its email does not
        matter here: the person proved both accounts are theirs. Raises ProviderProblem."""
        signed_in = session_token_hash is not None and await self.session.scalar(
            select(AuthSession.id).where(
                AuthSession.token_hash == session_token_hash,
                AuthSession.participant_id == participant_id,
                AuthSession.expires_at > self.now,
            )
        )
        if not signed_in:
            raise ProviderProblem(Problem.SIGNED_OUT)
        identity = await self._identity(claims)
        if identity is not None:
            if identity.participant_id != participant_id:
                raise ProviderProblem(Problem.IDENTITY_TAKEN)
            identity.last_used_at = self.now
            return
        await self._add_identity(participant_id, claims)

    async def identities(self, participant: Participant) -> list[SignInIdentity]:
        return list(
            await self.session.scalars(
                select(SignInIdentity)
                .where(SignInIdentity.participant_id == participant.id)
                .order_by(SignInIdentity.created_at)
            )
        )

    async def unlink(self, participant: Participant, identity_id: UUID) -> None:
        await get_owned(self.session, SignInIdentity, participant.id, identity_id, "sign-in identity")
        if not has_password(participant):
            count = await self.session.scalar(
                select(func.count())
                .select_from(SignInIdentity)
                .where(SignInIdentity.participant_id == participant.id)
            )
            if (count or 0) <= 1:
                raise Conflict(
                    "identityId", "this is the only way to sign in to this account; link another one first"
                )
        await delete_owned(self.session, SignInIdentity, participant.id, identity_id, "sign-in identity")

    async def _identity(self, claims: ProviderClaims) -> SignInIdentity | None:
        found: SignInIdentity | None = await self.session.scalar(
            select(SignInIdentity).where(
                SignInIdentity.issuer == claims.issuer, SignInIdentity.subject == claims.subject
            )
        )
        return found

    async def _by_email(self, email: str) -> Participant | None:
        found: Participant | None = await self.session.scalar(
            select(Participant).where(Participant.email == email)
        )
        return found

    async def _add_identity(self, participant_id: UUID, claims: ProviderClaims) -> None:
        identity = SignInIdentity(
            participant_id=participant_id,
            issuer=claims.issuer[:255],
            subject=claims.subject[:255],
            email=claims.email[:254] if claims.email else None,
            last_used_at=self.now,
        )
        self.session.add(identity)
        try:
            async with self.session.begin_nested():
                await self.session.flush()
        except IntegrityError:  # linked at the same moment by another request
            self.session.expunge(identity)
            raise ProviderProblem(Problem.IDENTITY_TAKEN) from None

    async def _new_account(self, email: str, name: str, time_zone: str | None) -> Participant | None:
        """A password-less account, or None when the email is not one we accept or was taken meanwhile."""
        try:
            zone = require_time_zone(time_zone or DEFAULT_TIME_ZONE)
        except InvalidInput:
            zone = DEFAULT_TIME_ZONE
        data = SignUp(email=email, password="", display_name=name.strip()[:80] or email, time_zone=zone)
        try:
            return await self.identity.create_participant(data, NO_PASSWORD_HASH)
        except InvalidInput:  # Conflict included: the email was taken at the same moment
            return None
