from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.deliveries import schemas
from followthrough.deliveries.log import Answers, log_page
from followthrough.enums import DeliveryStatus, Event
from followthrough.identity import Participant
from followthrough.schemas import LimitParam, OffsetParam, Page


class DeliveryController(Controller):
    """The delivery log. `delivery_answers` is provided by composition (the act links sit above this
    package)."""

    path = "/deliveries"
    tags = ["deliveries"]

    @get("", operation_id="listDeliveries")
    async def list_deliveries(
        self,
        participant: NamedDependency[Participant],
        db_session: NamedDependency[AsyncSession],
        delivery_answers: NamedDependency[Answers],
        status: FromQuery[DeliveryStatus | None] = None,
        event: FromQuery[Event | None] = None,
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.DeliveryOut]:
        """Messages sent (or due to be sent) to the participant's channels, newest due time first, with
        attempts and the last error, optionally only those in one status or of one event."""
        items, total = await log_page(
            db_session,
            participant.id,
            delivery_answers,
            status=status,
            event=event,
            limit=limit,
            offset=offset,
        )
        return Page(items=items, total=total, limit=limit, offset=offset)
