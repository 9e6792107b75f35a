from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from followthrough.enums import ImportSource, column_enum
from followthrough.ownership import Owned


class ImportRecord(Owned, UUIDv7AuditBase):
    """What one row of an imported file became, so that importing the same file again changes nothing.

    Kept for the things a person edits after importing them (barriers, key actions, reflections): a natural
    key such as a title would stop matching after an edit. Check-ins and weekly reviews need no record: one
    occurrence holds one check-in, and one week one review. Bookkeeping, not the person's data: the account
    export leaves it out (`export.services.BOOKKEEPING_TABLES`), so an export imported elsewhere round-trips.
    """

    __tablename__ = "import_record"
    __table_args__ = (
        UniqueConstraint("participant_id", "source", "external_key", name="uq_import_record_key"),
    )

    source: Mapped[ImportSource] = mapped_column(column_enum(ImportSource, "import_source"))
    external_key: Mapped[str] = mapped_column(String(300))
    """The row's identity in its file: `barrier:<id>` in an export, `habit:<name>` in a Loop export."""
    entity: Mapped[str] = mapped_column(String(40))
    """The table of what it became."""
    entity_id: Mapped[UUID] = mapped_column()
