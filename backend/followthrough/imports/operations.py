"""The import commands of the CLI, through the same service and rules as the API."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from followthrough.actions import OccurrenceService
from followthrough.clock import Clock
from followthrough.context import RequestContext
from followthrough.database import alchemy_config, session_scope
from followthrough.errors import InvalidInput
from followthrough.identity import Participant
from followthrough.imports import schemas
from followthrough.imports.files import read_account_document, read_loop_files
from followthrough.imports.plan import ImportFileError
from followthrough.imports.services import ImportService
from followthrough.settings import Settings

_KINDS = (
    ("key_actions", "key actions"),
    ("check_ins", "check-ins"),
    ("barriers", "barriers"),
    ("reflections", "reflections"),
    ("weekly_reviews", "weekly reviews"),
)


async def import_file(settings: Settings, source: str, email: str, path: Path, dry_run: bool) -> str:
    """Import `path` into the account of `email`; the summary as lines of text."""
    try:
        document = read_account_document(path) if source == "followthrough" else None
        files = read_loop_files(path) if source == "loop" else {}
    except ImportFileError as error:
        raise click.ClickException(f"{error.where}: {error.message}") from None
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror}") from None
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            participant = await session.scalar(select(Participant).where(Participant.email == email.lower()))
            if participant is None:
                raise click.ClickException(f"no account for {email}")
            context = RequestContext(session, Clock().now(), settings)
            service = ImportService(context, OccurrenceService(context))
            if document is not None:
                summary = await service.import_account_export(participant, document, dry_run)
            else:
                summary = await service.import_loop_export(participant, files, dry_run)
    except InvalidInput as error:
        raise click.ClickException(error.detail) from None
    finally:
        await config.get_engine().dispose()
    return summary_text(summary)


def summary_text(summary: schemas.ImportSummary) -> str:
    lines = ["nothing stored (dry run); an import would make:" if summary.dry_run else "imported:"]
    for name, label in _KINDS:
        created, unchanged = getattr(summary.created, name), getattr(summary.unchanged, name)
        if created or unchanged:
            lines.append(f"  {label}: {created} new, {unchanged} already here")
    if summary.settings_changed:
        lines.append("  settings: weekly review, quiet hours and nudge taken from the file")
    if len(lines) == 1:
        lines.append("  nothing: the file holds nothing to import")
    return "\n".join(lines)
