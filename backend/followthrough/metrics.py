"""Prometheus figures: what an operator watches (docs/observability.md lists them all).

- HTTP: Litestar's Prometheus middleware, with paths grouped by route template (`/api/v1/barriers/{id}`),
  never the raw path, so ids and link tokens do not make a new series each. Health checks and scrapes are
  left out: they are most of the requests and say nothing about people's use.
- Deliveries, channels and workers: read from the database at scrape time (`database_figures`), so every
  API process answers the same figures whichever worker did the work.
- SQL statements: every statement this process sends (`db_statements_total`); beside the HTTP request count it
  says what a request costs the database on average, and a jump after a release shows a query gone per-row.
- Lateness and send outcomes: observed by the worker at the moment of each send, in its own process
  (served by `serve_worker_metrics`), or in the API process for the embedded worker.

Who may scrape: clients in `FOLLOWTHROUGH_METRICS_ALLOWED_NETWORKS` (loopback and private networks by
default) or holding `FOLLOWTHROUGH_METRICS_TOKEN`; anyone else gets 403. With `FOLLOWTHROUGH_METRICS=false`
it answers 404, and no request is measured.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from wsgiref.simple_server import WSGIServer

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.plugins.prometheus import PrometheusConfig, PrometheusMiddleware
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import REGISTRY, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import start_http_server
from prometheus_client.registry import Collector
from sqlalchemy import case, event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from followthrough.deliveries import Delivery, WorkerHeartbeat
from followthrough.deliveries.figures import worker_heartbeat as worker_heartbeat  # served with the rest
from followthrough.enums import DeliveryStatus
from followthrough.notifications import Channel
from followthrough.requestid import address_in, parse_networks
from followthrough.settings import Settings

NAMESPACE = "followthrough"
# The classic text format every Prometheus reads (what generate_latest writes; Litestar adds the charset).
TEXT_FORMAT = "text/plain; version=0.0.4"
EXCLUDE_FROM_METRICS = "exclude_from_metrics"
"""A handler whose `opt` says this is not counted in the HTTP figures."""


SQL_STATEMENTS = Counter(
    f"{NAMESPACE}_db_statements",
    "SQL statements this process sent to the database (a batch sent with many parameter sets counts once).",
)


def _count_statement(*_: Any) -> None:
    SQL_STATEMENTS.inc()


def count_statements(engine: AsyncEngine) -> None:
    """Count the engine's statements in SQL_STATEMENTS: a function call each, far below a round trip."""
    event.listen(engine.sync_engine, "before_cursor_execute", _count_statement)


class CheapHttpMetrics(PrometheusMiddleware):
    """Litestar's Prometheus middleware, with the same series, at a tenth of its cost per request (about 90
    µs there, docs/performance.md): Litestar builds a Request and looks up each series by its labels on
    every request; this reads the scope and keeps the series of each (method, route, status) it has seen.
    Paths are route templates, so the series stay few."""

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        super().__init__(app, config)
        self._series: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}
        self._in_progress: dict[tuple[str, str], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = cast("str", scope.get("method") or "websocket")
        path = scope.get("path_template") or "unrouted"
        in_progress = self._in_progress.get((method, path))
        if in_progress is None:
            labels = self._labels(method, path, 200)
            in_progress = self.requests_in_progress(labels).labels(*labels.values())
            self._in_progress[(method, path)] = in_progress
        answered = [HTTP_500_INTERNAL_SERVER_ERROR]

        async def send_noting_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered[0] = message["status"]
            await send(message)

        started = time.perf_counter()
        in_progress.inc()
        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            in_progress.dec()
            status = answered[0]
            series = self._series.get((method, path, status))
            if series is None:
                series = self._new_series(method, path, status)
            requests, duration, errors = series
            requests.inc()
            duration.observe(time.perf_counter() - started)
            if errors is not None:
                errors.inc()

    def _labels(self, method: str, path: str, status: int) -> dict[str, str | int | float]:
        return {"method": method, "path": path, "status_code": status, "app_name": self._config.app_name}

    def _new_series(self, method: str, path: str, status: int) -> tuple[Any, Any, Any]:
        labels = self._labels(method, path, status)
        values = [*labels.values()]
        errors = None
        if status >= HTTP_500_INTERNAL_SERVER_ERROR:
            errors = self.requests_error_count(labels).labels(*values)
        series = (
            self.request_count(labels).labels(*values),
            self.request_time(labels).labels(*values),
            errors,
        )
        self._series[(method, path, status)] = series
        return series


http_metrics = PrometheusConfig(
    app_name=NAMESPACE,
    prefix=f"{NAMESPACE}_http",
    group_path=True,
    exclude_opt_key=EXCLUDE_FROM_METRICS,
    middleware_class=CheapHttpMetrics,
)


@dataclass(eq=False)  # registered by identity
class DatabaseFigures(Collector):
    """The figures read from the database for one scrape."""

    deliveries: dict[str, int] = field(default_factory=dict)
    due: dict[str, int] = field(default_factory=dict)
    oldest_due: datetime | None = None
    now: datetime | None = None
    disabled_channels: dict[str, int] = field(default_factory=dict)
    heartbeats: dict[str, datetime] = field(default_factory=dict)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        deliveries = GaugeMetricFamily(
            f"{NAMESPACE}_deliveries",
            "Deliveries stored, by status. Waiting ones (pending, retrying, sending) are the queue; sent, "
            "failed, skipped and missed are totals since the rows were written.",
            labels=["status"],
        )
        for status in DeliveryStatus:
            deliveries.add_metric([status.value], self.deliveries.get(status.value, 0))
        yield deliveries
        due = GaugeMetricFamily(
            f"{NAMESPACE}_deliveries_due",
            "Waiting deliveries whose time has come (pending or retrying, not yet claimed): a queue that "
            "grows means the workers are behind or stopped.",
            labels=["status"],
        )
        for status in (DeliveryStatus.PENDING, DeliveryStatus.RETRYING):
            due.add_metric([status.value], self.due.get(status.value, 0))
        yield due
        oldest = 0.0
        if self.oldest_due is not None and self.now is not None:
            oldest = max((self.now - self.oldest_due).total_seconds(), 0.0)
        yield GaugeMetricFamily(
            f"{NAMESPACE}_deliveries_due_oldest_seconds",
            "How long the longest-waiting due delivery has waited; 0 when none is due.",
            value=oldest,
        )
        channels = GaugeMetricFamily(
            f"{NAMESPACE}_channels_disabled",
            "Channels switched off: by errors (failed sends or a permanent error), or by their owner.",
            labels=["reason"],
        )
        for reason in ("errors", "owner"):
            channels.add_metric([reason], self.disabled_channels.get(reason, 0))
        yield channels
        workers = GaugeMetricFamily(
            f"{NAMESPACE}_worker_last_seen_timestamp_seconds",
            "Each running worker's last heartbeat (Unix time), as recorded in the database.",
            labels=["worker"],
        )
        for name, last_seen in sorted(self.heartbeats.items()):
            workers.add_metric([name], last_seen.timestamp())
        yield workers


_WAITING = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)


