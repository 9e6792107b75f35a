"""A real OpenID provider for tests (tests/oidc/provider.mjs, panva's node-oidc-provider) and a tiny browser
that signs in on its development login and consent pages.

    with running_provider(redirect_uri) as provider:
        callback = await sign_in_at_provider(authorization_url, "someone@example.com")

`./run test` installs the provider's packages (`npm ci` in tests/oidc).
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "followthrough"
CLIENT_SECRET = "followthrough-secret"
START_TIMEOUT_SECONDS = 20.0
_FORM_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_PROMPT = re.compile(r'name="prompt" value="([a-z]+)"')


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_provider(redirect_uri: str) -> Iterator[Provider]:
    """Starts the provider on a free port, waits until its discovery document answers, and stops it."""
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        raise RuntimeError(f"run `npm ci` in {PROVIDER_DIR} first (./run test does)")
    port = free_port()
    process = subprocess.Popen(
        ["node", "provider.mjs", str(port)],
        cwd=PROVIDER_DIR,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "OIDC_REDIRECT_URI": redirect_uri},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        _wait_for_discovery(issuer, process)
        yield Provider(issuer)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def _wait_for_discovery(issuer: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    with httpx.Client(timeout=1.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                errors = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the OpenID provider exited ({process.returncode}): {errors}")
            try:
                if client.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.02)  # polling a starting process: it answers within a second or so
    raise RuntimeError(f"the OpenID provider did not answer at {issuer} within {START_TIMEOUT_SECONDS} s")


async def sign_in_at_provider(
    authorization_url: str, login: str, app_origin: str = "http://testserver"
) -> str:
    """Follows the provider's pages as a browser would: sign in as `login`, consent, and return the URL it
    sends the browser back to (the app's callback, on `app_origin`)."""
    async with httpx.AsyncClient(timeout=10.0) as browser:
        url = authorization_url
        response = await browser.get(url)
        for _ in range(12):
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if url.startswith(app_origin):
                    return url
                response = await browser.get(url)
                continue
            action, prompt = _FORM_ACTION.search(response.text), _PROMPT.search(response.text)
            if response.status_code != 200 or action is None or prompt is None:
                raise AssertionError(
                    f"unexpected provider page {response.status_code}: {response.text[:500]}"
                )
            form = {"prompt": prompt.group(1)}
            if form["prompt"] == "login":
                form |= {"login": login, "password": "any password"}
            url = urljoin(url, action.group(1))
            response = await browser.post(url, data=form)
    raise AssertionError("the provider never sent the browser back")
