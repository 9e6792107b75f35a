"""The schemathesis CLI against a real `followthrough serve`, signed in with an API token made through the
API.

    .venv/bin/python tests/contract/run_schemathesis.py [extra `st run` options...]

It starts the server as its own process on a free port, with a fresh data folder, a demo participant (a year
of history, so ids in paths reach real rows) and the cheap password hash; signs in through the API, creates
a personal API token through the API, and runs `st run … --checks all` with it. The exit status is st's. The
server's log is kept in test-artifacts/schemathesis-server.log, st's reports in test-artifacts/schemathesis/.

tests/test_schemathesis.py is the in-process twin, with a pinned clock; this one drives the real HTTP
stack (uvicorn, middleware, compression) and every check st has, as an outside reviewer would.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"
EMAIL = "contract@example.com"
PASSWORD = "contract password"

# Operations that would end the run's own sign-in; their own tests cover them.
LEFT_OUT = ["deleteAccount", "changePassword", "signOut", "revokeApiToken"]
# Kept small enough that the whole run takes well under three minutes on two shared cores; raise it for a
# deeper run: ST_MAX_EXAMPLES=100 .venv/bin/python tests/contract/run_schemathesis.py
MAX_EXAMPLES = os.environ.get("ST_MAX_EXAMPLES", "10")
# No check is left out: the exceptions, each with its reason, are per operation in schemathesis.toml.
EXCLUDED_CHECKS: list[str] = []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# A guard against a server that never comes up, not a timing: seeding the demo's year of history on a
# machine busy with the other steps of `./run test` has taken over a minute.
def _wait_until_ready(base: str, server: subprocess.Popen[bytes], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=2) as answer:  # noqa: S310 (http only)
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server was not ready within {seconds:.0f} s")


def _api_token(base: str) -> str:
    """Signs in as the demo participant and creates a personal API token, both through the API."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def call(path: str, body: dict[str, str], headers: dict[str, str] | None = None) -> dict[str, str]:
        request = urllib.request.Request(  # noqa: S310 (http://127.0.0.1 only)
            f"{base}/api/v1{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **(headers or {})},
            method="POST",
        )
        with opener.open(request, timeout=30) as answer:
            result: dict[str, str] = json.loads(answer.read())
            return result

    session = call("/auth/sign-in", {"email": EMAIL, "password": PASSWORD})
    created = call("/account/tokens", {"name": "schemathesis"}, {"X-CSRF-Token": session["csrfToken"]})
    return created["token"]


def main() -> int:
    reports = ARTIFACTS / "schemathesis"
    reports.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="followthrough-st-") as data_dir:
        env = {
            **os.environ,
            "SCHEMATHESIS_HOOKS": "st_hooks",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
            "FOLLOWTHROUGH_DATA_DIR": data_dir,
            "FOLLOWTHROUGH_PASSWORD_HASH_COST": "low",
            "FOLLOWTHROUGH_SECRET_KEY": "schemathesis-secret",
            # Web Push on, as in any real installation, so its operations answer rather than 409.
            "FOLLOWTHROUGH_VAPID_SUBJECT": "mailto:contract@example.com",
        }
        followthrough = str(BIN / "followthrough")
        subprocess.run([followthrough, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run(
            [followthrough, "demo", "--email", EMAIL, "--password", PASSWORD],
            env=env,
            check=True,
            capture_output=True,
        )
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with (ARTIFACTS / "schemathesis-server.log").open("wb") as server_log:
            server = subprocess.Popen(
                [followthrough, "serve", "--port", str(port), "--no-worker"],
                env=env,
                stdout=server_log,
                stderr=subprocess.STDOUT,
            )
            try:
                _wait_until_ready(base, server)
                token = _api_token(base)
                command = [
                    str(BIN / "st"),
                    "--config-file",
                    str(HERE / "schemathesis.toml"),
                    "run",
                    f"{base}/schema/openapi.json",
                    "--checks",
                    "all",
                    *(["--exclude-checks", ",".join(EXCLUDED_CHECKS)] if EXCLUDED_CHECKS else []),
                    *[option for name in LEFT_OUT for option in ("--exclude-operation-id", name)],
                    "-H",
                    f"Authorization: Bearer {token}",
                    "--max-examples",
                    MAX_EXAMPLES,
                    "--seed",
                    os.environ.get("ST_SEED", "1"),
                    # The server refuses NUL in every string, as the document's description says (both
                    # databases then agree); no per-field pattern repeats that.
                    "--generation-allow-x00",
                    "false",
                    "--generation-database",
                    "none",
                    "--workers",
                    "2",
                    # Apprise loads its plugins on the first channel request: seconds on a busy machine.
                    "--request-timeout",
                    "30",
                    "--no-color",
                    "--report",
                    "junit",
                    "--report-dir",
                    str(reports),
                    *sys.argv[1:],
                ]
                shown = " ".join(command).replace(token, "$TOKEN")
                print(f"SCHEMATHESIS_HOOKS=st_hooks {shown}", file=sys.stderr, flush=True)
                # st keeps its crash cache in the folder it runs in: keep it with the reports.
                return subprocess.run(command, env=env, check=False, cwd=reports).returncode
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
