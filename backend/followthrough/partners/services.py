"""Partnerships: who supports whom, each side's settings, and ending them.

A partnership row has two sides. The participant it supports owns the scope (details, email, missed-check-in
opt-in); the partner owns their own notification opt-ins. Either side may end it. Someone who is neither side
gets 404, exactly as for an id that does not exist; the wrong side gets 403 for a write on the other's
settings.
"""

from __future__ import annotations

from uuid import UUID

from msgspec import UNSET
from sqlalchemy import delete, or_, select

from followthrough.context import ContextBound
from followthrough.errors import Forbidden, NotFound
from followthrough.identity import Participant
from followthrough.partners import schemas
from followthrough.partners.models import Partnership


def person_out(person: Participant, show_email: bool = False) -> schemas.PersonOut:
    return schemas.PersonOut(
        id=person.id, display_name=person.display_name, email=person.email if show_email else None
    )


def partnership_out(partnership: Partnership, partner: Participant) -> schemas.PartnershipOut:
    """The participant's view of one of their partners. A partner's email is theirs to show, not the
    participant's, so it is never included here."""
    return schemas.PartnershipOut(
        id=partnership.id,
        partner=person_out(partner),
        started_at=partnership.started_at,
        share_details=partnership.share_details,
        show_email=partnership.show_email,
        missed_nudges=partnership.participant_missed_opt_in,
        partner_wants_missed_nudges=partnership.partner_missed_opt_in,
    )


def supported_out(partnership: Partnership, person: Participant) -> schemas.SupportedOut:
    return schemas.SupportedOut(
        id=partnership.id,
        person=person_out(person, partnership.show_email),
        started_at=partnership.started_at,
        digest=partnership.digest,
        missed_nudges=partnership.partner_missed_opt_in,
        person_allows_missed_nudges=partnership.participant_missed_opt_in,
    )


class PartnershipService(ContextBound):
    async def _involving(self, caller: Participant, partnership_id: UUID) -> Partnership:
        """The partnership if the caller is on either side; 404 otherwise."""
        partnership = await self.session.scalar(
            select(Partnership).where(
                Partnership.id == partnership_id,
                or_(Partnership.participant_id == caller.id, Partnership.partner_id == caller.id),
            )
        )
        if partnership is None:
            raise NotFound("partnership")
        return partnership

    async def as_participant(
        self, caller: Participant, partnership_id: UUID
    ) -> tuple[Partnership, Participant]:
        """One of the caller's partners; their partner on the other side of it gets 403."""
        partnership = await self._involving(caller, partnership_id)
        if partnership.participant_id != caller.id:
            raise Forbidden("only the participant a partnership supports may do this")
        partner = await self.session.get_one(Participant, partnership.partner_id)
        return partnership, partner

    async def as_partner(self, caller: Participant, partnership_id: UUID) -> tuple[Partnership, Participant]:
        """Someone the caller supports; that person, on the other side, gets 403."""
        partnership = await self._involving(caller, partnership_id)
        if partnership.partner_id != caller.id:
            raise Forbidden("only the partner may do this")
        person = await self.session.get_one(Participant, partnership.participant_id)
        return partnership, person

    async def partners(self, participant: Participant) -> list[tuple[Partnership, Participant]]:
        """The caller's partners, earliest first."""
        rows = await self.session.execute(
            select(Partnership, Participant)
            .join(Participant, Participant.id == Partnership.partner_id)
            .where(Partnership.participant_id == participant.id)
            .order_by(Partnership.started_at, Partnership.id)
        )
        return list(rows.tuples())

    async def supported(self, partner: Participant) -> list[tuple[Partnership, Participant]]:
        """The people the caller supports, earliest first."""
        rows = await self.session.execute(
            select(Partnership, Participant)
            .join(Participant, Participant.id == Partnership.participant_id)
            .where(Partnership.partner_id == partner.id)
            .order_by(Partnership.started_at, Partnership.id)
        )
        return list(rows.tuples())

    async def update_scope(
        self, participant: Participant, partnership_id: UUID, data: schemas.PartnershipUpdate
    ) -> tuple[Partnership, Participant]:
        partnership, partner = await self.as_participant(participant, partnership_id)
        if data.share_details is not UNSET:
            partnership.share_details = data.share_details
        if data.show_email is not UNSET:
            partnership.show_email = data.show_email
        if data.missed_nudges is not UNSET:
            partnership.participant_missed_opt_in = data.missed_nudges
        partnership.updated_at = self.now
        await self.session.flush()
        return partnership, partner

    async def update_support(
        self, partner: Participant, partnership_id: UUID, data: schemas.SupportUpdate
    ) -> tuple[Partnership, Participant]:
        partnership, person = await self.as_partner(partner, partnership_id)
        if data.digest is not UNSET:
            partnership.digest = data.digest
        if data.missed_nudges is not UNSET:
            partnership.partner_missed_opt_in = data.missed_nudges
        partnership.updated_at = self.now
        await self.session.flush()
        return partnership, person

    async def end(self, caller: Participant, partnership_id: UUID) -> None:
        """Either side ends it. The row goes, so the partner's very next request sees nothing."""
        partnership = await self._involving(caller, partnership_id)
        await self.session.execute(delete(Partnership).where(Partnership.id == partnership.id))
