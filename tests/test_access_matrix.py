"""The access matrix: every endpoint of the API times five callers, with the status class each must get.

Callers: the owner of the resources in the path or body; the owner's partner; someone else's partner; a
signed-in stranger; an anonymous caller. Each row builds one request from a fresh world (see `World`), sends
it as each caller in turn (anonymous, stranger, other partner, partner, owner: the owner last, so nobody
else's success can hide a failure), and checks the status class. No non-owner success may carry anything
private of the owner's. `test_every_api_endpoint_has_a_row` fails when an endpoint has no row (or a row no
endpoint), so a new endpoint cannot ship unexamined.

Expectations: `2xx`, `4xx`, or an exact code. Ids in a path belonging to someone else answer 404 (as ids that
do not exist); a partner's write on the participant's own side of a partnership answers 403. Ids of someone
else's carried in a body answer 4xx naming the field (422), as everywhere else in the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from sqlalchemy import select

from followthrough.actions.models import Occurrence
from followthrough.actlinks import ActPurpose, act_token, link_row, store_links
from followthrough.clock import FrozenClock
from followthrough.deliveries.models import Delivery
from followthrough.enums import ChannelKind, DeliveryStatus, Event
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from followthrough.signing import sign
from tests.conftest import Caller, Callers, Database
from tests.support.apps import SharedApps
from tests.support.partners import check_in, create_action, invite, partner_up
from tests.support.receivers import RECEIVER_ALLOWED_HOSTS, HttpReceiver, http_receiver

__all__ = ["http_receiver"]

API = "/api/v1"
ROLES = ("anonymous", "stranger", "other_partner", "partner", "owner")
PRIVATE_TITLE = "Quietly update my CV"
PRIVATE_NOTE = "a note only for me"
BARRIER_DETAIL = "a detail only for me"


@pytest.fixture
async def app(settings: Settings, clock: FrozenClock, shared_apps: SharedApps) -> Litestar:
    return await shared_apps.serve(replace(settings, channel_allowed_hosts=RECEIVER_ALLOWED_HOSTS), clock)


async def _sent_reminder_link(db: Any, settings: Settings, channel: Channel, key_action_id: UUID) -> str:
    """A reminder sent to the owner's channel, with its act link, as the worker leaves them."""
    now = datetime(2026, 3, 2, 8, tzinfo=UTC)
    occurrence = await db.scalar(
        select(Occurrence).where(Occurrence.key_action_id == key_action_id).order_by(Occurrence.due_at)
    )
    delivery = Delivery(
        participant_id=channel.participant_id,
        event=Event.REMINDER_DUE,
        subject_key=f"occurrence:{occurrence.id}:0",
        occurrence_id=occurrence.id,
        channel_id=channel.id,
        due_at=now,
        status=DeliveryStatus.SENT,
        next_attempt_at=now,
        sent_at=now,
        payload={"keyActionTitle": "shown"},
    )
    db.add(delivery)
    await db.flush()
    token = act_token(settings.resolved_secret_key, delivery.id)
    await store_links(
        db,
        [
            link_row(
                token=token,
                purpose=ActPurpose.REMINDER,
                participant_id=channel.participant_id,
                delivery_id=delivery.id,
                occurrence_id=occurrence.id,
                expires_at=now + timedelta(days=30),
                now=now,
            )
        ],
    )
    return token


def _older_one_tap_link(settings: Settings, partnership: str, now: datetime) -> str:
    """The signed one-tap link digests carried before act links."""
    expires = now + timedelta(days=settings.one_tap_link_days)
    return "/api/v1/encourage/" + sign(
        settings.resolved_secret_key, "encourage", {"s": partnership, "m": 0, "n": uuid4().hex}, expires
    )


@dataclass
class World:
    callers: dict[str, Caller]
    ids: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, key: str) -> str:
        return self.ids[key]


