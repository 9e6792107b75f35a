"""Schemathesis against the app's own OpenAPI document, signed in with a personal API token.

Every operation gets a bounded number of generated requests, valid and invalid. The run fails on any server
error, on any response whose status code the document does not list, and on any body or content type that
breaks the document. It runs on SQLite only (one database is enough to test the contract, and its own
database keeps the fuzzed rows away from the other tests); the participant has a demo year of data, and path
parameters are drawn from that participant's real ids as well as random ones, so updates reach real rows.

The operations that would end the run's own sign-in (deleting the account, changing the password, revoking
tokens, signing out) are left out; their own tests cover them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from followthrough import migrate
from followthrough.app import create_app
from followthrough.clock import FrozenClock
from followthrough.database import alchemy_config, metadata, session_scope
from followthrough.demo import load_demo
from followthrough.identity.auth import API_TOKEN_PREFIX, hash_token, new_token
from followthrough.identity.models import ApiToken, Participant
from followthrough.settings import Settings
from tests.contract import st_hooks  # noqa: F401  (registers the document's custom formats, as the CLI does)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EMAIL = "fuzz@example.com"
# Per operation; raise it for a deeper run: FUZZ_EXAMPLES=200 pytest tests/test_schemathesis.py
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
LEFT_OUT = ["deleteAccount", "changePassword", "signOut", "revokeApiToken"]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, status_code_conformance]

pytestmark = pytest.mark.slow


@dataclass
class Target:
    app: Litestar
    token: str
    ids: list[str]
    """Ids of the participant's own rows (key actions, barriers, check-ins, ...), except its API token."""


async def _prepare(settings: Settings) -> tuple[str, list[str]]:
    await load_demo(settings, email=EMAIL, password="fuzzing password", now=NOW)
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            participant = await session.scalar(select(Participant).where(Participant.email == EMAIL))
            assert participant is not None
            token = new_token(API_TOKEN_PREFIX)
            session.add(
                ApiToken(
                    participant_id=participant.id,
                    name="schemathesis",
                    token_hash=hash_token(token),
                    token_prefix=token[:10],
                )
            )
            ids: list[str] = []
            for table in metadata.sorted_tables:
                if "participant_id" in table.columns and table.name not in {"api_token", "auth_session"}:
                    rows = await session.scalars(
                        select(table.c.id).where(table.c.participant_id == participant.id).limit(20)
                    )
                    ids += [str(row_id) for row_id in rows]
    finally:
        await config.get_engine().dispose()
    return token, ids


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    fuzz_settings = Settings(data_dir=data_dir, secret_key="schemathesis-secret", password_hash_cost="low")
    migrate.upgrade(fuzz_settings)
    token, ids = asyncio.run(_prepare(fuzz_settings))
    yield Target(create_app(fuzz_settings, FrozenClock(NOW)), token, ids)
    # The app ran in schemathesis's own event loop thread; end its lifespan (and engine) there.
    asgi.shutdown_lifespans()


def _is_id(name: str, value: Any) -> bool:
    if not name.lower().endswith("id") or not isinstance(value, str):
        return False
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def _fuzz(operation: APIOperation, target: Target) -> None:
    """Up to MAX_EXAMPLES requests: valid and invalid ones, with random or real ids in the path."""
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=cases, use_real_ids=st.booleans(), real_id=st.sampled_from(target.ids))
    def run(case: Case, use_real_ids: bool, real_id: str) -> None:
        if use_real_ids and case.path_parameters:
            for name, value in list(case.path_parameters.items()):
                if _is_id(name, value):
                    case.path_parameters[name] = real_id
        case.call_and_validate(headers={"authorization": f"Bearer {target.token}"}, checks=CHECKS)

    run()


def test_the_api_answers_every_request_as_its_openapi_document_says(target: Target) -> None:
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", target.app).exclude(operation_id=LEFT_OUT)
    failures: list[str] = []
    tested = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tested += 1
        try:
            _fuzz(operation, target)
        except (Exception, BaseExceptionGroup) as error:  # every operation is fuzzed; failures come together
            failures.append(f"{operation.label}:\n{error}")
    assert tested > 20
    assert not failures, f"{len(failures)} of {tested} operations failed:\n\n" + "\n\n".join(failures)
