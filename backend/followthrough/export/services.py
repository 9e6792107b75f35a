"""A participant's data, all of it: one JSON document, or one CSV per table in a zip.

Built from the metadata: every table with a `participant_id` column is read, filtered on the caller, so a
table added later is exported without touching this module. Columns that hold secrets (password and token
hashes, anything encrypted) are never emitted, whatever table they are in.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import Enum
from typing import Any
from uuid import UUID

from advanced_alchemy.types import EncryptedString, EncryptedText, PasswordHash
from sqlalchemy import Column, Table, func, or_, select

import followthrough.models  # noqa: F401  (the metadata must know every owned table)
from followthrough.context import ContextBound
from followthrough.database import metadata
from followthrough.identity import Participant
from followthrough.localtime import local_today
from followthrough.schemas import EXPORT_FORMAT_VERSION, OutSchema

SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})
# Bookkeeping that means nothing to the person: the ORM's sentinel and the owner's id on every row.
INTERNAL_COLUMNS = frozenset({"sa_orm_sentinel", "participant_id"})
# Sessions are credentials: the export says how many there are, not what they are.
COUNTED_ONLY = frozenset({"auth_session"})
# Bookkeeping about where rows came from (imports.models.ImportRecord): what an import made, not anything the
# person made. Left out so that an export imported into another account exports the same again. Likewise
# streak checkpoints (checkins.models.StreakCheckpoint): derived from the check-ins, made again anywhere.
BOOKKEEPING_TABLES = frozenset({"import_record", "streak_checkpoint"})
# Rows between two people: each person's export holds them from either side (`partner_id` = them as partner).
TWO_SIDED = {"partnership": "partner_id", "encouragement": "partner_id"}
# A spreadsheet runs a cell that starts with one of these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

Row = dict[str, Any]


def is_secret(column: Column[Any]) -> bool:
    return (
        column.name in SECRET_COLUMNS
        or column.name.endswith("_hash")
        or "secret" in column.name
        or isinstance(column.type, EncryptedString | EncryptedText | PasswordHash)
    )


def exported_columns(table: Table) -> list[Column[Any]]:
    return [
        column for column in table.columns if column.name not in INTERNAL_COLUMNS and not is_secret(column)
    ]


def owned_tables() -> list[Table]:
    """Every table whose rows belong to one participant, parents before children."""
    return [table for table in metadata.sorted_tables if "participant_id" in table.columns]


@dataclass
class TableExport:
    name: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class ExportData:
    participant: TableExport
    tables: dict[str, TableExport]
    sessions_count: int


class AccountExport(OutSchema):
    """Everything stored about the participant. Keys inside the lists are the stored columns, in camelCase."""

    format_version: int
    exported_at: datetime
    participant: dict[str, Any]
    reflections: list[dict[str, Any]]
    barriers: list[dict[str, Any]]
    """Each with its `statusChanges`, oldest first."""
    key_actions: list[dict[str, Any]]
    """Each with its `statusChanges`, oldest first."""
    check_ins: list[dict[str, Any]]
    """Each with the `occurrenceAt` (UTC) and `localDate` of the occurrence it reports on."""
    weekly_reviews: list[dict[str, Any]]
    api_tokens: list[dict[str, Any]]
    """Name, prefix and dates; a token's secret is never stored, so it cannot be exported."""
    sessions_count: int
    other_tables: dict[str, list[dict[str, Any]]]
    """Owned tables not listed above, by table name."""