async def build_world(callers: Callers, database: Database, app: Litestar, receiver: HttpReceiver) -> World:
    """The owner with one of everything, their partner, someone else's partner, and a stranger."""
    owner = await callers.participant(name="Owner")
    partner = await callers.participant(name="Pat")
    other_partner = await callers.participant(name="Olive")
    third = await callers.participant(name="Third")
    stranger = await callers.participant(name="Stranger")
    world = World(
        {
            "owner": owner,
            "partner": partner,
            "other_partner": other_partner,
            "stranger": stranger,
            "anonymous": callers.anonymous(),
        }
    )
    partnership = str((await partner_up(owner, partner))["supporting"]["id"])
    await partner_up(third, other_partner)
    barrier = await owner.post(
        f"{API}/barriers", json={"title": "No budget", "level": "organization", "detail": BARRIER_DETAIL}
    )
    action = await create_action(owner, barrierId=barrier.json()["id"])
    private = await create_action(owner, title=PRIVATE_TITLE, visibility="private")
    made = await check_in(owner, action, "2026-03-02T08:00:00Z", note=PRIVATE_NOTE)
    await check_in(owner, private, "2026-03-02T08:00:00Z", note=PRIVATE_NOTE)
    review = await owner.post(
        f"{API}/weekly-reviews", json={"id": str(uuid4()), "confidence": 3, "weekStart": "2026-02-23"}
    )
    reflection = await owner.post(f"{API}/reflections", json={"answers": {"personal": "I wait"}})
    token = await owner.post(f"{API}/account/tokens", json={"name": "script"})
    pending = await invite(owner)
    encouragement = await partner.post(
        f"{API}/supporting/{partnership}/encouragements", json={"message": "Go", "keyActionId": action["id"]}
    )
    async with database() as db:
        channel = Channel(
            participant_id=UUID(owner.id),
            kind=ChannelKind.APPRISE,
            label="Hook",
            url=receiver.json_url(),
            masked_url="json://127.0.0.1/...",
            events=["reminder.due"],
        )
        db.add(channel)
        await db.flush()
        channel_id = str(channel.id)
        act_link = await _sent_reminder_link(db, app.state.settings, channel, UUID(action["id"]))
    for response in (barrier, review, reflection, token, encouragement):
        assert response.status_code == 201, response.text
    settings: Settings = app.state.settings
    world.ids.update(
        partnership=partnership,
        barrier=barrier.json()["id"],
        key_action=action["id"],
        check_in=made["id"],
        review=review.json()["review"]["id"],
        reflection=reflection.json()["reflection"]["id"],
        token=token.json()["id"],
        invite=pending["invite"]["id"],
        invite_token=pending["token"],
        encouragement=encouragement.json()["id"],
        channel=channel_id,
        one_tap=_older_one_tap_link(settings, partnership, app.state.clock.now()),
        act_link=act_link,
        receiver=receiver.json_url("/new"),
    )
    return world


Request = Callable[[World, Caller], tuple[str, Any]]


@dataclass(frozen=True)
class Row:
    request: Request
    """The URL (and JSON body) to send, given the world and the caller."""
    expect: tuple[str, str, str, str, str]
    """Owner, partner, other partner, stranger, anonymous."""
    fresh: bool = False
    """A new world for each caller: one caller's success would change what the next one meets."""


# Owner's resource by id; the caller's own account or collection; open to all; partnership sides.
OWNED = ("2xx", "404", "404", "404", "401")
SELF = ("2xx", "2xx", "2xx", "2xx", "401")
OPEN = ("2xx", "2xx", "2xx", "2xx", "2xx")
PARTICIPANT_SIDE = ("2xx", "403", "404", "404", "401")
PARTNER_SIDE = ("403", "2xx", "404", "404", "401")
BODY_IDS = ("2xx", "4xx", "4xx", "4xx", "401")
REFUSED = ("4xx", "4xx", "4xx", "4xx", "4xx")


def url(template: str, body: Any = None) -> Request:
    """`template` with `{name}` filled from the world's ids."""
    return lambda world, _caller: (API + template.format(**world.ids), body)


def url_with(template: str, make_body: Callable[[World, Caller], Any]) -> Request:
    return lambda world, caller: (API + template.format(**world.ids), make_body(world, caller))


def check_in_body(world: World, _caller: Caller) -> dict[str, Any]:
    return {
        "id": str(uuid4()),
        "keyActionId": world["key_action"],
        "occurrenceAt": "2026-03-01T08:00:00Z",
        "result": "done",
    }


def sign_in_body(_world: World, caller: Caller) -> dict[str, Any]:
    return {"email": caller.email or "nobody@example.com", "password": caller.password or "a guess"}


SCHEDULE = {"kind": "once", "dueAt": "2026-03-10T09:00:00"}

