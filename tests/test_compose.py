"""compose.yaml: valid against the Compose specification, and every long-running service has a health check
that means something (the API is ready, the worker's heartbeat is fresh)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def services() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text())["services"])


def test_compose_yaml_follows_the_compose_specification() -> None:
    result = subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_api_is_healthy_when_it_is_ready_to_reach_its_database() -> None:
    check = services()["api"]["healthcheck"]
    assert check["test"][:2] == ["CMD", "python"]
    assert "http://127.0.0.1:8000/health/ready" in check["test"][-1]


def test_a_worker_is_healthy_while_its_heartbeat_is_fresh() -> None:
    worker = services()["worker"]
    assert worker["healthcheck"]["test"] == ["CMD", "followthrough", "worker", "--check"]
    assert "9464" in worker["expose"]


def test_services_wait_for_what_they_need() -> None:
    defined = services()
    assert defined["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("api", "worker"):
        assert defined[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_images_own_health_check_asks_whether_the_api_is_ready() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "/health/ready" in dockerfile.split("HEALTHCHECK", 1)[1].split("\n\n", 1)[0]
