"""The OpenAPI document as a contract: it says what the server does, derived from the handlers themselves.

- Error responses. Every 4xx and 5xx has one body (`errors.ErrorBody`). Which statuses a handler can answer
  follows from what it is: signed-in handlers can answer 401, writes through a cookie session 403 (CSRF),
  handlers with an id in the path or a body 404, writes 409 and 413, and handlers that check a password
  (`opt={"rate_limited": True}`) 401 or 403 for a wrong one and 429.
- Public operations (`exclude_from_auth`) say `security: []`, so clients know they need no token.
- Request objects refuse unknown fields (`forbid_unknown_fields`), and say `additionalProperties: false`.
- Generic wire types get readable names: `KeyActionPage`, not
  `Page_followthrough.actions.schemas.KeyActionOut_`.
- OPTIONS answers list every method of the path, as the document does.
- Bodies are read as strictly as the document types them (`refuse_loose_types`): `0` is not a boolean.

Keeping them honest keeps the generated PWA types and the schemathesis runs (tests/test_schemathesis.py and
tests/contract/run_schemathesis.py) honest about what the API really answers.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field, fields
from typing import Any

import msgspec
from litestar import Litestar, Request
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPI, Schema
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

from followthrough.actions.schedule import FIRST_YEAR, LAST_YEAR
from followthrough.errors import ErrorBody, MalformedInput
from followthrough.schemas import local_date_pattern

DATE_IN_SCHEDULE_YEARS = local_date_pattern(FIRST_YEAR, LAST_YEAR)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorBody, description=description, generate_examples=False)


def error_statuses(handler: HTTPRouteHandler, has_path_parameters: bool) -> dict[int, str]:
    """The error statuses this handler can answer, each with what it means here."""
    methods = handler.http_methods
    statuses = {
        400: "The request could not be read: malformed JSON, a wrong type, or an unknown field",
        422: "The request breaks a rule; `errors` names each field and the rule",
    }
    if not handler.opt.get("exclude_from_auth"):
        statuses[401] = "Not signed in, or the session or token has expired"
        if methods & WRITE_METHODS:
            statuses[403] = "A cookie-session write without the right X-CSRF-Token header"
    if handler.opt.get("rate_limited"):
        statuses[401 if handler.opt.get("exclude_from_auth") else 403] = "Wrong email or password"
        statuses[429] = "Too many failed attempts; Retry-After says when to try again"
    if has_path_parameters or methods & BODY_METHODS:
        # Bodies refer to other resources too (a check-in names its key action).
        statuses[404] = "No such resource among the participant's own"
    if methods & WRITE_METHODS:
        statuses[409] = "Conflicts with stored data (a duplicate, or a replay with a different body)"
    if methods & BODY_METHODS:
        statuses[413] = "The body is larger than the server accepts"
    return statuses


def document_contract(app: Litestar) -> None:
    """Adds the error responses to every documented handler and notes the public ones; the document itself is
    built on first request."""
    config = app.openapi_config
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        _list_every_method_in_options(route)
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            documented = {
                status: _spec(description)
                for status, description in error_statuses(handler, bool(route.path_parameters)).items()
            }
            handler.responses = {**documented, **(handler.responses or {})}
            if isinstance(config, ContractOpenAPIConfig) and handler.opt.get("exclude_from_auth"):
                operation_id = handler.operation_id
                config.public_operations.add(
                    operation_id if isinstance(operation_id, str) else handler.handler_name
                )


def _list_every_method_in_options(route: HTTPRoute) -> None:
    """Litestar 2 answers OPTIONS with the methods of the first handler registered on a path only (litestar
    issue 4169, fixed in Litestar 3): its OPTIONS handler reads the methods of the route as it was then. Point
    that stale route at this one's methods."""
    handler, _ = route.route_handler_map.get("OPTIONS", (None, None))
    if handler is None or handler.handler_name != "options_handler":
        return  # an OPTIONS handler of our own
    stale = inspect.getclosurevars(handler.fn).nonlocals.get("self")
    # The stale route was built under the controller, so its path is the controller's own ("/account").
    if isinstance(stale, HTTPRoute) and stale is not route and stale.methods <= route.methods:
        stale.methods = route.methods


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Msgspec structs as Litestar documents them, plus `additionalProperties: false` on the ones that refuse
    unknown fields (`schemas.Schema`, the base of every request body)."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        config = getattr(field_definition.type_, "__struct_config__", None)
        if isinstance(config, msgspec.structs.StructConfig) and config.forbid_unknown_fields:
            schema.additional_properties = False
        _keep_zero_bounds(field_definition.type_, schema)
        return schema


_BOUNDS = {"ge": "minimum", "gt": "exclusive_minimum", "le": "maximum", "lt": "exclusive_maximum"}


def _number_type(info: Any) -> msgspec.inspect.IntType | msgspec.inspect.FloatType | None:
    if isinstance(info, msgspec.inspect.Metadata):
        return _number_type(info.type)
    if isinstance(info, msgspec.inspect.UnionType):
        for option in info.types:
            if number := _number_type(option):
                return number
        return None
    return info if isinstance(info, msgspec.inspect.IntType | msgspec.inspect.FloatType) else None