MATRIX: dict[tuple[str, str], Row] = {
    # Accounts
    ("POST", "/auth/sign-up"): Row(
        url_with(
            "/auth/sign-up",
            lambda _w, _c: {
                "email": f"new-{uuid4().hex[:10]}@example.com",
                "password": "correct horse battery",
                "displayName": "New",
                "timeZone": "Europe/London",
            },
        ),
        OPEN,
    ),
    ("GET", "/auth/registration"): Row(url("/auth/registration"), OPEN),
    # Single sign-on is off in these tests' settings (tests/test_sso.py runs it against a real provider):
    # its routes refuse everyone alike, and nobody has a linked identity to unlink.
    ("GET", "/auth/methods"): Row(url("/auth/methods"), OPEN),
    ("POST", "/auth/trusted-header"): Row(url("/auth/trusted-header", {}), REFUSED),
    ("GET", "/auth/oidc/start"): Row(url("/auth/oidc/start"), REFUSED),
    ("GET", "/auth/oidc/callback"): Row(url("/auth/oidc/callback"), REFUSED),
    ("GET", "/account/identities"): Row(url("/account/identities"), SELF),
    ("POST", "/account/identities/oidc/link"): Row(url("/account/identities/oidc/link", {}), REFUSED),
    ("DELETE", "/account/identities/{identity_id:uuid}"): Row(url(f"/account/identities/{uuid4()}"), REFUSED),
    ("POST", "/auth/sign-in"): Row(
        url_with("/auth/sign-in", sign_in_body), ("2xx", "2xx", "2xx", "2xx", "401")
    ),
    ("POST", "/auth/sign-out"): Row(url("/auth/sign-out"), SELF),
    ("GET", "/auth/session"): Row(url("/auth/session"), SELF),
    ("GET", "/account"): Row(url("/account"), SELF),
    ("PATCH", "/account"): Row(url("/account", {"displayName": "Renamed"}), SELF),
    ("POST", "/account/password"): Row(
        url_with(
            "/account/password",
            lambda _w, caller: {
                "currentPassword": caller.password or "x",
                "newPassword": "another fine password",
            },
        ),
        SELF,
    ),
    ("POST", "/account/delete"): Row(
        url_with("/account/delete", lambda _w, caller: {"password": caller.password or "x"}), SELF
    ),
    ("GET", "/account/tokens"): Row(url("/account/tokens"), SELF),
    ("POST", "/account/tokens"): Row(url("/account/tokens", {"name": "another"}), SELF),
    ("DELETE", "/account/tokens/{token_id:uuid}"): Row(url("/account/tokens/{token}"), OWNED),
    ("GET", "/account/export"): Row(url("/account/export"), SELF),
    ("GET", "/account/export.zip"): Row(url("/account/export.zip"), SELF),
    ("POST", "/imports/followthrough"): Row(
        url("/imports/followthrough", {"formatVersion": 1, "participant": {}}), SELF
    ),
    ("POST", "/imports/loop"): Row(
        url("/imports/loop", {"files": {"Habits.csv": "Position,Name,NumRepetitions,Interval\n"}}), SELF
    ),
    # Barriers and reflections
    ("GET", "/barriers"): Row(url("/barriers"), SELF),
    ("POST", "/barriers"): Row(url("/barriers", {"title": "Mine", "level": "personal"}), SELF),
    ("GET", "/barriers/{barrier_id:uuid}"): Row(url("/barriers/{barrier}"), OWNED),
    ("PATCH", "/barriers/{barrier_id:uuid}"): Row(url("/barriers/{barrier}", {"title": "Changed"}), OWNED),
    ("DELETE", "/barriers/{barrier_id:uuid}"): Row(url("/barriers/{barrier}"), OWNED),
    ("GET", "/barriers/{barrier_id:uuid}/history"): Row(url("/barriers/{barrier}/history"), OWNED),
    ("GET", "/reflections"): Row(url("/reflections"), SELF),
    ("POST", "/reflections"): Row(url("/reflections", {"answers": {"industry": "Slow"}}), SELF),
    ("GET", "/reflections/questions"): Row(url("/reflections/questions"), SELF),
    ("GET", "/reflections/side-by-side"): Row(url("/reflections/side-by-side"), SELF),
    ("GET", "/reflections/{reflection_id:uuid}"): Row(url("/reflections/{reflection}"), OWNED),
    ("DELETE", "/reflections/{reflection_id:uuid}"): Row(url("/reflections/{reflection}"), OWNED),
    # Key actions, today, progress
    ("GET", "/key-actions"): Row(url("/key-actions"), SELF),
    ("POST", "/key-actions"): Row(url("/key-actions", {"title": "Mine", "schedule": SCHEDULE}), SELF),
    ("GET", "/key-actions/{key_action_id:uuid}"): Row(url("/key-actions/{key_action}"), OWNED),
    ("PATCH", "/key-actions/{key_action_id:uuid}"): Row(
        url("/key-actions/{key_action}", {"title": "X"}), OWNED
    ),
    ("DELETE", "/key-actions/{key_action_id:uuid}"): Row(url("/key-actions/{key_action}"), OWNED),
    ("POST", "/key-actions/{key_action_id:uuid}/status"): Row(
        url("/key-actions/{key_action}/status", {"status": "paused", "reason": "A break"}), OWNED
    ),
    ("GET", "/key-actions/{key_action_id:uuid}/history"): Row(
        url("/key-actions/{key_action}/history"), OWNED
    ),
    ("GET", "/key-actions/{key_action_id:uuid}/occurrences"): Row(
        url("/key-actions/{key_action}/occurrences"), OWNED
    ),
    ("GET", "/key-actions/{key_action_id:uuid}/progress"): Row(
        url("/key-actions/{key_action}/progress"), OWNED
    ),
    ("GET", "/today"): Row(url("/today"), SELF),
    ("GET", "/progress"): Row(url("/progress"), SELF),
    # Check-ins and weekly reviews
    ("GET", "/check-ins"): Row(url("/check-ins"), SELF),
    ("POST", "/check-ins"): Row(url_with("/check-ins", check_in_body), BODY_IDS),
    ("GET", "/check-ins/{check_in_id:uuid}"): Row(url("/check-ins/{check_in}"), OWNED),
    ("PATCH", "/check-ins/{check_in_id:uuid}"): Row(
        url("/check-ins/{check_in}", {"result": "partly"}), OWNED
    ),
    ("DELETE", "/check-ins/{check_in_id:uuid}"): Row(url("/check-ins/{check_in}"), OWNED),
    ("GET", "/weekly-reviews"): Row(url("/weekly-reviews"), SELF),
    ("POST", "/weekly-reviews"): Row(
        url_with("/weekly-reviews", lambda _w, _c: {"id": str(uuid4()), "confidence": 4}), SELF
    ),
    ("GET", "/weekly-reviews/current"): Row(url("/weekly-reviews/current"), SELF),
    ("GET", "/weekly-reviews/{review_id:uuid}"): Row(url("/weekly-reviews/{review}"), OWNED),
    # Notifications (helpers A and B)
    ("GET", "/channels"): Row(url("/channels"), SELF),
    ("POST", "/channels"): Row(url_with("/channels", lambda world, _c: {"url": world["receiver"]}), SELF),
    ("GET", "/channels/{channel_id:uuid}"): Row(url("/channels/{channel}"), OWNED),
    ("PATCH", "/channels/{channel_id:uuid}"): Row(url("/channels/{channel}", {"label": "Renamed"}), OWNED),
    ("DELETE", "/channels/{channel_id:uuid}"): Row(url("/channels/{channel}"), OWNED),
    ("POST", "/channels/{channel_id:uuid}/test"): Row(url("/channels/{channel}/test"), OWNED),
    # The world's channel is an Apprise one: only a webhook has a signing secret to rotate (422, `kind`).
    ("POST", "/channels/{channel_id:uuid}/rotate-secret"): Row(
        url("/channels/{channel}/rotate-secret"), ("4xx", "404", "404", "404", "401")
    ),
    ("GET", "/push/vapid-public-key"): Row(url("/push/vapid-public-key"), OPEN),
    ("GET", "/deliveries"): Row(url("/deliveries"), SELF),
    # A snooze link's token is the permission; a forged one is refused for everyone alike.
    ("GET", "/snooze/{token:str}"): Row(url("/snooze/forged.token?for=1h"), REFUSED),
    ("POST", "/snooze/{token:str}"): Row(url("/snooze/forged.token?for=1h"), REFUSED),
    # Partners
    ("GET", "/invites"): Row(url("/invites"), SELF),
    ("POST", "/invites"): Row(url("/invites", {"mutual": True}), SELF),
    ("DELETE", "/invites/{invite_id:uuid}"): Row(url("/invites/{invite}"), OWNED),
    # The token is the permission: anyone signed in who holds it may accept, once.
    ("POST", "/invites/accept"): Row(
        url_with("/invites/accept", lambda world, _c: {"token": world["invite_token"]}),
        ("422", "409", "2xx", "2xx", "401"),
        fresh=True,
    ),
    # Looking without using: open to anyone holding the token, signed in or not, any number of times.
    ("POST", "/invites/preview"): Row(
        url_with("/invites/preview", lambda world, _c: {"token": world["invite_token"]}), OPEN
    ),
    ("GET", "/partnerships"): Row(url("/partnerships"), SELF),
    ("GET", "/partnerships/{partnership_id:uuid}"): Row(url("/partnerships/{partnership}"), PARTICIPANT_SIDE),
    ("PATCH", "/partnerships/{partnership_id:uuid}"): Row(
        url("/partnerships/{partnership}", {"shareDetails": True, "showEmail": True}), PARTICIPANT_SIDE
    ),
    ("DELETE", "/partnerships/{partnership_id:uuid}"): Row(
        url("/partnerships/{partnership}"), ("2xx", "2xx", "404", "404", "401"), fresh=True
    ),
    ("GET", "/partnerships/{partnership_id:uuid}/preview"): Row(
        url("/partnerships/{partnership}/preview"), PARTICIPANT_SIDE
    ),
    ("GET", "/supporting"): Row(url("/supporting"), SELF),
    ("GET", "/supporting/{partnership_id:uuid}"): Row(url("/supporting/{partnership}"), PARTNER_SIDE),
    ("PATCH", "/supporting/{partnership_id:uuid}"): Row(
        url("/supporting/{partnership}", {"missedNudges": True}), PARTNER_SIDE
    ),
    ("POST", "/supporting/{partnership_id:uuid}/encouragements"): Row(
        url_with(
            "/supporting/{partnership}/encouragements",
            lambda world, _c: {"message": "Well done", "keyActionId": world["key_action"]},
        ),
        PARTNER_SIDE,
    ),
    ("GET", "/encouragements"): Row(url("/encouragements"), SELF),
    ("PATCH", "/encouragements/{encouragement_id:uuid}"): Row(
        url("/encouragements/{encouragement}", {"hidden": True}), PARTICIPANT_SIDE
    ),
    # The signed link is the permission; a GET only looks, and only the first POST posts.
    ("GET", "/encourage/{token:str}"): Row(lambda world, _c: (world["one_tap"], None), OPEN),
    ("POST", "/encourage/{token:str}"): Row(lambda world, _c: (world["one_tap"], None), OPEN),
    # Act links: the token is the permission, for whoever holds the message; a forged one is refused alike.
    ("GET", "/act/{token:str}"): Row(url("/act/{act_link}"), OPEN),
    ("POST", "/act/{token:str}"): Row(url("/act/{act_link}", {"choice": "snooze_1h"}), OPEN),
    ("POST", "/act/{token:str}/undo"): Row(url("/act/{act_link}/undo"), OPEN),
    # The caller's own calendar feed; nobody has one in this world, so turning it off finds none.
    ("GET", "/calendar-feed"): Row(url("/calendar-feed"), SELF),
    ("POST", "/calendar-feed"): Row(url("/calendar-feed"), SELF),
    ("DELETE", "/calendar-feed"): Row(url("/calendar-feed"), ("404", "404", "404", "404", "401")),
}


