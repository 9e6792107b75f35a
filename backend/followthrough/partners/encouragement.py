"""Encouragement: short messages from a partner, on a shared key action or check-in, or from the one-tap link
in a partner digest.

The one-tap link in a digest is an act link (`actlinks`): a page of the PWA that POSTs the preset message,
once, with no sign-in. Digests sent before act links had signed tokens (`signing`, purpose "encourage") to
`/api/v1/encourage/<token>`: a GET of one only says what it would do; a POST posts, once (the nonce is
stored with the message it posted). Both stop working the moment the partnership ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from followthrough.actions import KeyAction
from followthrough.checkins import CheckIn, hold_write_lock
from followthrough.context import ContextBound, RequestContext
from followthrough.deliveries import enqueue
from followthrough.enums import Event, Visibility
from followthrough.errors import Forbidden, Gone, InvalidInput, NotFound, TooManyAttempts
from followthrough.identity import Participant
from followthrough.partners import schemas
from followthrough.partners.models import Encouragement, Partnership
from followthrough.partners.services import PartnershipService, person_out
from followthrough.signing import BadSignature, verify

ONE_TAP_PURPOSE = "encourage"
ONE_TAP_MESSAGES = ("Keep going, I'm cheering you on!",)
RATE_WINDOW = timedelta(hours=24)


def encouragement_out(item: Encouragement, partner: Participant) -> schemas.EncouragementOut:
    return schemas.EncouragementOut(
        id=item.id,
        partner=person_out(partner),
        message=item.message,
        key_action_id=item.key_action_id,
        check_in_id=item.check_in_id,
        hidden=item.hidden,
        sent_at=item.sent_at,
    )


def one_tap_placeholder(partnership_id: UUID) -> str:
    """What a digest stores for the partnership's one-tap link: no secret, only which partnership. The
    worker replaces it, at send time, with an act link of purpose "encourage" (`/act/<token>`), whose token
    is made then and never stored."""
    return f"partnership:{partnership_id}"


class EncouragementService(ContextBound):
    def __init__(self, context: RequestContext, partnerships: PartnershipService) -> None:
        super().__init__(context)
        self.partnerships = partnerships

    async def send(
        self, partner: Participant, partnership_id: UUID, data: schemas.EncouragementCreate
    ) -> Encouragement:
        partnership, person = await self.partnerships.as_partner(partner, partnership_id)
        if (data.key_action_id is None) == (data.check_in_id is None):
            raise InvalidInput("keyActionId", "give exactly one of keyActionId and checkInId")
        key_action_id = data.key_action_id
        if data.check_in_id is not None:
            key_action_id = await self.session.scalar(
                select(CheckIn.key_action_id).where(
                    CheckIn.id == data.check_in_id, CheckIn.participant_id == person.id
                )
            )
            if key_action_id is None:
                raise InvalidInput("checkInId", "no such check-in on a shared key action")
        action = await self.session.scalar(
            select(KeyAction).where(
                KeyAction.id == key_action_id,
                KeyAction.participant_id == person.id,
                KeyAction.visibility == Visibility.PARTNERS,
            )
        )
        if action is None and data.check_in_id is not None:
            raise InvalidInput("checkInId", "no such check-in on a shared key action")
        if action is None:
            raise InvalidInput("keyActionId", "no such shared key action")
        await self._within_rate(partnership)
        item = self._new(partnership, data.message.strip(), action.id, data.check_in_id, None)
        await self.session.flush()
        await self._tell(person, partner, item, action.title)
        return item

    async def _within_rate(self, partnership: Partnership) -> None:
        sent = await self.session.scalar(
            select(func.count())
            .select_from(Encouragement)
            .where(
                Encouragement.partner_id == partnership.partner_id,
                Encouragement.participant_id == partnership.participant_id,
                Encouragement.sent_at > self.now - RATE_WINDOW,
            )
        )
        limit = self.settings.encouragements_per_day
        if (sent or 0) >= limit:
            raise TooManyAttempts(
                f"at most {limit} encouragements a day to one person; try again later", field="message"
            )

    def _new(
        self,
        partnership: Partnership,
        message: str,
        key_action_id: UUID | None,
        check_in_id: UUID | None,
        nonce: str | None,
    ) -> Encouragement:
        item = Encouragement(
            participant_id=partnership.participant_id,
            partner_id=partnership.partner_id,
            key_action_id=key_action_id,
            check_in_id=check_in_id,
            message=message,
            sent_at=self.now,
            link_nonce=nonce,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(item)
        return item

    async def _tell(
        self, person: Participant, partner: Participant, item: Encouragement, title: str | None
    ) -> None:
        await enqueue(
            self.session,
            recipient_id=person.id,
            event=Event.ENCOURAGEMENT_RECEIVED,
            subject_key=f"encouragement:{item.id}",
            payload={"partnerName": partner.display_name, "message": item.message, "keyActionTitle": title},
            due_at=self.now,
            now=self.now,
        )

    async def received(
        self, participant: Participant, include_hidden: bool, limit: int, offset: int
    ) -> tuple[Sequence[tuple[Encouragement, Participant]], int]:
        """Encouragements to the caller, newest first."""
        conditions: list[Any] = [Encouragement.participant_id == participant.id]
        if not include_hidden:
            conditions.append(Encouragement.hidden.is_(False))
        total = await self.session.scalar(select(func.count()).select_from(Encouragement).where(*conditions))
        rows = await self.session.execute(
            select(Encouragement, Participant)
            .join(Participant, Participant.id == Encouragement.partner_id)
            .where(*conditions)
            .order_by(Encouragement.sent_at.desc(), Encouragement.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows.tuples()), total or 0

    async def set_hidden(
        self, participant: Participant, encouragement_id: UUID, hidden: bool
    ) -> tuple[Encouragement, Participant]:
        """Only its recipient may hide it; the partner who sent it gets 403, anyone else 404."""
        item = await self.session.scalar(
            select(Encouragement).where(
                Encouragement.id == encouragement_id,
                or_(
                    Encouragement.participant_id == participant.id, Encouragement.partner_id == participant.id
                ),
            )
        )
        if item is None:
            raise NotFound("encouragement")
        if item.participant_id != participant.id:
            raise Forbidden("only the person encouraged may hide it")
        item.hidden = hidden
        item.updated_at = self.now
        await self.session.flush()
        return item, await self.session.get_one(Participant, item.partner_id)

    async def one_tap(self, token: str, post: bool) -> schemas.OneTapOut:
        """An older digest's link: with `post`, post its preset message once (a replay answers posted=false
        and posts nothing); without, say what it would post and change nothing."""
        if not token.isascii():  # no signed token is; and the constant-time comparison refuses them
            raise NotFound("link")
        try:
            payload = verify(self.settings.resolved_secret_key, ONE_TAP_PURPOSE, token, self.now)
        except BadSignature as error:
            if "expired" in str(error):
                raise Gone("the link has expired", field="token") from None
            raise NotFound("link") from None
        try:
            partnership_id, message, nonce = (
                UUID(str(payload["s"])),
                ONE_TAP_MESSAGES[int(payload["m"])],
                str(payload["n"]),
            )
        except (KeyError, ValueError, IndexError, TypeError):
            raise NotFound("link") from None
        if post:
            await hold_write_lock(self.session)
        partnership = await self.session.get(Partnership, partnership_id)
        if partnership is None:  # ended since the digest went out
            raise NotFound("link")
        person = await self.session.get_one(Participant, partnership.participant_id)
        posted = await self.post_once(partnership, message, nonce) if post else None
        return schemas.OneTapOut(posted=posted is not None, message=message, person=person.display_name)

    async def post_once(self, partnership: Partnership, message: str, nonce: str) -> Encouragement | None:
        """Post `message` from the partnership's partner, once per `nonce` (a link); None when that link
        already posted. Within the daily limit (429 beyond it). The caller holds the write lock."""
        used = await self.session.scalar(select(Encouragement.id).where(Encouragement.link_nonce == nonce))
        if used is not None:
            return None
        await self._within_rate(partnership)
        try:
            async with self.session.begin_nested():
                item = self._new(partnership, message, None, None, nonce)
                await self.session.flush()
        except IntegrityError:  # the same link, used at the same moment elsewhere
            return None
        person = await self.session.get_one(Participant, partnership.participant_id)
        partner = await self.session.get_one(Participant, partnership.partner_id)
        await self._tell(person, partner, item, None)
        return item
