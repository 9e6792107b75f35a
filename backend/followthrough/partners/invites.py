"""Invites: a single-use link holding a 256-bit token, stored as its SHA-256, expiring, revocable before use.

Accepting is a conditional UPDATE (`... WHERE accepted_at IS NULL AND revoked_at IS NULL AND
expires_at > now`), so two people racing with one link, or one person on two devices, make one
partnership. The token never appears in a URL path or query (it travels in the link's fragment and in
the preview and accept requests' bodies), so no access log holds it.

Previewing shows whom an invite is from, and whether it is mutual, without using it. It is open to anyone
holding the token, so it answers every invite that cannot be accepted (unknown, used, revoked, expired) with
the same 410: it tells a holder less than accepting does. Tokens that match no invite count against a
guessing limit (see `guessing`), for previews and accepts alike.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from followthrough.context import ContextBound
from followthrough.deliveries import enqueue
from followthrough.enums import Event
from followthrough.errors import Conflict, Gone, InvalidInput, NotFound
from followthrough.identity import Participant, hash_token
from followthrough.partners import schemas
from followthrough.partners.guessing import GuessLimit
from followthrough.partners.models import Invite, Partnership
from followthrough.settings import Settings


class DeadInvite(Gone):
    """A preview of an invite that cannot be accepted; which of the reasons it is, is not said."""

    def __init__(self) -> None:
        super().__init__("this invite has expired, was revoked or was used; ask for a new one", field="token")


def invite_status(invite: Invite, now: datetime) -> str:
    if invite.accepted_at is not None:
        return "accepted"
    if invite.revoked_at is not None:
        return "revoked"
    if invite.expires_at <= now:
        return "expired"
    return "pending"


def invite_out(invite: Invite, now: datetime) -> schemas.InviteOut:
    return schemas.InviteOut(
        id=invite.id,
        mutual=invite.mutual,
        status=invite_status(invite, now),
        expires_at=invite.expires_at,
        created_at=invite.created_at,
        accepted_at=invite.accepted_at,
        revoked_at=invite.revoked_at,
    )


def invite_url(settings: Settings, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/partners/accept#{token}"


class InviteService(ContextBound):
    async def create(self, participant: Participant, data: schemas.InviteCreate) -> tuple[Invite, str]:
        """A new invite and its token, which is returned this once and never stored."""
        token = secrets.token_urlsafe(32)
        days = data.expires_in_days or self.settings.invite_expiry_days
        invite = Invite(
            participant_id=participant.id,
            token_hash=hash_token(token),
            expires_at=self.now + timedelta(days=days),
            mutual=data.mutual,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(invite)
        await self.session.flush()
        return invite, token

    async def list(self, participant: Participant) -> list[Invite]:
        """The caller's invites, newest first."""
        return list(
            await self.session.scalars(
                select(Invite)
                .where(Invite.participant_id == participant.id)
                .order_by(Invite.created_at.desc(), Invite.id.desc())
            )
        )

    async def revoke(self, participant: Participant, invite_id: UUID) -> None:
        invite = await self.session.scalar(
            select(Invite).where(Invite.id == invite_id, Invite.participant_id == participant.id)
        )
        if invite is None:
            raise NotFound("invite")
        if invite.accepted_at is not None:
            raise Conflict("id", "the invite was already accepted; end the partnership instead")
        if invite.revoked_at is None:
            invite.revoked_at = self.now
            invite.updated_at = self.now
            await self.session.flush()

    async def _find(self, token: str, address: str) -> Invite | None:
        """The invite the token opens, or None; a miss counts as a guess from `address`."""
        limit = GuessLimit(self.session, self.now, self.settings, address)
        await limit.refuse_when_exceeded()
        token_hash = hash_token(token.strip())
        invite = await self.session.scalar(select(Invite).where(Invite.token_hash == token_hash))
        # The index lookup finds the row; the comparison that decides is constant-time.
        if invite is None or not hmac.compare_digest(invite.token_hash, token_hash):
            await limit.record()
            return None
        return invite

    async def is_pending(self, token: str, address: str) -> bool:
        """Whether the token opens an invite that can still be accepted, leaving it unused (sign-up on an
        invite-only server asks this)."""
        invite = await self._find(token, address)
        return invite is not None and invite_status(invite, self.now) == "pending"

    async def preview(self, token: str, address: str) -> tuple[Invite, Participant]:
        """A pending invite and its inviter, leaving the invite unused."""
        invite = await self._find(token, address)
        if invite is None or invite_status(invite, self.now) != "pending":
            raise DeadInvite()
        return invite, await self.session.get_one(Participant, invite.participant_id)

    async def accept(
        self, invitee: Participant, token: str, address: str
    ) -> tuple[Partnership, Participant, Partnership | None]:
        """The invitee starts supporting the inviter (and, for a mutual invite, the other way round too).
        Returns the invitee's partnership, the inviter, and the mutual one if made."""
        invite = await self._find(token, address)
        if invite is None:
            raise NotFound("invite")
        status = invite_status(invite, self.now)
        if status == "accepted":
            raise Conflict("token", "this invite was already used")
        if status == "revoked":
            raise Conflict("token", "this invite was revoked")
        if status == "expired":
            raise Gone("this invite has expired; ask for a new one", field="token")
        if invite.participant_id == invitee.id:
            raise InvalidInput("token", "this is your own invite; give it to the person you want as partner")
        existing = await self._pairs(invite.participant_id, invitee.id)
        if (invite.participant_id, invitee.id) in existing:
            raise Conflict("token", "you already support this person")
        claimed = await self.session.execute(
            update(Invite)
            .where(
                Invite.id == invite.id,
                Invite.accepted_at.is_(None),
                Invite.revoked_at.is_(None),
                Invite.expires_at > self.now,
            )
            .values(accepted_at=self.now, accepted_by_id=invitee.id, updated_at=self.now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("token", "this invite was already used")
        inviter = await self.session.get_one(Participant, invite.participant_id)
        supporting = self._partnership(inviter.id, invitee.id, invite.id)
        mutual = None
        if invite.mutual and (invitee.id, inviter.id) not in existing:
            mutual = self._partnership(invitee.id, inviter.id, invite.id)
        try:
            await self.session.flush()
        except IntegrityError:  # the same two people, through two invites at the same moment
            raise Conflict("token", "you already support this person") from None
        await enqueue(
            self.session,
            recipient_id=inviter.id,
            event=Event.INVITE_ACCEPTED,
            subject_key=f"invite:{invite.id}",
            payload={"partnerName": invitee.display_name},
            due_at=self.now,
            now=self.now,
        )
        return supporting, inviter, mutual

    async def _pairs(self, first: UUID, second: UUID) -> set[tuple[UUID, UUID]]:
        rows = await self.session.execute(
            select(Partnership.participant_id, Partnership.partner_id).where(
                Partnership.participant_id.in_([first, second]), Partnership.partner_id.in_([first, second])
            )
        )
        return {(participant_id, partner_id) for participant_id, partner_id in rows.tuples()}

    def _partnership(self, participant_id: UUID, partner_id: UUID, invite_id: UUID) -> Partnership:
        partnership = Partnership(
            participant_id=participant_id,
            partner_id=partner_id,
            invite_id=invite_id,
            started_at=self.now,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(partnership)
        return partnership
