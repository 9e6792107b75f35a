"""The worker's own Prometheus figures, observed in its process at the moment of each send (`metrics.py`
serves them with the rest)."""

from __future__ import annotations

from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

NAMESPACE = "followthrough"

# From a moment on time to an hour late: an hour is `delivery_grace_minutes`' default, after which a
# delivery is marked missed instead.
LATENESS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600)
delivery_lateness = Histogram(
    f"{NAMESPACE}_delivery_lateness_seconds",
    "Seconds from when a delivery was due (after quiet hours and snoozes) to when it was sent; retries "
    "included.",
    buckets=LATENESS_BUCKETS,
)
delivery_attempts = Counter(
    f"{NAMESPACE}_delivery_attempts",
    "Send attempts made by this process, by outcome: sent, or error (passing or permanent).",
    ["outcome"],
)
worker_heartbeat = Gauge(
    f"{NAMESPACE}_worker_heartbeat_timestamp_seconds",
    "When this process's worker last recorded its heartbeat (Unix time).",
)


def observe_send(due_at: datetime, sent_at: datetime, failed: bool) -> None:
    """One send attempt finished, at `sent_at`."""
    if failed:
        delivery_attempts.labels("error").inc()
        return
    delivery_attempts.labels("sent").inc()
    delivery_lateness.observe(max((sent_at - due_at).total_seconds(), 0.0))
