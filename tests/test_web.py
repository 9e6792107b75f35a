"""Serving the built PWA: cache headers, the content security policy, the single-page-app fallback, and
the API and docs left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from followthrough.web import IMMUTABLE, pwa_handler, pwa_is_built


@get("/api/v1/ping", sync_to_thread=False)
def ping() -> dict[str, str]:
    return {"pong": "yes"}


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    (tmp_path / "sw.js").write_text("self.x = 1")
    (tmp_path / "manifest.webmanifest").write_text("{}")
    (tmp_path.parent / "secret.txt").write_text("not for you")
    return tmp_path


@pytest.fixture
def client(dist: Path) -> TestClient[Litestar]:
    return TestClient(Litestar(route_handlers=[ping, pwa_handler(dist)]))


def test_the_app_is_built_only_when_index_html_exists(dist: Path, tmp_path: Path) -> None:
    assert pwa_is_built(dist)
    assert not pwa_is_built(tmp_path / "nothing")


def test_hashed_assets_are_cached_for_a_year(client: TestClient[Litestar]) -> None:
    response = client.get("/assets/index-abc123.js")
    assert response.status_code == 200
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-type"].startswith("text/javascript")


@pytest.mark.parametrize(
    "path", ["/", "/today", "/barriers/0192d0c4-1111-7000-8000-000000000000", "/index.html"]
)
def test_app_routes_get_index_html_revalidated_with_a_strict_policy(
    client: TestClient[Litestar], path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == "<!doctype html><title>app</title>"
    assert response.headers["cache-control"] == "no-cache"
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_the_service_worker_and_manifest_are_revalidated(client: TestClient[Litestar]) -> None:
    worker = client.get("/sw.js")
    assert (worker.status_code, worker.headers["cache-control"]) == (200, "no-cache")
    manifest = client.get("/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api", "/schema/nope", "/health/nope", "/assets/gone-123.js"]
)
def test_unknown_api_docs_and_asset_paths_stay_a_404(client: TestClient[Litestar], path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "<title>app</title>" not in response.text


def test_the_api_still_answers_next_to_the_app(client: TestClient[Litestar]) -> None:
    assert client.get("/api/v1/ping").json() == {"pong": "yes"}


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"])
def test_files_outside_the_build_are_never_served(client: TestClient[Litestar], path: str) -> None:
    assert "not for you" not in client.get(path).text
