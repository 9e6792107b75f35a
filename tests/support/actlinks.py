"""Act links for tests: a reminder sent with its link's token, and the reminders still waiting to go."""

from __future__ import annotations

from followthrough.actlinks import act_token
from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.deliveries.worker import Worker
from followthrough.enums import DeliveryStatus
from tests.conftest import Caller, Callers, Database
from tests.support.pipeline import deliveries_of, reminded, utc
from tests.support.receivers import HttpReceiver

ACT = "/api/v1/act"
WAITING = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


async def sent_reminder(
    callers: Callers, database: Database, worker: Worker, receiver: HttpReceiver, clock: FrozenClock
) -> tuple[Caller, Delivery, str]:
    """Ada's 09:30 reminder, sent at 09:30, and the token of its act link."""
    ada, row = await reminded(callers, database, worker, receiver)
    clock.set(utc("2026-03-02T09:30:00"))
    assert await worker.dispatch() == 1
    await receiver.wait_for(1)
    return ada, row, act_token(worker.settings.resolved_secret_key, row.id)


async def waiting_reminders(database: Database, caller: Caller) -> list[Delivery]:
    return [d for d in await deliveries_of(database, caller) if d.status in WAITING]
