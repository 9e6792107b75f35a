"""`followthrough db backup` and `db restore`: a consistent copy taken while the app writes, restored into a
new data folder whose channels still send; what the commands say about keys and migrations."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
import uuid
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from followthrough import migrate
from followthrough.database import MIGRATIONS_PATH
from followthrough.settings import Settings
from tests.support.backups import (
    head_revision,
    installation_settings,
    migrated_database,
    mode,
    new_installation,
    read_entries,
    run_db,
    running,
    stored_revision,
)
from tests.support.receivers import HttpReceiver, http_receiver

__all__ = ["http_receiver", "migrated_database"]


# --------------------------------------------------------------------------------------------------
# A backup taken while the app writes


class AcknowledgedWrites:
    """What the writer was told was stored (its commit returned), with when it was told."""

    def __init__(self) -> None:
        self.acknowledged: list[tuple[str, float]] = []
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self._changed = threading.Condition()

    def record(self, barrier_id: str) -> None:
        with self._changed:
            self.acknowledged.append((barrier_id, time.monotonic()))
            self._changed.notify_all()

    def fail(self, error: BaseException) -> None:
        with self._changed:
            self.error = error
            self._changed.notify_all()

    def wait_for(self, count: int) -> None:
        """Until `count` writes were acknowledged (a ceiling for slow machines, not a pause)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.acknowledged) >= count or self.error is not None, 60)
        assert self.error is None, self.error
        assert len(self.acknowledged) >= count

    def ids(self, before: float = float("inf")) -> set[str]:
        with self._changed:
            return {barrier_id for barrier_id, at in self.acknowledged if at < before}


def keep_writing(settings: Settings, writes: AcknowledgedWrites) -> None:
    """Add barriers through the API, one after another, until told to stop: the app's real write path."""

    async def write() -> None:
        async with running(settings) as callers:
            owner = await callers.participant()
            number = 0
            while not writes.stop.is_set():
                body = {"title": f"Barrier {number}", "level": "personal"}
                response = await owner.post("/api/v1/barriers", json=body)
                assert response.status_code == 201, response.text
                writes.record(response.json()["id"])
                number += 1

    try:
        asyncio.run(write())
    except BaseException as error:
        writes.fail(error)


def barrier_ids(database: Path) -> set[str]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT id FROM barrier").fetchall()
    return {
        str(uuid.UUID(bytes=value) if isinstance(value, bytes) else uuid.UUID(value)) for (value,) in rows
    }


def test_a_backup_taken_while_the_app_writes_holds_every_write_acknowledged_before_it(
    tmp_path: Path, migrated_database: Path
) -> None:
    source = new_installation(tmp_path / "source", migrated_database)
    archive = tmp_path / "backups" / "followthrough.tar.gz"
    archive.parent.mkdir()
    writes = AcknowledgedWrites()
    writer = threading.Thread(target=keep_writing, args=(source, writes))
    writer.start()
    try:
        writes.wait_for(20)
        began = time.monotonic()
        backed_up = run_db("backup", str(archive), data_dir=source.data_dir)
        # The app is not held up by the backup: it goes on acknowledging writes.
        writes.wait_for(len(writes.ids()) + 5)
    finally:
        writes.stop.set()
        writer.join(60)
    assert writes.error is None, writes.error
    assert backed_up.exit_code == 0, backed_up.output
    assert mode(archive) == 0o600
    assert [path.name for path in archive.parent.iterdir()] == [archive.name]  # no partial file left

    restored = tmp_path / "restored"
    result = run_db("restore", str(archive), data_dir=restored)

    assert result.exit_code == 0, result.output
    assert "ready to serve" in result.output
    database = restored / "followthrough.db"
    in_backup = barrier_ids(database)
    assert writes.ids(before=began) <= in_backup
    assert in_backup <= writes.ids()  # a snapshot of what was written, nothing else
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert stored_revision(database) == head_revision()
    assert mode(restored) == 0o700
    assert {path.name: mode(path) for path in restored.iterdir()} == {
        "followthrough.db": 0o600,
        "channel_key": 0o600,
        "secret_key": 0o600,
    }
    for key in ("channel_key", "secret_key"):
        assert (restored / key).read_bytes() == (source.data_dir / key).read_bytes()


# --------------------------------------------------------------------------------------------------
# Channels still send from the restored folder


