"""The benchmark's baseline: a bare Litestar app with one JSON GET route and nothing else.

Served by the same uvicorn command as the real app (`--factory`, one process), so the ratio between the two
measures what Followthrough adds: authentication, the database and the work itself.
"""

from __future__ import annotations

from litestar import Litestar, get

PAYLOAD = {"status": "ok", "items": [{"id": index, "title": f"item {index}"} for index in range(10)]}


@get("/baseline", sync_to_thread=False)
def baseline() -> dict[str, object]:
    return PAYLOAD


def create_app() -> Litestar:
    return Litestar(route_handlers=[baseline], openapi_config=None)
