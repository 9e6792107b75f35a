from __future__ import annotations

from datetime import datetime
from uuid import UUID

from msgspec import UNSET, UnsetType

from followthrough.enums import BarrierLevel, BarrierStatus, KeyHolder
from followthrough.schemas import LongText, Name, OutSchema, Reason, Schema, Title


class BarrierCreate(Schema):
    title: Title
    level: BarrierLevel
    detail: LongText | None = None
    key_holder: KeyHolder = KeyHolder.ME
    key_holder_name: Name | None = None
    """Who holds the key: required when `keyHolder` is `others`, refused when it is `me`."""
    status: BarrierStatus = BarrierStatus.HOLDING


class BarrierUpdate(Schema):
    title: Title | UnsetType = UNSET
    level: BarrierLevel | UnsetType = UNSET
    detail: LongText | UnsetType | None = UNSET
    key_holder: KeyHolder | UnsetType = UNSET
    key_holder_name: Name | UnsetType | None = UNSET
    """Switching `keyHolder` to `me` without naming anyone clears it."""
    status: BarrierStatus | UnsetType = UNSET
    status_reason: Reason | UnsetType | None = UNSET
    """Why the status changed; kept in the barrier's history."""


class BarrierOut(OutSchema):
    id: UUID
    title: str
    detail: str | None
    level: BarrierLevel
    key_holder: KeyHolder
    key_holder_name: str | None
    status: BarrierStatus
    status_changed_at: datetime
    resolved_at: datetime | None
    """When the barrier was last broken; null while it holds or loosens."""
    reflection_id: UUID | None
    """The guided reflection it came from, if any."""
    created_at: datetime
    updated_at: datetime


class BarrierStatusChangeOut(OutSchema):
    from_status: BarrierStatus | None
    """Null for the first entry, made when the barrier was created."""
    to_status: BarrierStatus
    reason: str | None
    changed_at: datetime
