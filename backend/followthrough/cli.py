"""`followthrough`: run the app, manage the database and accounts, load demo data."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import uvicorn
from litestar import Litestar

from followthrough import migrate
from followthrough.logs import configure_logging
from followthrough.settings import Settings

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as error:
        raise click.UsageError(str(error)) from error


def app_from_env() -> Litestar:
    """The uvicorn factory: settings come from the environment of the serving process."""
    from followthrough.app import create_app
    from followthrough.notifications import webpush

    settings = _settings()
    application = create_app(settings)
    webpush.warn_when_off(settings)
    # The ~200,000 objects alive after start-up live as long as the process; left in the collector's
    # generations, each full collection walks them all (about 130 ms) inside whichever request set it off.
    gc.collect()
    gc.freeze()
    return application


def served_app_from_env() -> Any:
    """What `serve` runs: the app behind uvicorn's proxy-headers layer, with the connection's own peer kept
    first, because trusted-header sign-in must judge the proxy by its TCP address, not X-Forwarded-For."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from followthrough.sso.trusted_header import RememberPeer

    trusted = _settings().trusted_proxies
    return RememberPeer(ProxyHeadersMiddleware(app_from_env(), trusted_hosts=trusted))  # type: ignore[arg-type]


def _run(work: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    return asyncio.run(work(_settings()))


@click.group()
def main() -> None:
    """Followthrough: barriers, key actions, check-ins and accountability partners."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on."
)
@click.option(
    "--migrate/--no-migrate",
    "run_migrations",
    default=True,
    show_default=True,
    help="Upgrade the database before serving (compose runs a separate migrate service instead).",
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="API processes (PostgreSQL only; SQLite has a single writer).",
)
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=None,
    help="Send reminders from this process too. Default: on with SQLite (the embedded default), off with "
    "PostgreSQL, where `followthrough worker` processes do it.",
)
def serve(host: str, port: int, run_migrations: bool, workers: int, with_worker: bool | None) -> None:
    """Run the API (and the PWA it serves)."""
    settings = _settings()
    if settings.is_sqlite and workers > 1:
        raise click.UsageError("--workers > 1 needs PostgreSQL (FOLLOWTHROUGH_DATABASE_URL)")
    if run_migrations:
        migrate.upgrade(settings)
    if with_worker is None:
        with_worker = settings.is_sqlite or settings.embedded_worker
    # uvicorn builds the app from the environment (app_from_env), in this process or in its workers.
    os.environ["FOLLOWTHROUGH_EMBEDDED_WORKER"] = "true" if with_worker else "false"
    click.echo(f"Followthrough on http://{host}:{port} (database: {_safe_url(settings)})")
    uvicorn.run(
        "followthrough.cli:served_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # The client address (per-address limits, the access log) comes from X-Forwarded-For only when the
        # connection comes from one of FOLLOWTHROUGH_TRUSTED_PROXIES: served_app_from_env applies uvicorn's
        # own proxy-headers layer, inside one that keeps the real peer.
        proxy_headers=False,
        log_level=settings.log_level.lower(),
    )


@main.command()
@click.option(
    "--check",
    is_flag=True,
    help="Health check: exit 0 if a worker on this host has a fresh heartbeat, 1 if not (compose uses it).",
)
def worker(check: bool) -> None:
    """Send reminders and notifications: detect what is due and deliver it, until SIGTERM. Run as many as
    needed on PostgreSQL; each delivery is claimed by one of them."""
    from followthrough.notifications import egress, webpush
    from followthrough.worker_setup import run_until_signalled

    if check:
        sys.exit(0 if _run(worker_is_beating) else 1)
    settings = _settings()
    configure_logging(settings)
    # Once per process, before anything can send: the egress guard and log redaction.
    egress.install()
    click.echo(f"Followthrough worker (database: {_safe_url(settings)})")
    webpush.warn_when_off(settings)
    asyncio.run(run_until_signalled(settings))


async def worker_is_beating(settings: Settings) -> bool:
    from followthrough.database import alchemy_config, session_scope
    from followthrough.deliveries.worker import worker_host
    from followthrough.health import worker_beats_on_host

    alchemy = alchemy_config(settings)
    try:
        async with session_scope(alchemy) as session:
            return await worker_beats_on_host(session, worker_host(), datetime.now(UTC), settings)
    finally:
        await alchemy.get_engine().dispose()


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


@main.group()
def db() -> None:
    """Database migrations, backup and restore."""


@db.command()
@click.option("--revision", default="head", show_default=True)
def upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    migrate.upgrade(_settings(), revision)


@db.command()
@click.option("--revision", default="-1", show_default=True, help="'base' removes every table.")
def downgrade(revision: str) -> None:
    """Revert migrations down to REVISION."""
    migrate.downgrade(_settings(), revision)


@db.command()
def check() -> None:
    """Fail when the models and the migrations disagree."""
    from alembic.util.exc import AutogenerateDiffsDetected

    try:
        migrate.check(_settings())
    except AutogenerateDiffsDetected as error:
        click.echo(f"drift: {error}", err=True)
        sys.exit(1)
    click.echo("no drift")


@db.command()
@click.option("-m", "--message", required=True)
def revision(message: str) -> None:
    """Autogenerate a migration from the models (for developers)."""
    migrate.revision(_settings(), message)


@db.command()
@click.argument("destination", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace an archive already at DESTINATION.")
def backup(destination: Path, force: bool) -> None:
    """Write one archive of the database and its keys to DESTINATION (a file, or a folder that gets a
    timestamped name), while the app keeps running. On PostgreSQL it holds the keys, and pg_dump the data
    (see docs/backup.md)."""
    from followthrough.backup import BackupError, write_backup

    try:
        report = write_backup(_settings(), destination, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("\n".join(report.lines()))


@db.command()
@click.argument("archive", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Restore over an existing database and keys (moved aside first).")
def restore(archive: Path, force: bool) -> None:
    """Restore ARCHIVE into FOLLOWTHROUGH_DATA_DIR, after checking it whole. Stop the app first."""
    from followthrough.backup import BackupError, restore_backup

    try:
        report = restore_backup(_settings(), archive, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("\n".join(report.lines()))


@main.command()
@click.option("--email", default="demo@example.com", show_default=True)
@click.option("--password", default="followthrough-demo", show_default=True)
def demo(email: str, password: str) -> None:
    """Load a realistic demo participant with a year of history (replaces an earlier demo account)."""
    from followthrough.demo import load_demo

    migrate.upgrade(_settings())
    summary = _run(lambda settings: load_demo(settings, email=email, password=password))
    click.echo(summary)


@main.group("import")
def import_group() -> None:
    """Moving in: import the app's own JSON export or Loop Habit Tracker's CSV export into an account.
    Importing the same file again changes nothing; a refused file stores nothing."""


@import_group.command("followthrough")
@click.option("--email", required=True, help="The account to import into.")
@click.option("--dry-run", is_flag=True, help="Check the file and count what would be made; store nothing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_followthrough(email: str, dry_run: bool, file: Path) -> None:
    """Import FILE, the JSON export of an account (Account, Export as JSON)."""
    from followthrough.imports.operations import import_file

    click.echo(_run(lambda settings: import_file(settings, "followthrough", email, file, dry_run)))


@import_group.command("loop")
@click.option("--email", required=True, help="The account to import into.")
@click.option("--dry-run", is_flag=True, help="Check the export and count what would be made; store nothing.")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
def import_loop(email: str, dry_run: bool, path: Path) -> None:
    """Import PATH, Loop Habit Tracker's CSV export: its zip, or the folder it unzips to."""
    from followthrough.imports.operations import import_file

    click.echo(_run(lambda settings: import_file(settings, "loop", email, path, dry_run)))


@main.group()
def users() -> None:
    """Accounts, for operators."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--time-zone", default="UTC", show_default=True)
@click.password_option()
def create_user(email: str, display_name: str, time_zone: str, password: str) -> None:
    """Create an account."""
    from followthrough.accounts.operations import create_participant

    _run(lambda settings: create_participant(settings, email, display_name, time_zone, password))
    click.echo(f"created {email}")


@users.command("reset-password")
@click.option("--email", required=True)
@click.password_option()
def reset_password(email: str, password: str) -> None:
    """Set a new password and sign out every session of the account."""
    from followthrough.accounts.operations import reset_password as reset

    _run(lambda settings: reset(settings, email, password))
    click.echo(f"password reset for {email}")
