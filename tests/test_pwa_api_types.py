"""The PWA's generated API types must match the API the backend serves (pwa/src/api/openapi.json is the
input of openapi-typescript; the vitest suite checks that schema.d.ts was generated from it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "pwa" / "scripts" / "dump_openapi.py"


def test_the_pwa_api_types_were_generated_from_the_backend_as_it_is_now() -> None:
    spec = importlib.util.spec_from_file_location("dump_openapi", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    dump = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dump)
    committed = (ROOT / "pwa" / "src" / "api" / "openapi.json").read_text()
    assert committed == dump.render(), (
        "pwa/src/api/openapi.json differs from the backend's schema: run "
        "`.venv/bin/python pwa/scripts/dump_openapi.py && (cd pwa && npm run gen:api)`"
    )
