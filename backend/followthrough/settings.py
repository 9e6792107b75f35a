"""Typed settings: one documented field per `FOLLOWTHROUGH_*` environment variable.

`create_app(settings)` takes a `Settings` object, so tests build apps without touching `os.environ`;
only `Settings.from_env()` reads the environment.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import logging
import os
import secrets
import stat
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

ENV_PREFIX = "FOLLOWTHROUGH_"
logger = logging.getLogger(__name__)
# Everything in the data folder is its owner's alone, whatever the umask (see `private_folder`).
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
SQLITE_FILE = "followthrough.db"
VAPID_KEY_FILE = "vapid_private_key.pem"
# What Followthrough writes into the data folder; an older install's are made private on start.
DATA_FILES = (
    SQLITE_FILE,
    f"{SQLITE_FILE}-wal",
    f"{SQLITE_FILE}-shm",
    f"{SQLITE_FILE}-journal",
    "secret_key",
    "channel_key",
    VAPID_KEY_FILE,
)


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

    trusted_proxies: str = "127.0.0.1,::1"
    """Comma-separated addresses and networks (CIDR) of the reverse proxies in front of the app, or `*`
    for any. From them only, `X-Forwarded-For` and `X-Forwarded-Proto` name the client, so per-address
    limits (failed sign-ins) count each person, not the proxy. `FOLLOWTHROUGH_TRUSTED_PROXIES`."""

    sign_in_window_minutes: int = 15
    """Window over which failed sign-ins are counted. `FOLLOWTHROUGH_SIGN_IN_WINDOW_MINUTES`."""

    sign_in_failures_per_account: int = 5
    """Failed sign-ins allowed for one email within the window.
    `FOLLOWTHROUGH_SIGN_IN_FAILURES_PER_ACCOUNT`."""

    sign_in_failures_per_address: int = 20
    """Failed sign-ins allowed from one client address within the window.
    `FOLLOWTHROUGH_SIGN_IN_FAILURES_PER_ADDRESS`."""

    registration: typing.Literal["open", "invite-only", "closed"] = "open"
    """Who may sign up: anyone (`open`), only someone holding a pending partner invite (`invite-only`), or
    no one (`closed`). Operators create accounts with `followthrough users create` in every mode.
    `FOLLOWTHROUGH_REGISTRATION`."""

    trusted_header: str = ""
    """The request header in which a forward-auth proxy (Authelia, Authentik) names the signed-in person by
    email, e.g. `Remote-Email`. Read only by `POST /api/v1/auth/trusted-header`, and only from a peer inside
    `trusted_header_networks`; empty turns trusted-header sign-in off. See docs/sign-in.md.
    `FOLLOWTHROUGH_TRUSTED_HEADER`."""

    trusted_header_networks: str = ""
    """Comma-separated addresses and networks (CIDR) of the proxies that set `trusted_header`, matched against
    the connection's own peer address (never X-Forwarded-For). Required when `trusted_header` is set.
    `FOLLOWTHROUGH_TRUSTED_HEADER_NETWORKS`."""

    oidc_issuer: str = ""
    """The OpenID provider's issuer URL, whose discovery document is at
    `<issuer>/.well-known/openid-configuration`; empty turns OpenID Connect sign-in off. Register
    `<public_url>/api/v1/auth/oidc/callback` as the redirect URI. `FOLLOWTHROUGH_OIDC_ISSUER`."""

    oidc_client_id: str = ""
    """The client id registered at the provider; required with `oidc_issuer`.
    `FOLLOWTHROUGH_OIDC_CLIENT_ID`."""

    oidc_client_secret: str = ""
    """The client's secret (a confidential client). `FOLLOWTHROUGH_OIDC_CLIENT_SECRET`."""

    oidc_name: str = "single sign-on"
    """What the sign-in button calls the provider: "Sign in with <name>". `FOLLOWTHROUGH_OIDC_NAME`."""

    oidc_scopes: str = "openid email profile"
    """Scopes asked of the provider, separated by spaces; must include `openid`.
    `FOLLOWTHROUGH_OIDC_SCOPES`."""

    sign_ups_per_address: int = 5
    """Sign-up attempts allowed from one client address within `sign_up_window_minutes`, whatever their
    outcome; more get 429 before any password is hashed. `FOLLOWTHROUGH_SIGN_UPS_PER_ADDRESS`."""

    sign_up_window_minutes: int = 60
    """Window over which sign-up attempts are counted. `FOLLOWTHROUGH_SIGN_UP_WINDOW_MINUTES`."""

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
    """How long a worker holds a claimed delivery without renewing it; after that its claim passes to
    another. It must cover the preparation window plus one send (`delivery_prepare_seconds` +
    `send_timeout_seconds` + 5). A worker that dies is noticed sooner, by its heartbeat.
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

    worker_heartbeat_seconds: int = 2
    """How often a worker records that it is alive. One silent for three beats is taken for dead, and the
    deliveries it held are claimed by another at once. `FOLLOWTHROUGH_WORKER_HEARTBEAT_SECONDS`."""

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
    """Contact for push services: a `mailto:` or `https:` address (Apple's refuses anything else). Empty
    means `public_url` when it is https; otherwise Web Push stays off until this is set.
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

    log_format: typing.Literal["text", "json"] = "text"
    """`text`, lines for people; or `json`, one JSON object per line for a log collector, each carrying the
    id of the request it belongs to. `FOLLOWTHROUGH_LOG_FORMAT`."""

    metrics: bool = True
    """Serve Prometheus figures at `/metrics` (docs/observability.md). `FOLLOWTHROUGH_METRICS`."""

    metrics_allowed_networks: str = "127.0.0.0/8,::1,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
    """Comma-separated addresses and networks (CIDR) that may scrape `/metrics`, or `*` for any; others get
    403. The address is the client's as `FOLLOWTHROUGH_TRUSTED_PROXIES` resolves it, so a person on the
    internet reaching the app through the proxy is refused. `FOLLOWTHROUGH_METRICS_ALLOWED_NETWORKS`."""

    metrics_token: str = ""
    """A scraper sending `Authorization: Bearer <this>` may scrape from any address. Empty means none.
    `FOLLOWTHROUGH_METRICS_TOKEN`."""

    worker_metrics_port: int = 0
    """`followthrough worker` serves its own Prometheus figures on this port; 0 means off.
    `FOLLOWTHROUGH_WORKER_METRICS_PORT`."""

    worker_metrics_host: str = "127.0.0.1"
    """Address the worker's metrics port listens on (`0.0.0.0` in a container).
    `FOLLOWTHROUGH_WORKER_METRICS_HOST`."""

    _derived: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_registration(self)
        _check_delivery_lease(self)
        _check_trusted_proxies(self.trusted_proxies)
        _check_metrics(self)
        _check_sign_in_providers(self)
        _check_vapid_subject(self.vapid_subject)

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


def _check_registration(settings: Settings) -> None:
    if settings.registration not in ("open", "invite-only", "closed"):
        raise ValueError(
            f"{ENV_PREFIX}REGISTRATION must be open, invite-only or closed, not {settings.registration!r}"
        )
    for name in ("sign_ups_per_address", "sign_up_window_minutes"):
        if getattr(settings, name) < 1:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be at least 1")


def _check_trusted_proxies(value: str) -> None:
    """uvicorn silently never matches an entry it cannot parse, so a typo here is refused instead."""
    entries = [entry.strip() for entry in value.split(",")]
    if entries == ["*"]:
        return
    for entry in entries:
        try:
            if "/" in entry:
                ipaddress.ip_network(entry)
            else:
                ipaddress.ip_address(entry)
        except ValueError:
            raise ValueError(
                f"{ENV_PREFIX}TRUSTED_PROXIES must list IP addresses or networks (e.g. 10.0.0.0/8) separated "
                f"by commas, or be *; {entry!r} is neither"
            ) from None


def _check_sign_in_providers(settings: Settings) -> None:
    """A trusted header without the networks allowed to send it would let anyone name anyone: refused."""
    if settings.trusted_header:
        if not settings.trusted_header_networks.strip():
            raise ValueError(
                f"{ENV_PREFIX}TRUSTED_HEADER_NETWORKS must list the networks of the proxies that set "
                f"{settings.trusted_header!r} (e.g. 172.18.0.0/16) when {ENV_PREFIX}TRUSTED_HEADER is set"
            )
        try:
            networks(settings.trusted_header_networks)
        except ValueError as error:
            raise ValueError(
                f"{ENV_PREFIX}TRUSTED_HEADER_NETWORKS must list IP addresses or networks (CIDR) separated by "
                f"commas: {error}"
            ) from None
    if settings.oidc_issuer:
        # Plain http only for a provider on the same machine or in tests; people should use https.
        if not settings.oidc_issuer.startswith(("https://", "http://")):
            raise ValueError(f"{ENV_PREFIX}OIDC_ISSUER must be an https:// URL, not {settings.oidc_issuer!r}")
        if not settings.oidc_client_id:
            raise ValueError(f"{ENV_PREFIX}OIDC_CLIENT_ID is required when {ENV_PREFIX}OIDC_ISSUER is set")
        if "openid" not in settings.oidc_scopes.split():
            raise ValueError(f"{ENV_PREFIX}OIDC_SCOPES must include openid, not {settings.oidc_scopes!r}")


def networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated addresses and CIDR networks; a bare address is a network of one."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in value.split(",") if entry.strip()]


def _check_metrics(settings: Settings) -> None:
    entries = [entry.strip() for entry in settings.metrics_allowed_networks.split(",") if entry.strip()]
    if entries != ["*"]:
        for entry in entries:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{ENV_PREFIX}METRICS_ALLOWED_NETWORKS must list IP addresses or networks (e.g. "
                    f"10.0.0.0/8) separated by commas, or be *; {entry!r} is neither"
                ) from None
    if not 0 <= settings.worker_metrics_port <= 65535:
        raise ValueError(f"{ENV_PREFIX}WORKER_METRICS_PORT must be a port (1 to 65535), or 0 for off")


def _check_vapid_subject(value: str) -> None:
    if not value:
        return
    if not (_is_mailto(value) or _is_https(value)):
        raise ValueError(
            f"{ENV_PREFIX}VAPID_SUBJECT must be a mailto: or https: address (push services such as "
            f"Apple's refuse anything else), not {value!r}"
        )


def _is_mailto(value: str) -> bool:
    return value.startswith("mailto:") and "@" in value


def _is_https(value: str) -> bool:
    return value.startswith("https://") and len(value) > len("https://")


def private_folder(path: Path) -> Path:
    """The data folder, entered by its owner only: created 0700 whatever the umask; an existing one loses
    group and other permissions (see `make_private`)."""
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_FOLDER_MODE, parents=True, exist_ok=True)
        os.chmod(path, PRIVATE_FOLDER_MODE)  # mkdir's mode passes through the umask
    else:
        make_private(path)
    return path


