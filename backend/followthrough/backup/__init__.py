"""Backup and restore of an installation: the database (SQLite; PostgreSQL through pg_dump) and the keys
without which its channels cannot be decrypted. See docs/backup.md."""

from followthrough.backup.archive import BackupError, Manifest
from followthrough.backup.create import BackupReport, write_backup
from followthrough.backup.restore import RestoreReport, restore_backup

__all__ = ["BackupError", "BackupReport", "Manifest", "RestoreReport", "restore_backup", "write_backup"]
