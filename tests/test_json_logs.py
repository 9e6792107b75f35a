"""FOLLOWTHROUGH_LOG_FORMAT=json: one JSON object per line, each carrying the id of the request it belongs to,
the same id as the answer's X-Request-ID header and its error body's `requestId`."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient

from followthrough.app import create_app
from followthrough.clock import FrozenClock
from followthrough.errors import NotFound
from followthrough.settings import Settings

LOGGER = logging.getLogger("followthrough.test_json_logs")


@get("/test/fails", exclude_from_auth=True, include_in_schema=False)
async def fails() -> None:
    LOGGER.warning("looking for the thing")
    raise NotFound("thing")


@get("/test/crashes", exclude_from_auth=True, include_in_schema=False)
async def crashes() -> None:
    raise RuntimeError("a bug")


@pytest.fixture
def written() -> Iterator[io.StringIO]:
    """What the root logger's handlers write, this one's included; their formatters are put back after."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    formatters = {existing: existing.formatter for existing in root.handlers}
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for existing, formatter in formatters.items():
            existing.setFormatter(formatter)


@pytest.fixture
async def json_app(settings: Settings, clock: FrozenClock, written: io.StringIO) -> AsyncIterator[Litestar]:
    application = create_app(replace(settings, log_format="json"), clock)
    application.register(fails)
    application.register(crashes)
    async with AsyncTestClient(application):
        yield application


def client(app: Litestar, address: str = "10.9.8.7") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_log_lines_are_json_and_carry_the_request_id_of_the_answer(
    json_app: Litestar, written: io.StringIO
) -> None:
    async with client(json_app) as browser:
        response = await browser.get("/test/fails")
    assert response.status_code == 404
    request_id = response.headers["x-request-id"]
    assert response.json()["requestId"] == request_id
    [line] = [line for line in lines(written) if line["message"] == "looking for the thing"]
    assert line["request_id"] == request_id
    assert line["level"] == "WARNING"
    assert line["logger"] == LOGGER.name
    assert "time" in line


async def test_an_unexpected_error_is_logged_with_its_request_id_and_traceback(
    json_app: Litestar, written: io.StringIO
) -> None:
    async with client(json_app) as browser:
        response = await browser.get("/test/crashes")
    assert response.status_code == 500
    assert response.json()["detail"] == "internal server error"
    [line] = [line for line in lines(written) if line["message"].startswith("unhandled error")]
    assert line["request_id"] == response.json()["requestId"] == response.headers["x-request-id"]
    assert "RuntimeError: a bug" in line["exc_info"]


async def test_each_request_gets_its_own_id_and_lines_outside_requests_have_none(
    json_app: Litestar, written: io.StringIO
) -> None:
    async with client(json_app) as browser:
        first = await browser.get("/api/v1/no/such/page")
        second = await browser.get("/api/v1/no/such/page")
    assert first.status_code == second.status_code == 404
    assert first.json()["requestId"] == first.headers["x-request-id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    LOGGER.warning("between requests")
    [line] = [line for line in lines(written) if line["message"] == "between requests"]
    assert "request_id" not in line


@pytest.mark.parametrize(
    ("address", "sent", "kept"),
    [
        ("127.0.0.1", "proxy-4f2a.9:b_c", True),  # the trusted proxy (loopback by default)
        ("10.9.8.7", "proxy-4f2a.9:b_c", False),  # anyone else
        ("127.0.0.1", "two words", False),  # not plain
        ("127.0.0.1", "x" * 129, False),  # too long
    ],
)
async def test_an_incoming_request_id_is_kept_only_from_a_trusted_proxy_and_only_when_plain(
    json_app: Litestar, address: str, sent: str, kept: bool
) -> None:
    async with client(json_app, address) as browser:
        response = await browser.get("/test/fails", headers={"x-request-id": sent})
    assert (response.headers["x-request-id"] == sent) is kept
    assert response.json()["requestId"] == response.headers["x-request-id"]


async def test_link_tokens_stay_hidden_in_json_access_lines(json_app: Litestar, written: io.StringIO) -> None:
    access = logging.getLogger("uvicorn.access")
    level = access.level
    access.setLevel(logging.INFO)
    try:
        access.info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", "/api/v1/act/AbCdEfGhIjKlMnOpQrStUv", "1.1", 200
        )
    finally:
        access.setLevel(level)
    [line] = [line for line in lines(written) if line["logger"] == "uvicorn.access"]
    assert "AbCdEfGhIjKlMnOpQrStUv" not in line["message"]
    assert "GET /api/v1/act/" in line["message"]


def test_a_log_format_other_than_text_or_json_is_refused_naming_the_variable() -> None:
    with pytest.raises(ValueError, match="FOLLOWTHROUGH_LOG_FORMAT must be one of text, json, not 'xml'"):
        Settings.from_env({"FOLLOWTHROUGH_LOG_FORMAT": "xml"})