def create_private_file(path: Path, content: bytes) -> bool:
    """Write a new file readable by its owner only (0600 whatever the umask), in a private folder. False
    when it exists already: another process of the installation made it first."""
    private_folder(path.parent)
    written = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)  # os.open's mode passes through the umask
            handle.write(content)
        try:
            # Linked whole, so another process never reads a half-written key.
            os.link(written, path)
        except FileExistsError:
            return False
        return True
    finally:
        written.unlink()


def make_private(path: Path) -> None:
    """Take group and other permissions off a file or folder an older version left open (0755, 0644), and
    say so once: it happens on the first start after an upgrade."""
    try:
        current = stat.S_IMODE(path.lstat().st_mode)
    except FileNotFoundError:
        return
    if path.is_symlink() or not current & 0o077:
        return
    try:
        os.chmod(path, current & ~0o077)
    except OSError as error:
        logger.warning("Could not make %s private (mode %04o): %s", path, current, error.strerror)
        return
    logger.warning("Made %s private: mode %04o, was %04o", path, current & ~0o077, current)


def make_data_folder_private(settings: Settings) -> None:
    """On start: an existing data folder and the files Followthrough wrote there become owner-only."""
    if not settings.data_dir.is_dir():
        return
    make_private(settings.data_dir)
    for name in DATA_FILES:
        make_private(settings.data_dir / name)


