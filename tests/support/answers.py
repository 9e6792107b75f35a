"""Comparing answers that must say the same thing: every error answer carries its own request id, so two
answers are alike when everything but that id is equal."""

from __future__ import annotations

from typing import Any

import httpx


def said(response: httpx.Response) -> Any:
    """The answer's JSON body without its `requestId`, which is different on every request by design."""
    body = response.json()
    if isinstance(body, dict):
        body.pop("requestId", None)
    return body


def error_fields(response: httpx.Response) -> list[str]:
    """The fields a refusal names, in its order."""
    return [error["field"] for error in response.json()["errors"]]