def _keep_zero_bounds(struct: Any, schema: Schema) -> None:
    """Litestar drops a bound of 0 (`ge=0`, `gt=0`) as if unset, since it tests the value for truth; put it
    back, so `0 = Monday` and `target > 0` are in the document."""
    info = msgspec.inspect.type_info(struct)
    for struct_field in getattr(info, "fields", ()):
        number = _number_type(struct_field.type)
        documented = (schema.properties or {}).get(struct_field.encode_name)
        if number is None or not isinstance(documented, Schema):
            continue
        for bound, key in _BOUNDS.items():
            if getattr(number, bound) == 0 and getattr(documented, key) is None:
                setattr(documented, key, 0)


# Litestar names a generic struct after its argument's module, as in
# `Page_followthrough.actions.schemas.KeyActionOut_`; this is `KeyActionPage`.
_GENERIC_NAME = re.compile(r"^(?P<generic>[A-Za-z]+)_(?:\w+\.)*(?P<argument>[A-Za-z0-9]+?)(?:Out)?_$")


def _readable_names(names: list[str]) -> dict[str, str]:
    renamed = {}
    for name in names:
        if match := _GENERIC_NAME.match(name):
            renamed[name] = match["argument"] + match["generic"]
    clashes = set(renamed.values()) & (set(names) - renamed.keys())
    if clashes or len(set(renamed.values())) != len(renamed):
        raise ValueError(f"generic schema names clash once made readable: {sorted(clashes) or renamed}")
    return renamed


def _drop_null(schema: dict[str, Any]) -> None:
    """A required parameter cannot be null: its `oneOf: [X, null]` (from an optional Python type whose absence
    the service refuses itself, naming the field) becomes X."""
    options = [option for option in schema.get("oneOf", []) if option != {"type": "null"}]
    if "oneOf" in schema and len(options) == 1:
        del schema["oneOf"]
        schema.update(options[0])


def _bound_dates(schema: dict[str, Any]) -> None:
    """Every date a query names is refused outside the years schedules use (`checkins.ranges.checked_date`,
    which keeps date arithmetic inside Python's calendar); the pattern says so."""
    for option in [schema, *schema.get("oneOf", [])]:
        if option.get("format") == "date":
            option["pattern"] = DATE_IN_SCHEDULE_YEARS


def _rename_references(value: Any, references: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            key: references.get(item, item) if key == "$ref" else _rename_references(item, references)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rename_references(item, references) for item in value]
    return value


def finish_document(document: dict[str, Any], public_operations: set[str]) -> dict[str, Any]:
    """The document Litestar generated, with what it cannot say itself (see the module docstring)."""
    for path_item in document.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            if operation.get("operationId") in public_operations:
                operation["security"] = []
            for parameter in operation.get("parameters", []):
                if parameter.get("required"):
                    _drop_null(parameter["schema"])
                _bound_dates(parameter["schema"])
    schemas = document.get("components", {}).get("schemas", {})
    renamed = _readable_names(list(schemas))
    for old, new in renamed.items():
        schemas[new] = schemas.pop(old)
        schemas[new]["title"] = new
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    prefix = "#/components/schemas/"
    finished: dict[str, Any] = _rename_references(
        document, {prefix + old: prefix + new for old, new in renamed.items()}
    )
    return finished


@dataclass
class ContractDocument(OpenAPI):
    """The generated document; `to_schema` (what /schema/openapi.json serves and the PWA's types are made
    from) finishes it."""

    public_operations: set[str] = field(default_factory=set)

    @property
    def _exclude_fields(self) -> set[str]:
        return {"public_operations"}

    def to_schema(self) -> dict[str, Any]:
        return finish_document(super().to_schema(), self.public_operations)


@dataclass
class ContractOpenAPIConfig(OpenAPIConfig):
    """Litestar's OpenAPI settings, building a `ContractDocument`."""

    public_operations: set[str] = field(default_factory=set)
    """Operation ids that need no sign-in; `document_contract` fills it in."""

    def to_openapi_schema(self) -> OpenAPI:
        generated = super().to_openapi_schema()
        generated_fields = {item.name: getattr(generated, item.name) for item in fields(generated)}
        return ContractDocument(**generated_fields, public_operations=self.public_operations)


# msgspec's message for a value of the wrong type: "Expected `bool`, got `int` - at `$.mutual`".
_AT_PATH = re.compile(r"^(?P<message>.+?) - at `\$\.?(?P<path>[^`]*)`$")


def _integral_floats_as_ints(value: Any) -> Any:
    # JSON Schema's integer includes 5.0, and the document says integer.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {key: _integral_floats_as_ints(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_integral_floats_as_ints(item) for item in value]
    return value


async def refuse_loose_types(
    connection: ASGIConnection[Any, Any, Any, Any], route_handler: BaseRouteHandler
) -> None:
    """A guard: Litestar converts bodies leniently (`0` becomes false, `"5"` becomes 5), which the document
    does not say; refuse, as a 400 naming the field, a body whose values are not of the documented types."""
    data = route_handler.parsed_fn_signature.parameters.get("data")
    if data is None or not isinstance(connection, Request):
        return
    try:
        decoded = msgspec.json.decode(await connection.body())
    except msgspec.DecodeError:
        return  # malformed JSON or no body: Litestar's own decoding answers it
    try:
        msgspec.convert(_integral_floats_as_ints(decoded), type=data.annotation, strict=True)
    except msgspec.ValidationError as error:
        found = _AT_PATH.match(str(error))
        if found is None or not found["message"].startswith("Expected `"):
            return  # not a question of type: the handler's own validation names it as usual
        raise MalformedInput(found["path"] or "body", found["message"]) from None
