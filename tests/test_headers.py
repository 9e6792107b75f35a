"""Every API answer, errors included, is `nosniff` and never stored; PWA files keep their own caching."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from followthrough.edge import add_security_headers
from followthrough.web import IMMUTABLE, REVALIDATE, pwa_handler
from tests.conftest import Caller, Callers

KEY_ACTIONS = "/api/v1/key-actions"


def assert_never_stored(response: httpx.Response) -> None:
    assert response.headers.get_list("x-content-type-options") == ["nosniff"], response.headers
    assert response.headers.get_list("cache-control") == ["no-store"], response.headers


async def test_the_session_with_its_csrf_token_is_never_stored(owner: Caller) -> None:
    response = await owner.get("/api/v1/auth/session")
    assert response.status_code == 200
    assert "csrfToken" in response.json()
    assert_never_stored(response)


async def test_sign_in_and_sign_up_are_never_stored(owner: Caller, callers: Callers) -> None:
    signed_in = await callers.anonymous().post(
        "/api/v1/auth/sign-in", json={"email": owner.email, "password": owner.password}
    )
    assert signed_in.status_code == 200
    assert_never_stored(signed_in)


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/api/v1/auth/session", 401),
        ("GET", "/api/v1/no-such-thing", 404),
        ("GET", "/api/v1/act/AbCdEfGhIjKlMnOpQrStUv", 404),
        ("POST", "/api/v1/auth/sign-in", 415),
        ("DELETE", "/api/v1/auth/session", 405),
    ],
)
async def test_errors_are_never_stored_either(callers: Callers, method: str, url: str, status: int) -> None:
    response = await callers.anonymous().request(
        method, url, content=b"{}", headers={"content-type": "text/plain"}
    )
    assert response.status_code == status, response.text
    assert_never_stored(response)


async def test_reads_writes_and_refusals_of_a_signed_in_caller_are_never_stored(owner: Caller) -> None:
    created = await owner.post(
        KEY_ACTIONS, json={"title": "x", "schedule": {"kind": "once", "dueAt": "2026-03-06T17:00:00"}}
    )
    assert created.status_code == 201
    for response in [
        created,
        await owner.get(KEY_ACTIONS),
        await owner.get(f"{KEY_ACTIONS}/{created.json()['id']}"),
        await owner.post(KEY_ACTIONS, json={"title": ""}),
        await owner.get("/api/v1/account/export"),
    ]:
        assert response.status_code in {200, 201, 400, 422}, response.text
        assert_never_stored(response)


async def test_the_docs_are_nosniff(callers: Callers) -> None:
    response = await callers.anonymous().get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]


def test_the_pwa_keeps_its_own_caching_under_the_hook(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>app</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    app = Litestar(route_handlers=[pwa_handler(tmp_path)], before_send=[add_security_headers])
    with TestClient(app) as client:
        asset = client.get("/assets/index-abc123.js")
        page = client.get("/today")
        missing_api = client.get("/api/v1/nothing")
    assert asset.headers.get_list("cache-control") == [IMMUTABLE]
    assert page.headers.get_list("cache-control") == [REVALIDATE]
    for response in (asset, page):
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert missing_api.status_code == 404
    assert missing_api.headers.get_list("cache-control") == ["no-store"]