SEND_GUARD_SECONDS = 5
"""Beyond the transport's own timeout: a send that ignores it must still not hold a worker for ever."""


def _check_delivery_lease(settings: Settings) -> None:
    """A lease shorter than the wait for the moment plus a send could end while its worker still holds
    the delivery, and another worker would send it again."""
    needed = settings.delivery_prepare_seconds + settings.send_timeout_seconds + SEND_GUARD_SECONDS
    if settings.delivery_lease_seconds < needed:
        raise ValueError(
            f"{ENV_PREFIX}DELIVERY_LEASE_SECONDS must be at least {needed}: the preparation window "
            f"({settings.delivery_prepare_seconds} s) plus the send timeout "
            f"({settings.send_timeout_seconds} s) plus {SEND_GUARD_SECONDS} s, "
            f"not {settings.delivery_lease_seconds}"
        )
    if settings.worker_heartbeat_seconds < 1:
        raise ValueError(f"{ENV_PREFIX}WORKER_HEARTBEAT_SECONDS must be at least 1")


def _read_or_create_key(path: Path) -> str:
    """Generate a key once per installation, readable by its owner only."""
    if not path.exists():
        create_private_file(path, secrets.token_urlsafe(48).encode())
    return path.read_text(encoding="utf-8").strip()


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
