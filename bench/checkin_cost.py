"""What one check-in costs the server: CPU time and SQL statements per `POST /api/v1/check-ins`.

Seeds a participant with a year of history (bench/api.py's `seed`: 20 key actions, about 2,000 check-ins),
then sends check-ins on their unanswered past occurrences one at a time, in process (httpx's ASGI transport,
no sockets), and measures for each request the process's CPU time (`time.process_time`, so the client's
small share is included, the same before and after) and the statements the app's engine executed. The read
cache is off, so that on PostgreSQL no `NOTIFY` is sent (with it on, each write sends one more statement on
its own connection after the response).

    .venv/bin/python bench/checkin_cost.py                    # both databases, 300 check-ins each
    .venv/bin/python bench/checkin_cost.py --db sqlite --requests 200 --json

To compare two commits, run it from a worktree of each, alternating, and compare the medians as ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import statistics
import sys
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, event, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api import CHECK_INS, database, seed  # noqa: E402

from followthrough import migrate  # noqa: E402
from followthrough.actions.models import Occurrence  # noqa: E402
from followthrough.app import create_app  # noqa: E402
from followthrough.checkins.models import CheckIn  # noqa: E402
from followthrough.database import alchemy_config, session_scope  # noqa: E402
from followthrough.identity.models import Participant  # noqa: E402
from followthrough.settings import Settings  # noqa: E402


@dataclass
class Cost:
    db: str
    requests: int
    cpu_ms_median: float
    cpu_ms_mean: float
    statements_median: float
    statements_max: int
    replay_cpu_ms_median: float
    replay_statements_median: float


async def _open_occurrences(settings: Settings, count: int) -> list[tuple[str, datetime]]:
    """The reader's latest past occurrences, newest first: (key action id, due instant). The seed checked in
    on most of them; those check-ins are taken back, so that each can be checked in on again."""
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            reader = await session.scalar(select(Participant.id).where(Participant.email.like("reader@%")))
            rows = (
                await session.execute(
                    select(Occurrence.id, Occurrence.key_action_id, Occurrence.due_at)
                    .where(Occurrence.participant_id == reader, Occurrence.due_at <= datetime.now(UTC))
                    .order_by(Occurrence.due_at.desc())
                    .limit(count)
                )
            ).all()
            await session.execute(delete(CheckIn).where(CheckIn.occurrence_id.in_([row.id for row in rows])))
            return [(str(row.key_action_id), row.due_at) for row in rows]
    finally:
        await config.get_engine().dispose()


async def _measure(settings: Settings, token: str, open_occurrences: list[tuple[str, datetime]], warmup: int):
    app = create_app(settings)
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    new: list[tuple[float, int]] = []
    replays: list[tuple[float, int]] = []
    async with app.lifespan():
        # httpx logs every request at INFO; that would be measured too.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        event.listen(app.state.alchemy.get_engine().sync_engine, "before_cursor_execute", count)
        transport = httpx.ASGITransport(app=app)
        headers = {"authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", headers=headers) as client:
            gc.collect()
            for index, (action_id, due_at) in enumerate(open_occurrences):
                body = {
                    "id": str(uuid.uuid4()),
                    "keyActionId": action_id,
                    "occurrenceAt": due_at.isoformat(),
                    "result": "done",
                }
                for expected, costs in ((201, new), (200, replays)):
                    statements.clear()
                    started = time.process_time()
                    response = await client.post(CHECK_INS, json=body)
                    spent = time.process_time() - started
                    if response.status_code != expected:
                        raise SystemExit(f"{response.status_code}: {response.text}")
                    if index >= warmup:
                        costs.append((spent, len(statements)))
    return new, replays


def run_database(kind: str, requests: int, warmup: int) -> Cost:
    with database(kind) as settings:
        settings = replace(settings, read_cache=False, log_level="WARNING")
        migrate.upgrade(settings)
        seeded = asyncio.run(seed(settings, 2))
        open_occurrences = asyncio.run(_open_occurrences(settings, warmup + requests))
        if len(open_occurrences) < warmup + requests:
            raise SystemExit(f"only {len(open_occurrences)} past occurrences to check in on")
        new, replays = asyncio.run(_measure(settings, seeded.reader_token, open_occurrences, warmup))
    return Cost(
        db=kind,
        requests=len(new),
        cpu_ms_median=round(statistics.median(cpu for cpu, _ in new) * 1000, 3),
        cpu_ms_mean=round(statistics.mean(cpu for cpu, _ in new) * 1000, 3),
        statements_median=statistics.median(n for _, n in new),
        statements_max=max(n for _, n in new),
        replay_cpu_ms_median=round(statistics.median(cpu for cpu, _ in replays) * 1000, 3),
        replay_statements_median=statistics.median(n for _, n in replays),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, default=300, help="check-ins measured per database")
    parser.add_argument("--warmup", type=int, default=30, help="check-ins sent first and not measured")
    parser.add_argument("--json", action="store_true", help="one JSON object per database instead of a table")
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        cost = run_database(kind, args.requests, args.warmup)
        if args.json:
            print(json.dumps(asdict(cost)), flush=True)
        else:
            print(
                f"{cost.db:<10} {cost.requests} check-ins: CPU {cost.cpu_ms_median:.2f} ms median "
                f"({cost.cpu_ms_mean:.2f} mean), {cost.statements_median:g} statements "
                f"(max {cost.statements_max}); a replay: CPU {cost.replay_cpu_ms_median:.2f} ms, "
                f"{cost.replay_statements_median:g} statements",
                flush=True,
            )


if __name__ == "__main__":
    main()
