"""The backup archive: what it holds, its manifest, and reading it back without trusting it.

One gzipped tar, flat, with:
- `manifest.json`: the format and its version, the app version, the Alembic revision, when it was made
  (UTC), the database kind, and every other entry with its size and SHA-256;
- `followthrough.db`: a consistent copy of the SQLite database (absent on PostgreSQL, which `pg_dump`
  backs up);
- the key files from the data folder that exist there (`channel_key`, `secret_key`,
  `vapid_private_key.pem`); a key set by an environment variable is named in the manifest instead.

A tar rather than a zip: `tar -tzf` lists it on any server, it is written and read in one pass, and a
database past 4 GB needs no zip64.
"""

from __future__ import annotations

import hashlib
import tarfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO

import msgspec

from followthrough.settings import SQLITE_FILE, VAPID_KEY_FILE

FORMAT = "followthrough-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_NAME = SQLITE_FILE
# A manifest lists a handful of files; anything larger is not one of ours.
MANIFEST_MAX_BYTES = 64 * 1024
CHUNK_BYTES = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on. The message says why and what to do; nothing was written."""


class DatabaseKind(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


@dataclass(frozen=True)
class KeyFile:
    name: str
    """Its name in the data folder and in the archive."""
    setting: str
    """The `Settings` field that, when set, replaces the file."""
    loss: str
    """What is lost without it: said when a backup cannot hold it."""

    @property
    def variable(self) -> str:
        return f"FOLLOWTHROUGH_{self.setting.upper()}"


KEY_FILES = (
    KeyFile("channel_key", "channel_key", "every channel's URL stays encrypted for good"),
    KeyFile("secret_key", "secret_key", "sessions, snooze and one-tap links already sent stop working"),
    KeyFile(VAPID_KEY_FILE, "vapid_private_key", "every Web Push subscription must be made again"),
)
ENTRY_NAMES = frozenset({DATABASE_NAME, *(key.name for key in KEY_FILES)})


class ArchivedFile(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: str
    size: int
    sha256: str


class Manifest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    format: str
    format_version: int
    app_version: str
    alembic_revision: str | None
    """None when no migration had been applied."""
    created_at: datetime
    database: DatabaseKind
    files: tuple[ArchivedFile, ...]
    keys_from_environment: tuple[str, ...]
    """The variables that set keys when the backup was made: an archive cannot hold them."""
    keys_not_generated: tuple[str, ...]
    """Key files the app had not made yet (it makes them on first use)."""

    def to_json(self) -> bytes:
        return msgspec.json.format(msgspec.json.encode(self), indent=2) + b"\n"

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            header = msgspec.json.decode(raw, type=dict[str, object])
        except msgspec.DecodeError as error:
            raise BackupError(f"its {MANIFEST_NAME} is not valid JSON ({error})") from None
        if header.get("format") != FORMAT:
            raise BackupError(f"its {MANIFEST_NAME} does not describe a Followthrough backup")
        version = header.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise BackupError(
                f"it was written in backup format {version!r}, newer than this Followthrough reads "
                f"({FORMAT_VERSION}); restore it with the version that made it "
                f"({header.get('app_version', 'unknown')}) or a newer one"
            )
        try:
            return msgspec.json.decode(raw, type=cls)
        except msgspec.ValidationError as error:
            raise BackupError(f"its {MANIFEST_NAME} is malformed ({error})") from None

    def entry(self, name: str) -> ArchivedFile | None:
        return next((archived for archived in self.files if archived.name == name), None)


@dataclass(frozen=True)
class Digest:
    size: int
    sha256: str


def digest_stream(source: IO[bytes], sink: IO[bytes] | None = None) -> Digest:
    """Size and SHA-256 of what `source` holds, copied into `sink` on the way when given."""
    hasher, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK_BYTES):
        hasher.update(chunk)
        size += len(chunk)
        if sink is not None:
            sink.write(chunk)
    return Digest(size, hasher.hexdigest())


def digest_file(path: Path) -> Digest:
    with path.open("rb") as handle:
        return digest_stream(handle)


def safe_entry_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is one plain file we know; a restore refuses anything else before writing."""
    name = member.name
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or any(part in ("", ".", "..") for part in name.split("/"))
    ):
        raise BackupError(f"it holds an unsafe entry {name!r}, which would land outside the data folder")
    if not member.isreg():
        raise BackupError(f"its entry {name!r} is not a plain file (a link, a folder or a device)")
    if name != MANIFEST_NAME and name not in ENTRY_NAMES:
        raise BackupError(f"it holds an entry Followthrough never writes: {name!r}")
    return name


def read_entries(path: Path, visit: Callable[[str, IO[bytes]], None]) -> None:
    """Call `visit` with each entry's checked name and contents, streamed in one pass; damage found while
    reading the headers or the contents surfaces as BackupError."""
    seen: set[str] = set()
    try:
        with tarfile.open(path, mode="r|gz") as archive:
            for member in archive:
                name = safe_entry_name(member)
                if name in seen:
                    raise BackupError(f"it holds {name!r} twice")
                seen.add(name)
                contents = archive.extractfile(member)
                if contents is None:  # pragma: no cover - safe_entry_name admits plain files only
                    raise BackupError(f"its entry {name!r} cannot be read")
                visit(name, contents)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(f"it is damaged or not a .tar.gz ({error or type(error).__name__})") from None


def check_against_manifest(manifest: Manifest, digests: dict[str, Digest]) -> None:
    listed = {archived.name for archived in manifest.files}
    if listed != set(digests):
        missing, extra = sorted(listed - set(digests)), sorted(set(digests) - listed)
        raise BackupError(f"its entries do not match its manifest (missing: {missing}, not listed: {extra})")
    for archived in manifest.files:
        found = digests[archived.name]
        if (found.size, found.sha256) != (archived.size, archived.sha256):
            raise BackupError(f"the checksum of {archived.name} does not match its manifest: it is damaged")


def verify(path: Path) -> Manifest:
    """Read the whole archive once, writing nothing: its entries are safe, its manifest is ours and every
    checksum matches."""
    manifests: list[bytes] = []
    digests: dict[str, Digest] = {}

    def check(name: str, contents: IO[bytes]) -> None:
        if name != MANIFEST_NAME:
            digests[name] = digest_stream(contents)
            return
        manifests.append(contents.read(MANIFEST_MAX_BYTES + 1))
        if len(manifests[0]) > MANIFEST_MAX_BYTES:
            raise BackupError(f"its {MANIFEST_NAME} is too large to be ours")

    read_entries(path, check)
    if not manifests:
        raise BackupError(f"it has no {MANIFEST_NAME}")
    manifest = Manifest.from_json(manifests[0])
    check_against_manifest(manifest, digests)
    return manifest
