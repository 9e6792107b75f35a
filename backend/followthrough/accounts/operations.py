"""Operator actions from the CLI, through the same service and validation as the API."""

from __future__ import annotations

from typing import TypeVar

import click
import msgspec
from sqlalchemy import delete, select

from followthrough.accounts import schemas
from followthrough.clock import Clock
from followthrough.context import RequestContext
from followthrough.database import alchemy_config, session_scope
from followthrough.errors import DomainError
from followthrough.identity import AuthSession, IdentityService, Participant, SignUp, hash_password
from followthrough.settings import Settings

T = TypeVar("T")


async def create_participant(
    settings: Settings, email: str, display_name: str, time_zone: str, password: str
) -> Participant:
    data = _decode(
        SignUp,
        {"email": email, "displayName": display_name, "timeZone": time_zone, "password": password},
    )
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            return await IdentityService(RequestContext(session, Clock().now(), settings)).create_participant(
                data
            )
    except DomainError as error:
        raise click.ClickException(error.detail) from error
    finally:
        await config.get_engine().dispose()


async def reset_password(settings: Settings, email: str, password: str) -> None:
    _decode(schemas.PasswordChange, {"currentPassword": "-", "newPassword": password})
    config = alchemy_config(settings)
    try:
        async with session_scope(config) as session:
            participant = await session.scalar(select(Participant).where(Participant.email == email.lower()))
            if participant is None:
                raise click.ClickException(f"no account for {email}")
            participant.password_hash = await hash_password(password, settings.password_hash_cost)
            await session.execute(delete(AuthSession).where(AuthSession.participant_id == participant.id))
    finally:
        await config.get_engine().dispose()


def _decode(schema: type[T], values: dict[str, str]) -> T:
    try:
        return msgspec.convert(values, schema)
    except msgspec.ValidationError as error:
        raise click.ClickException(str(error)) from error
