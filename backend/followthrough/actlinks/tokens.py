"""Act link tokens: made from the delivery id with the installation's secret, stored only as a hash.

`token = base64url(HMAC-SHA256(secret, "act:<delivery id>"))[:22]` (132 bits), with `:<partnership id>`
appended for each person in a partner digest. The worker makes the link rows just before sending and passes
the tokens to the wording at send time; they never enter the delivery's stored payload or a log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime
from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils import uuid7

from followthrough.actlinks.models import ActLink, ActPurpose
from followthrough.dialect import insert_ignoring_conflicts

TOKEN_LENGTH = 22
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{22}$")
ACT_LINK_TABLE = cast("Table", ActLink.__table__)


def act_token(secret: str, delivery_id: UUID, partnership_id: UUID | None = None) -> str:
    subject = f"act:{delivery_id}" if partnership_id is None else f"act:{delivery_id}:{partnership_id}"
    digest = hmac.new(secret.encode(), subject.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:TOKEN_LENGTH]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def well_formed(token: str) -> bool:
    return bool(TOKEN_SHAPE.match(token))


def act_url(public_url: str, token: str) -> str:
    """The page in the PWA where the link is answered (never an /api/ URL)."""
    return f"{public_url.rstrip('/')}/act/{token}"


def link_row(
    *,
    token: str,
    purpose: ActPurpose,
    participant_id: UUID,
    delivery_id: UUID,
    expires_at: datetime,
    now: datetime,
    occurrence_id: UUID | None = None,
    partnership_id: UUID | None = None,
) -> dict[str, Any]:
    return {
        "id": UUID(bytes=uuid7().bytes),
        "token_hash": token_hash(token),
        "purpose": purpose,
        "participant_id": participant_id,
        "delivery_id": delivery_id,
        "occurrence_id": occurrence_id,
        "partnership_id": partnership_id,
        "expires_at": expires_at,
        "created_at": now,
        "updated_at": now,
    }


async def store_links(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """Insert link rows; one already stored (a retry of the same delivery) is left as it is."""
    for offset in range(0, len(rows), 500):
        await session.execute(insert_ignoring_conflicts(session, ACT_LINK_TABLE, rows[offset : offset + 500]))