def api_endpoints(app: Litestar) -> set[tuple[str, str]]:
    """Every (method, path) an HTTP handler under /api/v1 answers, the automatic OPTIONS and HEAD aside."""
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API + "/"):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                found.add((method, route.path.removeprefix(API)))
    return found


def matches(expected: str, status: int) -> bool:
    if expected.endswith("xx"):
        return status // 100 == int(expected[0])
    return status == int(expected)


async def test_every_api_endpoint_has_a_row(app: Litestar) -> None:
    endpoints = api_endpoints(app)
    missing = sorted(endpoints - MATRIX.keys())
    stale = sorted(MATRIX.keys() - endpoints)
    assert not missing, f"endpoints without a row in the access matrix: {missing}"
    assert not stale, f"rows for endpoints that do not exist: {stale}"


@pytest.mark.parametrize("endpoint", sorted(MATRIX), ids=lambda endpoint: " ".join(endpoint))
async def test_each_caller_gets_what_the_matrix_says(
    endpoint: tuple[str, str],
    app: Litestar,
    callers: Callers,
    database: Database,
    http_receiver: HttpReceiver,
) -> None:
    method, _ = endpoint
    row = MATRIX[endpoint]
    expected = dict(
        zip(("owner", "partner", "other_partner", "stranger", "anonymous"), row.expect, strict=True)
    )
    world = None
    seen: dict[str, int] = {}
    for role in ROLES:
        if world is None or row.fresh:
            world = await build_world(callers, database, app, http_receiver)
        caller = world.callers[role]
        target, body = row.request(world, caller)
        response = await caller.request(method, target, json=body)
        seen[role] = response.status_code
        assert response.status_code < 500, (role, response.text)
        if role != "owner" and response.status_code < 300:
            owner = world.callers["owner"]
            for secret in (owner.email, PRIVATE_TITLE, PRIVATE_NOTE, BARRIER_DETAIL):
                assert secret not in response.text, (role, secret)
    wrong = {role: status for role, status in seen.items() if not matches(expected[role], status)}
    assert not wrong, f"{method} {endpoint[1]}: expected {expected}, got {seen}"