async def test_channels_still_send_after_a_restore_into_a_new_folder(
    tmp_path: Path, migrated_database: Path, http_receiver: HttpReceiver
) -> None:
    source_dir, restored_dir = tmp_path / "source", tmp_path / "restored"
    new_installation(source_dir, migrated_database)
    async with running(installation_settings(source_dir)) as callers:
        owner = await callers.participant()
        channel = {"url": http_receiver.json_url("/restored"), "label": "Kitchen"}
        created = await owner.post("/api/v1/channels", json=channel)
        assert created.status_code == 201, created.text
    archive = tmp_path / "backup.tar.gz"
    assert run_db("backup", str(archive), data_dir=source_dir).exit_code == 0
    assert run_db("restore", str(archive), data_dir=restored_dir).exit_code == 0

    async with running(installation_settings(restored_dir)) as callers:
        again = callers.anonymous()
        signed_in = await again.client.post(
            "/api/v1/auth/sign-in", json={"email": owner.email, "password": owner.password}
        )
        assert signed_in.status_code == 200, signed_in.text
        again.csrf_token = signed_in.json()["csrfToken"]
        response = await again.post(f"/api/v1/channels/{created.json()['id']}/test")

    assert response.status_code == 200, response.text
    assert response.json()["sent"] is True, response.json()
    [request] = http_receiver.requests
    assert request.path == "/restored"
    assert "Kitchen" in request.json()["message"]


# --------------------------------------------------------------------------------------------------
# What a backup says about keys it cannot hold


def test_a_key_set_by_a_variable_is_named_in_the_manifest_and_on_screen(
    tmp_path: Path, migrated_database: Path
) -> None:
    source = new_installation(tmp_path / "source", migrated_database)
    (source.data_dir / "channel_key").unlink()
    archive = tmp_path / "backup.tar.gz"

    result = run_db("backup", str(archive), data_dir=source.data_dir, FOLLOWTHROUGH_CHANNEL_KEY="from-env")

    assert result.exit_code == 0, result.output
    assert (
        "FOLLOWTHROUGH_CHANNEL_KEY is set, so this archive does not hold the channel_key key" in result.output
    )
    manifest = json.loads(read_entries(archive)["manifest.json"])
    assert manifest["keys_from_environment"] == ["FOLLOWTHROUGH_CHANNEL_KEY"]
    assert "channel_key" not in read_entries(archive)
    restored = run_db("restore", str(archive), data_dir=tmp_path / "restored")
    assert restored.exit_code == 0, restored.output
    assert "Set the same FOLLOWTHROUGH_CHANNEL_KEY here" in restored.output


def test_a_backup_into_a_folder_gets_a_timestamped_name_and_never_overwrites(
    tmp_path: Path, migrated_database: Path
) -> None:
    source = new_installation(tmp_path / "source", migrated_database)
    folder = tmp_path / "backups"
    folder.mkdir()
    assert run_db("backup", str(folder), data_dir=source.data_dir).exit_code == 0
    [archive] = folder.iterdir()
    assert archive.name.startswith("followthrough-backup-")
    assert archive.name.endswith("Z.tar.gz")
    before = archive.read_bytes()

    refused = run_db("backup", str(archive), data_dir=source.data_dir)

    assert refused.exit_code != 0
    assert "already exists; pass --force" in refused.output
    assert archive.read_bytes() == before
    assert run_db("backup", "--force", str(archive), data_dir=source.data_dir).exit_code == 0


def test_an_older_database_is_restored_with_a_word_to_upgrade_it(tmp_path: Path) -> None:
    settings = installation_settings(tmp_path / "source")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_PATH))
    older = ScriptDirectory.from_config(config).get_revision(head_revision()).down_revision
    assert isinstance(older, str)
    migrate.upgrade(settings, older)
    archive = tmp_path / "backup.tar.gz"
    assert run_db("backup", str(archive), data_dir=settings.data_dir).exit_code == 0

    result = run_db("restore", str(archive), data_dir=tmp_path / "restored")

    assert result.exit_code == 0, result.output
    assert f"at migration {older}, older than this code's" in result.output
    assert "run `followthrough db upgrade`" in result.output


# --------------------------------------------------------------------------------------------------
# PostgreSQL: the archive holds the keys, pg_dump the data


def test_on_postgresql_the_archive_holds_the_keys_and_names_pg_dump(
    tmp_path: Path, postgres_database: str
) -> None:
    source = Settings(data_dir=tmp_path / "source", database_url=postgres_database)
    migrate.upgrade(source)
    source.resolved_channel_key  # noqa: B018 - generated as the app does
    archive = tmp_path / "backup.tar.gz"
    on_postgres = {"FOLLOWTHROUGH_DATABASE_URL": postgres_database}

    result = run_db("backup", str(archive), data_dir=source.data_dir, **on_postgres)

    assert result.exit_code == 0, result.output
    assert "pg_dump --format=custom --file=backup.dump postgresql://postgres@127.0.0.1:5432/" in result.output
    entries = read_entries(archive)
    assert sorted(entries) == ["channel_key", "manifest.json"]
    manifest = json.loads(entries["manifest.json"])
    assert (manifest["database"], manifest["alembic_revision"]) == ("postgresql", head_revision())

    restored = run_db("restore", str(archive), data_dir=tmp_path / "restored", **on_postgres)
    assert restored.exit_code == 0, restored.output
    assert "pg_restore --clean --if-exists --no-owner" in restored.output
    assert (tmp_path / "restored" / "channel_key").read_bytes() == (
        source.data_dir / "channel_key"
    ).read_bytes()
