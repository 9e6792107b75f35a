"""Typed settings: one documented field per `FOLLOWTHROUGH_*` environment variable.

`create_app(settings)` takes a `Settings` object, so tests build apps without touching `os.environ`;
only `Settings.from_env()` reads the environment.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "FOLLOWTHROUGH_"


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = Path("data")
    """Folder for the embedded SQLite database and generated keys. `FOLLOWTHROUGH_DATA_DIR`."""

    database_url: str = ""
    """SQLAlchemy async URL. Empty means SQLite in `data_dir` (the embedded default); use
    `postgresql+asyncpg://…` at scale. `FOLLOWTHROUGH_DATABASE_URL`."""

    secret_key: str = ""
    """Signs CSRF tokens. Empty means: generate once into `data_dir/secret_key` (mode 0600) and reuse it.
    Every API process of one installation must share it. `FOLLOWTHROUGH_SECRET_KEY`."""

    public_url: str = "http://127.0.0.1:8000"
    """The address people reach the app at; links in messages point here. `FOLLOWTHROUGH_PUBLIC_URL`."""

    cookie_secure: bool | None = None
    """Send the session cookie only over HTTPS. Unset means: when `public_url` is https.
    `FOLLOWTHROUGH_COOKIE_SECURE`."""

    session_days: int = 30
    """How long a sign-in lasts without use. `FOLLOWTHROUGH_SESSION_DAYS`."""

    max_body_bytes: int = 256 * 1024
    """Largest request body accepted; larger ones get 413. `FOLLOWTHROUGH_MAX_BODY_BYTES`."""

    sign_in_window_minutes: int = 15
    """Window over which failed sign-ins are counted. `FOLLOWTHROUGH_SIGN_IN_WINDOW_MINUTES`."""

    sign_in_failures_per_account: int = 5
    """Failed sign-ins allowed for one email within the window.
    `FOLLOWTHROUGH_SIGN_IN_FAILURES_PER_ACCOUNT`."""

    sign_in_failures_per_address: int = 20
    """Failed sign-ins allowed from one client address within the window.
    `FOLLOWTHROUGH_SIGN_IN_FAILURES_PER_ADDRESS`."""

    password_hash_cost: typing.Literal["standard", "low"] = "standard"
    """argon2id cost. `low` exists only to keep test suites fast; never use it in production.
    `FOLLOWTHROUGH_PASSWORD_HASH_COST`."""

    occurrence_horizon_days: int = 35
    """How far ahead occurrences are materialised, for reminders and agendas.
    `FOLLOWTHROUGH_OCCURRENCE_HORIZON_DAYS`."""

    channel_key: str = ""
    """Encrypts channel URLs at rest. Empty means: generate once into `data_dir/channel_key` (mode 0600) and
    reuse it. Every process of one installation must share it; losing it loses the channels.
    `FOLLOWTHROUGH_CHANNEL_KEY`."""

    channel_allowed_hosts: str = ""
    """Comma-separated host names and networks (CIDR) that channels may reach although they are loopback,
    private or link-local, e.g. `ntfy.home.lan,192.168.1.0/24` for a self-hosted ntfy. Empty means none.
    `FOLLOWTHROUGH_CHANNEL_ALLOWED_HOSTS`."""

    channel_failure_limit: int = 5
    """Consecutive failed sends after which a channel is disabled and its owner told.
    `FOLLOWTHROUGH_CHANNEL_FAILURE_LIMIT`."""

    send_timeout_seconds: int = 15
    """How long one send may take before it counts as a (passing) failure.
    `FOLLOWTHROUGH_SEND_TIMEOUT_SECONDS`."""

    delivery_max_attempts: int = 6
    """Attempts per delivery before it is marked failed. `FOLLOWTHROUGH_DELIVERY_MAX_ATTEMPTS`."""

    delivery_retry_base_seconds: int = 30
    """First retry delay; each later one doubles, with jitter. `FOLLOWTHROUGH_DELIVERY_RETRY_BASE_SECONDS`."""

    delivery_lease_seconds: int = 120
    """How long a worker holds a claimed delivery; after that a crashed worker's claim passes to another.
    `FOLLOWTHROUGH_DELIVERY_LEASE_SECONDS`."""

    delivery_grace_minutes: int = 60
    """Deliveries that fell due while no worker ran are still sent if at most this late; older ones are
    marked missed. `FOLLOWTHROUGH_DELIVERY_GRACE_MINUTES`."""

    delivery_prepare_seconds: int = 15
    """How long before its moment a worker claims a delivery, decides whether it is still wanted and
    builds the message, so that at the moment only the send is left; nothing leaves early. A check-in in
    the last seconds before a reminder therefore does not stop it.
    `FOLLOWTHROUGH_DELIVERY_PREPARE_SECONDS`."""

    worker_batch_size: int = 100
    """Deliveries one worker claims at a time. `FOLLOWTHROUGH_WORKER_BATCH_SIZE`."""

    worker_send_concurrency: int = 100
    """Sends one worker keeps in flight at once. Web hooks and Web Push share a pool of kept-alive
    connections; other Apprise services also wait for one of Apprise's threads.
    `FOLLOWTHROUGH_WORKER_SEND_CONCURRENCY`."""

    worker_poll_seconds: int = 5
    """Idle pause between worker steps when nothing is due. `FOLLOWTHROUGH_WORKER_POLL_SECONDS`."""

    invite_expiry_days: int = 7
    """How long an invite link stays valid unless the participant chooses otherwise.
    `FOLLOWTHROUGH_INVITE_EXPIRY_DAYS`."""

    encouragements_per_day: int = 10
    """Encouragements one partner may send one person within 24 hours; more get 429.
    `FOLLOWTHROUGH_ENCOURAGEMENTS_PER_DAY`."""

    one_tap_link_days: int = 7
    """How long the one-tap encouragement link in a partner digest stays valid.
    `FOLLOWTHROUGH_ONE_TAP_LINK_DAYS`."""

    partner_missed_grace_minutes: int = 120
    """How long after an occurrence is due without a check-in before partners who opted in are told.
    `FOLLOWTHROUGH_PARTNER_MISSED_GRACE_MINUTES`."""

    embedded_worker: bool = False
    """Run the delivery worker inside the API process. `followthrough serve` turns it on for SQLite (the
    embedded default) unless given `--no-worker`; at scale run `followthrough worker` processes instead.
    `FOLLOWTHROUGH_EMBEDDED_WORKER`."""

    vapid_private_key: str = ""
    """The installation's Web Push (VAPID) private key, PEM. Empty means: generate once into
    `data_dir/vapid_private_key.pem` (mode 0600). `FOLLOWTHROUGH_VAPID_PRIVATE_KEY`."""

    vapid_subject: str = ""
    """Contact for push services (`mailto:` or `https:`). Empty means `public_url`.
    `FOLLOWTHROUGH_VAPID_SUBJECT`."""

    read_cache: bool = True
    """Serve a participant's Today and Progress again from memory until they write something (see
    `readcache.py`). On PostgreSQL every API process listens for the others' writes; turn it off to always
    compute from the database. `FOLLOWTHROUGH_READ_CACHE`."""

    db_pool_size: int = 10
    """Connections per process on PostgreSQL. `FOLLOWTHROUGH_DB_POOL_SIZE`."""

    db_echo: bool = False
    """Log every SQL statement. `FOLLOWTHROUGH_DB_ECHO`."""

    debug: bool = False
    """Litestar debug mode (tracebacks in responses). Never in production. `FOLLOWTHROUGH_DEBUG`."""

    log_level: str = "INFO"
    """Root log level. `FOLLOWTHROUGH_LOG_LEVEL`."""

    _derived: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: typing.Mapping[str, str] | None = None) -> Settings:
        """Build settings from `FOLLOWTHROUGH_*` variables; unknown ones are ignored, malformed ones raise."""
        environ = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, object] = {}
        for settings_field in dataclasses.fields(cls):
            if settings_field.name.startswith("_"):
                continue
            raw = environ.get(ENV_PREFIX + settings_field.name.upper())
            if raw is not None:
                values[settings_field.name] = _parse(settings_field.name, hints[settings_field.name], raw)
        return cls(**values)  # type: ignore[arg-type]

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'followthrough.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def resolved_cookie_secure(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.public_url.startswith("https://")

    @property
    def resolved_secret_key(self) -> str:
        return self._generated_unless_set("secret_key", self.secret_key)

    @property
    def resolved_channel_key(self) -> str:
        return self._generated_unless_set("channel_key", self.channel_key)

    def _generated_unless_set(self, name: str, value: str) -> str:
        if value:
            return value
        cached = self._derived.get(name)
        if cached is None:
            cached = _read_or_create_key(self.data_dir / name)
            self._derived[name] = cached
        return cached


def _read_or_create_key(path: Path) -> str:
    """Generate a key once per installation, readable by its owner only."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def _parse(name: str, hint: object, raw: str) -> object:
    options = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        if raw == "":
            return None
        hint = next(option for option in options if option is not type(None))
    if hint is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError(f"{ENV_PREFIX}{name.upper()} must be true or false, not {raw!r}")
    if hint is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a whole number, not {raw!r}") from None
    if hint is Path:
        return Path(raw)
    if typing.get_origin(hint) is typing.Literal:
        if raw not in typing.get_args(hint):
            allowed = ", ".join(map(str, typing.get_args(hint)))
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be one of {allowed}, not {raw!r}")
        return raw
    return raw
