"""The one place the application is put together: `create_app(settings)`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Router, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from followthrough import actlinks, health, metrics
from followthrough.accounts.controllers import AccountController
from followthrough.actions import KeptOccurrences
from followthrough.actions.controllers import KeyActionController, provide_occurrences
from followthrough.actlinks.controllers import ActLinkController
from followthrough.barriers.controllers import BarrierController
from followthrough.calendarfeed.controllers import CalendarFeedController, CalendarFileController
from followthrough.checkins import has_check_in
from followthrough.checkins.agenda_controllers import OccurrenceController, TodayController
from followthrough.checkins.controllers import CheckInController, ProgressController, WeeklyReviewController
from followthrough.clock import Clock
from followthrough.database import CloseRequestSession, alchemy_config, sqlite_write_queue
from followthrough.deliveries import log_channel_test
from followthrough.deliveries.controllers import DeliveryController
from followthrough.dependencies import provide_context, provide_now, provide_participant, provide_settings
from followthrough.edge import add_security_headers, check_request
from followthrough.export.controllers import ExportController
from followthrough.http_errors import exception_handlers
from followthrough.identity import AuthController, AuthenticationMiddleware
from followthrough.imports.controllers import ImportController
from followthrough.logs import configure_logging, litestar_logging
from followthrough.notifications import egress, native
from followthrough.notifications.controllers import ChannelController, PushController
from followthrough.notifications.keys import use_channel_key
from followthrough.openapi import (
    ContractOpenAPIConfig,
    StrictStructSchemaPlugin,
    document_contract,
    refuse_loose_types,
)
from followthrough.partners.controllers import (
    EncouragementController,
    InviteController,
    OneTapController,
    PartnershipController,
    SupportingController,
)
from followthrough.readcache import ReadCache, listening
from followthrough.reflections.controllers import ReflectionController
from followthrough.registration.controllers import RegistrationController
from followthrough.reminders.controllers import SnoozeController
from followthrough.requestid import RequestIds
from followthrough.settings import Settings
from followthrough.sso.controllers import IdentityController, SignInController
from followthrough.web import pwa_handler, pwa_is_built
from followthrough.worker_setup import embedded_worker

API_PREFIX = "/api/v1"
DOCS_ASSETS = "/schema/assets"

api_controllers: list[type] = [
    AuthController,
    RegistrationController,
    SignInController,
    AccountController,
    IdentityController,
    BarrierController,
    ExportController,
    ImportController,
    CheckInController,
    WeeklyReviewController,
    ProgressController,
    ReflectionController,
    KeyActionController,
    OccurrenceController,
    TodayController,
    ChannelController,
    PushController,
    InviteController,
    PartnershipController,
    SupportingController,
    EncouragementController,
    OneTapController,
    DeliveryController,
    SnoozeController,
    ActLinkController,
    CalendarFeedController,
]


def create_app(settings: Settings, clock: Clock | None = None) -> Litestar:
    configure_logging(settings)
    # Once per process, before anything can send: the egress guard and log redaction (idempotent).
    egress.install()
    # One queue for the process's SQLite writers: the app's and the embedded worker's engines share it.
    writers = sqlite_write_queue()
    alchemy = alchemy_config(settings, writers)
    if settings.metrics:
        metrics.count_statements(alchemy.get_engine())
    use_channel_key(settings)
    api = Router(path=API_PREFIX, route_handlers=api_controllers)
    swagger_assets = Path(str(files("swagger_ui") / "static"))
    app = Litestar(
        route_handlers=[
            api,
            # Calendar apps subscribe to /calendar/<token>.ics, outside the API prefix.
            CalendarFileController,
            health.live,
            health.ready,
            metrics.scrape,
            pwa_handler() if pwa_is_built() else home,
            create_static_files_router(
                path=DOCS_ASSETS,
                directories=[swagger_assets],
                opt={"exclude_from_auth": True},
                include_in_schema=False,
            ),
        ],
        plugins=[SQLAlchemyPlugin(config=alchemy), StrictStructSchemaPlugin()],
        # "Send test" sends from this process, through this event loop's connection pool.
        on_shutdown=[native.close_pools],
        # `followthrough serve` on the embedded default sends reminders from the API process itself.
        lifespan=[listening, *([embedded_worker] if settings.embedded_worker else [])],
        middleware=[
            DefineMiddleware(
                AuthenticationMiddleware,
                settings=settings,
                alchemy=alchemy,
                # The docs and health checks are public; other public routes say exclude_from_auth.
                exclude=[r"^/schema", r"^/health/"],
            ),
            # Inside authentication: the 401 it raises becomes an answer outside this middleware, which
            # would count it as a 200. So requests refused for want of a sign-in are not counted.
            *([metrics.http_metrics.middleware] if settings.metrics else []),
        ],
        # JSON bodies only (login CSRF), bodies safe to decode, no NUL anywhere: see followthrough.edge.
        guards=[check_request, refuse_loose_types],
        # On every answer, the router's 404s and the middleware's 401s included.
        before_send=[add_security_headers],
        dependencies={
            "settings": Provide(provide_settings, sync_to_thread=False),
            "now": Provide(provide_now, sync_to_thread=False),
            "context": Provide(provide_context, sync_to_thread=False),
            "occurrences": Provide(provide_occurrences, sync_to_thread=False),
            "participant": Provide(provide_participant, sync_to_thread=False),
            "kept_occurrences": Provide(provide_kept_occurrences, sync_to_thread=False),
            # "Send test" writes the delivery log, which sits above notifications: wired here.
            "channel_test_log": Provide(lambda: log_channel_test, sync_to_thread=False),
            # The delivery log shows answers given through act links, which sit above deliveries.
            "delivery_answers": Provide(lambda: actlinks.latest_answers, sync_to_thread=False),
        },
        exception_handlers=exception_handlers,
        request_max_body_size=settings.max_body_bytes,
        compression_config=CompressionConfig(backend="gzip", minimum_size=1024),
        openapi_config=ContractOpenAPIConfig(
            title="Followthrough API",
            version="1",
            description="Barriers, key actions, check-ins and progress. Sign in for a cookie session "
            "(send X-CSRF-Token on writes) or use a personal API token as a Bearer token. Bodies are JSON, "
            "and no string may contain the NUL character (U+0000).",
            path="/schema",
            render_plugins=[
                SwaggerRenderPlugin(
                    path=["/", "/swagger"],
                    js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                    css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                    standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
                )
            ],
            components=Components(
                security_schemes={
                    "apiToken": SecurityScheme(
                        type="http", scheme="bearer", description="Personal API token"
                    ),
                }
            ),
            security=[{"apiToken": []}],
        ),
        state=State(
            {
                "settings": settings,
                "clock": clock or Clock(),
                "alchemy": alchemy,
                "writers": writers,
                # One API process on SQLite: on at once. On PostgreSQL, on once it hears other processes.
                "read_cache": ReadCache(enabled=settings.read_cache and settings.is_sqlite),
            }
        ),
        debug=settings.debug,
        logging_config=litestar_logging(settings),
    )
    document_contract(app)
    # Around the router, not a route's middleware: a request no route matches gets an id too.
    app.asgi_handler = RequestIds(CloseRequestSession(app.asgi_handler, alchemy), settings.trusted_proxies)
    return app


def provide_kept_occurrences() -> KeptOccurrences:
    """The future occurrences a change of schedule, zone or status keeps: those with a check-in. `actions`
    sits below `checkins` and cannot ask it, so it is told here."""
    return has_check_in


@get("/", include_in_schema=False, exclude_from_auth=True)
async def home() -> Redirect:
    # Without a built PWA (pwa/dist), the API docs are the front page.
    return Redirect(path="/schema")
