"""Write the backend's OpenAPI document to pwa/src/api/openapi.json without starting a server.

Run from the repository root: `.venv/bin/python pwa/scripts/dump_openapi.py` (add `--check` to fail when the
committed file differs from what the backend serves).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from followthrough.app import create_app
from followthrough.settings import Settings

TARGET = Path(__file__).resolve().parent.parent / "src" / "api" / "openapi.json"


def render() -> str:
    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(data_dir=Path(data_dir)))
        schema = app.openapi_schema.to_schema()
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            print(
                f"{TARGET} is out of date: run pwa/scripts/dump_openapi.py and npm run gen:api",
                file=sys.stderr,
            )
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
