"""The aiohttp send path: web hooks sent from a kept-alive aiohttp pool on the event loop, against real
local receivers. Connections are reused, redirects are followed (and checked) hop by hop, names
are checked as they resolve, and a slow receiver holds up nobody else."""

from __future__ import annotations

import asyncio
import dataclasses
import socket

import pytest
import requests
from aiohttp.abc import AbstractResolver, ResolveResult

from followthrough.notifications import native, safety, transport, web
from followthrough.notifications.messages import Message
from tests.support.channels import LOCAL_ALLOWED, STRICT, apprise_channel
from tests.support.receivers import HttpReceiver, http_receiver

__all__ = ["http_receiver"]

MESSAGE = Message(title="Now: Ask for the budget", body="Due Mon 2 Mar, 08:00.", url="http://x/today")
FAST = dataclasses.replace(STRICT, send_timeout_seconds=1, channel_allowed_hosts="127.0.0.1")


class FakeDns(AbstractResolver):
    """Stands in for DNS: every name resolves to one address; the names asked are kept."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        found = ResolveResult(hostname=host, host=self.address, port=port, family=family, proto=0, flags=0)
        return [found]

    async def close(self) -> None:
        pass


# --------------------------------------------------------------------------------------------------
# The pool


async def test_sequential_sends_share_one_kept_alive_connection(http_receiver: HttpReceiver) -> None:
    channel = apprise_channel(http_receiver.json_url())
    for _ in range(10):
        await transport.send(channel, MESSAGE, LOCAL_ALLOWED)
    assert len(http_receiver.requests) == 10
    assert len({request.peer for request in http_receiver.requests}) == 1


async def test_concurrent_sends_all_arrive_each_with_its_own_message(http_receiver: HttpReceiver) -> None:
    channel = apprise_channel(http_receiver.json_url())
    messages = [dataclasses.replace(MESSAGE, title=f"Title {n}", body=f"Body {n}") for n in range(20)]
    await asyncio.gather(*(transport.send(channel, message, LOCAL_ALLOWED) for message in messages))
    received = sorted(
        (request.json()["title"], request.json()["message"]) for request in http_receiver.requests
    )
    assert received == sorted((message.title, message.body) for message in messages)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])  # another host; the same host on another port
async def test_a_redirect_to_another_allowed_origin_is_followed_without_the_credentials(
    http_receiver: HttpReceiver, host: str
) -> None:
    target = HttpReceiver().start()
    try:
        http_receiver.redirect_next(1, f"http://{host}:{target.port}/next")
        url = f"json://user:secretpass@127.0.0.1:{http_receiver.port}/hook"
        await transport.send(apprise_channel(url), MESSAGE, LOCAL_ALLOWED)
        [first] = http_receiver.requests
        [redirected] = target.requests
        assert first.status == 307
        assert first.headers["authorization"].startswith("Basic ")
        assert redirected.path == "/next"
        assert redirected.method == "POST"
        assert redirected.json()["message"] == MESSAGE.body
        assert "authorization" not in redirected.headers
    finally:
        target.close()


async def test_a_server_error_is_a_passing_failure_naming_the_status(http_receiver: HttpReceiver) -> None:
    http_receiver.fail_next(1, status=500)
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(apprise_channel(http_receiver.json_url()), MESSAGE, LOCAL_ALLOWED)
    assert not failed.value.permanent
    assert "HTTP 500" in failed.value.message
    assert len(http_receiver.requests) == 1


async def test_a_hanging_receiver_does_not_hold_up_another_send(http_receiver: HttpReceiver) -> None:
    hanging = HttpReceiver().start()
    finished: list[str] = []

    async def send(name: str, receiver: HttpReceiver) -> None:
        try:
            await transport.send(apprise_channel(receiver.json_url()), MESSAGE, FAST)
        finally:
            finished.append(name)

    try:
        hanging.hang_next(1)
        stalled = asyncio.create_task(send("hanging", hanging))
        await hanging.wait_for(1)  # its request is in flight before the quick one starts
        await send("quick", http_receiver)
        with pytest.raises(transport.TransportError) as failed:
            await stalled
        assert finished == ["quick", "hanging"]
        assert "No answer within 1 second" in failed.value.message
        assert len(http_receiver.requests) == 1
    finally:
        hanging.close()


async def test_a_json_hook_sends_what_apprise_would_with_the_persons_headers_query_and_fields(
    http_receiver: HttpReceiver,
) -> None:
    """Checked byte for byte against Apprise's own `send()` for these URLs (and form://, xml://)."""
    url = f"json://user:pw@{http_receiver.address}/p/q?+X-Token=abc&-key=v&:extra=1&:title=subject&:type="
    await transport.send(apprise_channel(url), MESSAGE, LOCAL_ALLOWED)
    [request] = http_receiver.requests
    assert (request.method, request.path) == ("POST", "/p/q?key=v")
    assert request.headers["user-agent"] == "Apprise"
    assert request.headers["x-token"] == "abc"
    assert request.headers["authorization"] == "Basic dXNlcjpwdw=="
    assert request.json() == {
        "version": "1.0",
        "message": MESSAGE.body,
        "attachments": [],
        "extra": "1",
        "subject": MESSAGE.title,
    }