async def database_figures(session: AsyncSession, now: datetime) -> DatabaseFigures:
    """Three aggregate reads: deliveries by status (the (status, next_attempt_at) index covers it), disabled
    channels, and the heartbeats (one row per running worker)."""
    figures = DatabaseFigures(now=now)
    is_due = case((Delivery.next_attempt_at <= now, 1))
    rows = await session.execute(
        select(
            Delivery.status, func.count(), func.count(is_due), func.min(Delivery.next_attempt_at)
        ).group_by(Delivery.status)
    )
    for status, count, due, earliest in rows.tuples():
        figures.deliveries[status.value] = count
        if status in _WAITING:
            figures.due[status.value] = due
            if due and (figures.oldest_due is None or earliest < figures.oldest_due):
                figures.oldest_due = earliest
    by_errors = Channel.consecutive_failures > 0
    channels = await session.execute(
        select(by_errors, func.count()).where(Channel.enabled.is_(False)).group_by(by_errors)
    )
    for errors, count in channels.tuples():
        figures.disabled_channels["errors" if errors else "owner"] = count
    beats = await session.execute(select(WorkerHeartbeat.name, WorkerHeartbeat.last_seen))
    figures.heartbeats = dict(beats.tuples().all())
    return figures


def may_scrape(request: Request[Any, Any, Any], settings: Settings) -> bool:
    token = settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if secrets.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return True
    host = request.client.host if request.client else None
    return address_in(host, parse_networks(settings.metrics_allowed_networks))


@get(
    "/metrics",
    include_in_schema=False,
    exclude_from_auth=True,
    opt={EXCLUDE_FROM_METRICS: True},
)
async def scrape(
    request: Request[Any, Any, Any],
    settings: NamedDependency[Settings],
    db_session: NamedDependency[AsyncSession],
    now: NamedDependency[datetime],
) -> Response[bytes]:
    """Prometheus text format: this process's own figures, then the database's."""
    if not settings.metrics:  # registered anyway, so that the PWA's catch-all route does not answer instead
        raise NotFoundException()
    if not may_scrape(request, settings):
        raise PermissionDeniedException("metrics are served to the operator's networks only")
    scraped = CollectorRegistry(auto_describe=False)
    scraped.register(await database_figures(db_session, now))
    body = generate_latest(REGISTRY) + generate_latest(scraped)
    return Response(body, media_type=TEXT_FORMAT)


def serve_worker_metrics(settings: Settings) -> tuple[WSGIServer, threading.Thread] | None:
    """`followthrough worker`: this process's figures on their own port (prometheus_client's server, in a
    thread), when `FOLLOWTHROUGH_WORKER_METRICS_PORT` is set. The caller shuts it down."""
    if not settings.worker_metrics_port:
        return None
    return start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
