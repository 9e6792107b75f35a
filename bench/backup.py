"""How long `followthrough db backup` and `db restore` take on a realistic SQLite database, and the longest
pause a writer sees while the backup runs.

It builds a data folder with N demo participants (each a year of history, as `followthrough demo` loads),
then starts a writer in another process that commits one small UPDATE after another, as the app's requests
do (WAL, synchronous=NORMAL), and records how long each commit took. After a stretch of writing alone it
takes a backup with the same code as the command, then restores the archive into a new folder.

    .venv/bin/python bench/backup.py                 # 50 participants
    .venv/bin/python bench/backup.py --participants 200 --rate 0   # a writer as fast as it can
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from followthrough import migrate
from followthrough.backup import restore_backup, write_backup
from followthrough.demo import load_demo
from followthrough.settings import Settings

ALONE_SECONDS = 2.0
AFTER_SECONDS = 0.5


def keep_committing(database: str, rate: float, ready: Any, stop: Any, results: Any) -> None:
    """The writer: one UPDATE per transaction, `rate` a second (0: as fast as it can), until told to stop;
    sends (started, seconds) per commit."""
    connection = sqlite3.connect(database, timeout=30, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    ids = [row[0] for row in connection.execute("SELECT id FROM barrier LIMIT 100")]
    commits: list[tuple[float, float]] = []
    number = 0
    due = time.monotonic()
    while not stop.is_set():
        if rate:
            due += 1 / rate
            time.sleep(max(0.0, due - time.monotonic()))
        started = time.monotonic()
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "UPDATE barrier SET title = ? WHERE id = ?", (f"Edited {number}", ids[number % len(ids)])
        )
        connection.execute("COMMIT")
        commits.append((started, time.monotonic() - started))
        number += 1
        ready.set()
    connection.close()
    results.put(commits)


def pauses(commits: list[tuple[float, float]], start: float, end: float) -> tuple[int, float, float]:
    """Commits started in [start, end): how many, their p99 and their longest, in milliseconds."""
    inside = sorted(seconds for started, seconds in commits if start <= started < end)
    if not inside:
        return 0, 0.0, 0.0
    p99 = inside[min(len(inside) - 1, int(len(inside) * 0.99))]
    return len(inside), p99 * 1000, inside[-1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument(
        "--rate", type=float, default=200, help="writer commits per second; 0 for as fast as it can"
    )
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        settings = Settings(data_dir=root / "data", password_hash_cost="low")  # noqa: S106 - a cost, not a password
        migrate.upgrade(settings)
        settings.resolved_secret_key, settings.resolved_channel_key  # noqa: B018 - as the app makes them
        for number in range(arguments.participants):
            asyncio.run(load_demo(settings, email=f"demo{number}@example.com", password="bench-password"))  # noqa: S106
        database = settings.data_dir / "followthrough.db"
        sqlite3.connect(database).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()

        context = multiprocessing.get_context("spawn")
        ready, stop, results = context.Event(), context.Event(), context.Queue()
        writer = context.Process(
            target=keep_committing, args=(str(database), arguments.rate, ready, stop, results)
        )
        writer.start()
        ready.wait()
        time.sleep(ALONE_SECONDS)  # a benchmark may wait: the writer's pauses alone, for comparison
        began = time.monotonic()
        report = write_backup(settings, root)
        ended = time.monotonic()
        time.sleep(AFTER_SECONDS)
        stop.set()
        commits = results.get()
        writer.join()

        restore_started = time.monotonic()
        restore_backup(Settings(data_dir=root / "restored"), report.path)
        restore_seconds = time.monotonic() - restore_started

        alone = pauses(commits, began - ALONE_SECONDS + 0.5, began)
        during = pauses(commits, began, ended)
        print(
            f"participants           {arguments.participants}, writer at {arguments.rate or 'full'} commits/s"
        )
        print(f"database               {database.stat().st_size / 1e6:8.1f} MB")
        print(f"archive                {report.path.stat().st_size / 1e6:8.1f} MB")
        print(f"backup                 {ended - began:8.2f} s")
        print(f"restore                {restore_seconds:8.2f} s")
        for label, (count, p99, longest) in (("alone", alone), ("during backup", during)):
            print(f"writer {label:<16}{count:6d} commits  p99 {p99:6.1f} ms  longest {longest:6.1f} ms")
        rate_alone = alone[0] / (ALONE_SECONDS - 0.5)
        rate_during = during[0] / (ended - began)
        print(f"commits per second     alone {rate_alone:.0f}, during backup {rate_during:.0f}")
        print(f"median commit          {statistics.median(s for _, s in commits) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
