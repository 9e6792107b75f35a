"""The container image: it builds the PWA on a supported Node LTS, carries only the three Swagger UI files
the API docs serve, and never sends node_modules or the venv to the Docker build.

There is no Docker engine in the test environment, so these tests read the Dockerfile and .dockerignore,
and run the app with a swagger-ui-py static folder pruned the way the Dockerfile prunes it.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest
from litestar.testing import TestClient

from followthrough import app as app_module
from followthrough.app import DOCS_ASSETS, create_app
from followthrough.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()

# End of life of each Node.js LTS line, from https://github.com/nodejs/Release (README, schedule).
# Node 20 (Iron) ended on 2026-04-30. Add the next line here when moving the image to it.
NODE_LTS_END_OF_LIFE = {
    22: date(2027, 4, 30),  # Jod, maintenance since 2025-10-21
    24: date(2028, 4, 30),  # Krypton, maintenance since 2026-10-20
    26: date(2029, 4, 30),  # Lithium, active LTS since 2026-10-28
}


def _dockerfile_arg(name: str) -> str:
    match = re.search(rf'^ARG {name}="?([^"\n]*)"?$', DOCKERFILE, re.MULTILINE)
    assert match, f"the Dockerfile has no ARG {name}"
    return match.group(1)


def _served_by_the_prune_step() -> set[str]:
    return set(_dockerfile_arg("SWAGGER_UI_SERVED").split())


def _docs_client(static_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The app as the image runs it, its swagger_ui package's static folder being `static_dir`."""
    package = tmp_path / "swagger_ui"
    package.mkdir()
    shutil.copytree(static_dir, package / "static")
    monkeypatch.setattr(app_module, "files", lambda name: package)
    settings = Settings(data_dir=tmp_path / "data", secret_key="test-secret-key", channel_key="k")
    return TestClient(create_app(settings))


def test_the_pwa_is_built_on_a_node_lts_that_is_still_supported() -> None:
    image = _dockerfile_arg("NODE_IMAGE")
    match = re.fullmatch(r"node:(\d+)-slim", image)
    assert match, f"NODE_IMAGE {image!r} should be pinned by major, node:<major>-slim"
    major = int(match.group(1))
    assert major in NODE_LTS_END_OF_LIFE, f"Node {major} is not an LTS line listed here"
    # A deliberate expiry: the day the line loses support this fails and names what to do.
    assert date.today() < NODE_LTS_END_OF_LIFE[major], f"Node {major} is out of support: move to a newer LTS"


def test_the_runtime_image_takes_only_the_built_pwa_from_the_node_stage() -> None:
    copies_from_pwa = re.findall(r"^COPY --from=pwa (\S+) (\S+)$", DOCKERFILE, re.MULTILINE)
    assert copies_from_pwa == [("/src/pwa/dist", "/app/pwa/dist")]


def test_the_prune_step_keeps_exactly_the_files_the_docs_page_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    installed = Path(str(files("swagger_ui") / "static"))
    with _docs_client(installed, tmp_path, monkeypatch) as client:
        page = client.get("/schema/swagger")
    assert page.status_code == 200
    loaded = set(re.findall(rf"{DOCS_ASSETS}/([\w.-]+)", page.text))
    served = {"swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"}
    assert loaded == _served_by_the_prune_step() == served


def test_the_docs_work_with_only_the_kept_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = Path(str(files("swagger_ui") / "static"))
    pruned = tmp_path / "pruned"
    pruned.mkdir()
    for name in _served_by_the_prune_step():
        shutil.copy(installed / name, pruned / name)
    with _docs_client(pruned, tmp_path, monkeypatch) as client:
        assert client.get("/schema/swagger").status_code == 200
        for name in _served_by_the_prune_step():
            response = client.get(f"{DOCS_ASSETS}/{name}")
            assert response.status_code == 200, name
            assert response.content == (installed / name).read_bytes()
        assert client.get(f"{DOCS_ASSETS}/swagger-editor-bundle.js").status_code == 404


def test_the_prune_step_runs_in_the_build_stage_before_the_venv_is_copied() -> None:
    build_stage = DOCKERFILE.split(" AS build\n", 1)[1].split("\nFROM ", 1)[0]
    assert "swagger_ui/static" in build_stage
    assert "COPY --from=build /app/.venv /app/.venv" in DOCKERFILE


@pytest.mark.parametrize("pattern", ["**/node_modules", ".venv", ".git", "data", "test-artifacts"])
def test_the_build_context_leaves_out_local_packages_and_data(pattern: str) -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert pattern in ignored