class ExportService(ContextBound):
    async def as_json(self, participant: Participant) -> AccountExport:
        return json_document(await self.collect(participant), self.now)

    async def as_zip(self, participant: Participant) -> bytes:
        return zip_archive(await self.collect(participant))

    def filename(self, participant: Participant, extension: str) -> str:
        """followthrough-export-YYYY-MM-DD.<extension>, dated on the participant's local day."""
        local_day = local_today(participant.time_zone, self.now)
        return f"followthrough-export-{local_day.isoformat()}.{extension}"

    async def collect(self, participant: Participant) -> ExportData:
        profile_table: Table = Participant.__table__  # type: ignore[assignment]
        profile = await self._read(profile_table, profile_table.c.id == participant.id)
        tables: dict[str, TableExport] = {}
        sessions_count = 0
        for table in owned_tables():
            if table.name in BOOKKEEPING_TABLES:
                continue
            if table.name in COUNTED_ONLY:
                sessions_count += (
                    await self.session.scalar(
                        select(func.count())
                        .select_from(table)
                        .where(table.c.participant_id == participant.id)
                    )
                    or 0
                )
                continue
            owned = table.c.participant_id == participant.id
            if table.name in TWO_SIDED:
                owned = or_(owned, table.c[TWO_SIDED[table.name]] == participant.id)
            tables[table.name] = await self._read(table, owned)
        _add_occurrence_to_check_ins(tables)
        return ExportData(participant=profile, tables=tables, sessions_count=sessions_count)

    async def _read(self, table: Table, owned: Any) -> TableExport:
        columns = exported_columns(table)
        order = [table.c[name] for name in ("created_at", "id") if name in table.c]
        result = await self.session.execute(select(*columns).where(owned).order_by(*order))
        names = [column.name for column in columns]
        return TableExport(table.name, names, [dict(row) for row in result.mappings()])


def _add_occurrence_to_check_ins(tables: dict[str, TableExport]) -> None:
    check_ins, occurrences = tables.get("check_in"), tables.get("occurrence")
    if check_ins is None or occurrences is None:
        return
    by_id = {row["id"]: row for row in occurrences.rows}
    check_ins.columns += ["occurrence_at", "local_date"]
    for row in check_ins.rows:
        occurrence = by_id.get(row.get("occurrence_id"), {})
        row["occurrence_at"] = occurrence.get("due_at")
        row["local_date"] = occurrence.get("local_date")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _camel_row(row: Row, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {camel(key): value for key, value in row.items() if key not in drop}


def _rows(data: ExportData, name: str) -> list[Row]:
    table = data.tables.get(name)
    return table.rows if table else []


def _with_history(parents: list[Row], changes: list[Row], parent_key: str) -> list[dict[str, Any]]:
    history: dict[Any, list[dict[str, Any]]] = {}
    for change in changes:
        history.setdefault(change[parent_key], []).append(_camel_row(change, drop=(parent_key,)))
    return [{**_camel_row(parent), "statusChanges": history.get(parent["id"], [])} for parent in parents]


EXPLICIT_TABLES = frozenset(
    {
        "barrier",
        "barrier_status_change",
        "key_action",
        "key_action_status_change",
        "check_in",
        "occurrence",  # folded into the check-ins; the rest follows from the key actions' schedules
        "weekly_review",
        "reflection",
        "api_token",
    }
)


def json_document(data: ExportData, now: datetime) -> AccountExport:
    tokens = [
        {
            "id": row["id"],
            "name": row["name"],
            "prefix": row["token_prefix"],
            "createdAt": row["created_at"],
            "lastUsedAt": row["last_used_at"],
            "expiresAt": row["expires_at"],
        }
        for row in _rows(data, "api_token")
    ]
    return AccountExport(
        format_version=EXPORT_FORMAT_VERSION,
        exported_at=now,
        participant=_camel_row(data.participant.rows[0]),
        reflections=[_camel_row(row) for row in _rows(data, "reflection")],
        barriers=_with_history(_rows(data, "barrier"), _rows(data, "barrier_status_change"), "barrier_id"),
        key_actions=_with_history(
            _rows(data, "key_action"), _rows(data, "key_action_status_change"), "key_action_id"
        ),
        check_ins=[_camel_row(row) for row in _rows(data, "check_in")],
        weekly_reviews=[_camel_row(row) for row in _rows(data, "weekly_review")],
        api_tokens=tokens,
        sessions_count=data.sessions_count,
        other_tables={
            name: [_camel_row(row) for row in table.rows]
            for name, table in data.tables.items()
            if name not in EXPLICIT_TABLES
        },
    )


def csv_cell(value: Any) -> str:
    """One value as spreadsheet text. Text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, UUID | int | float):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_text(table: TableExport) -> str:
    buffer = io.StringIO()
    # The csv module's defaults are RFC 4180: CRLF line ends, fields quoted when they need it.
    writer = csv.writer(buffer)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([csv_cell(row.get(name)) for name in table.columns])
    return buffer.getvalue()


def zip_archive(data: ExportData) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in [data.participant, *data.tables.values()]:
            archive.writestr(f"{table.name}.csv", csv_text(table).encode("utf-8"))
    return buffer.getvalue()
