"""Helpers shared by the partner tests."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from tests.conftest import Caller
from tests.support import actions

INVITES = "/api/v1/invites"
PARTNERSHIPS = "/api/v1/partnerships"
SUPPORTING = "/api/v1/supporting"
ENCOURAGEMENTS = "/api/v1/encouragements"
KEY_ACTIONS = "/api/v1/key-actions"
CHECK_INS = "/api/v1/check-ins"


async def invite(caller: Caller, **body: Any) -> dict[str, Any]:
    response = await caller.post(INVITES, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def partner_up(participant: Caller, partner: Caller, mutual: bool = False) -> dict[str, Any]:
    """`partner` accepts an invite from `participant`; returns the accept response (`supporting.id` is the
    partnership's id)."""
    created = await invite(participant, mutual=mutual)
    response = await partner.post(f"{INVITES}/accept", json={"token": created["token"]})
    assert response.status_code == 201, response.text
    accepted: dict[str, Any] = response.json()
    return accepted


create_action = partial(actions.create_action, defaults={**actions.DAILY_ACTION, "visibility": "partners"})
"""A key action due every day at 08:00 local time since Monday 2026-02-23, shared with partners unless told
otherwise."""


async def check_in(caller: Caller, action: dict[str, Any], at: str, **fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "keyActionId": action["id"],
        "occurrenceAt": at,
        "result": "done",
        **fields,
    }
    response = await caller.post(CHECK_INS, json=body)
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made
