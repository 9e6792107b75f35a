"""Serving the built PWA (pwa/dist) at `/`, with the caching and security headers a phone app needs.

Hashed build assets never change under their name, so they are cached for a year. index.html and the
service worker must be revalidated on every load, or a phone would keep an old app forever. Any other path
that is not a file (/today, /barriers/…) is a route of the single-page app and gets index.html, except the
API and the docs, whose unknown paths stay a plain 404.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler

DEFAULT_DIST = Path(__file__).resolve().parents[2] / "pwa" / "dist"

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# No inline script or style anywhere in the build; the service worker and the manifest come from 'self'.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# Paths the PWA must never answer for, so that an unknown API path is a JSON 404 rather than the app.
NOT_THE_APP = frozenset({"api", "schema", "health"})

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")


def pwa_is_built(dist: Path = DEFAULT_DIST) -> bool:
    return (dist / "index.html").is_file()


def _cache_control(relative: str) -> str:
    return IMMUTABLE if relative.startswith("assets/") else REVALIDATE


def _file_response(dist: Path, relative: str) -> Response[bytes] | None:
    candidate = (dist / relative).resolve()
    if not relative or not candidate.is_relative_to(dist) or not candidate.is_file():
        return None
    media_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    headers = {"Cache-Control": _cache_control(relative), "X-Content-Type-Options": "nosniff"}
    if candidate.suffix == ".html":
        headers |= SECURITY_HEADERS
    return Response(candidate.read_bytes(), media_type=media_type, headers=headers)


def pwa_handler(dist: Path = DEFAULT_DIST) -> HTTPRouteHandler:
    """One handler for `/` and every other path the API does not own."""
    root = dist.resolve()

    @get(["/", "/{path:path}"], include_in_schema=False, exclude_from_auth=True, sync_to_thread=False)
    def pwa(request: Request[Any, Any, Any]) -> Response[bytes]:
        relative = request.url.path.lstrip("/")
        if relative.split("/", 1)[0] in NOT_THE_APP:
            raise NotFoundException()
        found = _file_response(root, relative)
        if found is not None:
            return found
        if "." in relative.rsplit("/", 1)[-1]:
            raise NotFoundException()  # a missing file, not an app route: never answer a script with HTML
        index = _file_response(root, "index.html")
        if index is None:
            raise NotFoundException()
        return index

    return pwa