async def test_a_form_hook_by_get_puts_the_message_in_the_query(http_receiver: HttpReceiver) -> None:
    url = f"form://{http_receiver.address}/f?method=GET&-a=b"
    await transport.send(apprise_channel(url), MESSAGE, LOCAL_ALLOWED)
    [request] = http_receiver.requests
    assert request.method == "GET"
    assert request.path.startswith("/f?version=1.0&title=Now:+Ask+for+the+budget&message=Due+Mon+2+Mar")
    assert request.path.endswith("&type=info&a=b")


async def test_an_xml_hook_escapes_the_message(http_receiver: HttpReceiver) -> None:
    message = dataclasses.replace(MESSAGE, title="<Ask> & “budget”")
    await transport.send(apprise_channel(f"xml://{http_receiver.address}/x"), message, LOCAL_ALLOWED)
    [request] = http_receiver.requests
    assert request.headers["content-type"] == "application/xml"
    assert "<Subject>&lt;Ask&gt; &amp; “budget”</Subject>" in request.body.decode()
    assert "<MessageType>info</MessageType>" in request.body.decode()


# --------------------------------------------------------------------------------------------------
# Safety


async def test_the_resolver_refuses_a_name_resolving_to_a_private_address_and_says_why() -> None:
    resolver = native.GuardedResolver(safety.allow_list(""), resolver=FakeDns("10.0.0.5"))
    with pytest.raises(native.RefusedConnection, match="refused by the channel safety rules") as refused:
        await resolver.resolve("intranet.example.com", 80)
    assert refused.value.reason.startswith("intranet.example.com resolves to 10.0.0.5 is a private address")


async def test_the_resolver_lets_a_name_on_the_allow_list_through() -> None:
    dns = FakeDns("10.0.0.5")
    resolver = native.GuardedResolver(safety.allow_list("intranet.example.com"), resolver=dns)
    [found] = await resolver.resolve("intranet.example.com", 80)
    assert (found["host"], found["port"]) == ("10.0.0.5", 80)
    assert dns.asked == ["intranet.example.com"]


async def test_the_resolver_refuses_localhost_by_name_without_asking_dns() -> None:
    dns = FakeDns("127.0.0.1")
    resolver = native.GuardedResolver(safety.allow_list(""), resolver=dns)
    with pytest.raises(OSError, match="refused by the channel safety rules"):
        await resolver.resolve("localhost", 80)
    assert dns.asked == []


async def test_a_send_to_localhost_is_refused_permanently_and_nothing_arrives(
    http_receiver: HttpReceiver,
) -> None:
    with pytest.raises(transport.TransportError) as refused:
        await transport.send(apprise_channel(f"json://localhost:{http_receiver.port}/hook"), MESSAGE, STRICT)
    assert refused.value.permanent
    assert "localhost is this machine" in refused.value.message
    assert http_receiver.requests == []


async def test_every_send_sharing_a_refused_lookup_is_refused(http_receiver: HttpReceiver) -> None:
    """aiohttp runs one lookup for simultaneous connections to a host; each send must still know why."""
    channel = apprise_channel(f"json://localhost:{http_receiver.port}/hook")
    outcomes = await asyncio.gather(
        *(transport.send(channel, MESSAGE, STRICT) for _ in range(3)), return_exceptions=True
    )
    for outcome in outcomes:
        assert isinstance(outcome, transport.TransportError)
        assert outcome.permanent
        assert "localhost is this machine" in outcome.message


# --------------------------------------------------------------------------------------------------
# Scope


async def test_a_web_send_leaves_requests_as_it_was(http_receiver: HttpReceiver) -> None:
    before = requests.api.request
    await transport.send(apprise_channel(http_receiver.json_url()), MESSAGE, LOCAL_ALLOWED)
    assert requests.api.request is before
    assert requests.request is before
    url = f"http://{http_receiver.address}/plain"
    response = await asyncio.to_thread(requests.post, url, json={"plain": True}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    _, request = http_receiver.requests
    assert request.json() == {"plain": True}
    assert "python-requests" in request.headers["user-agent"]  # requests and urllib3 sent it, not aiohttp


@pytest.mark.parametrize("url", ["json://example.com/hook", "form://example.com/hook", "xml://example.com/"])
def test_web_plugins_are_sent_with_aiohttp(url: str) -> None:
    assert web.supports(transport.instantiate(url))
    assert transport.transport_for(apprise_channel(url)) is transport.HTTP


def test_email_still_goes_through_apprise_threads() -> None:
    assert not web.supports(transport.instantiate("mailto://user:pass@example.com"))
    assert transport.transport_for(apprise_channel("mailto://user:pass@example.com")) is transport.APPRISE
