"""Channels may not reach the installation's own network: every spelling of a refused address, names that
resolve there, redirects, and the check repeated at send time."""

from __future__ import annotations

import dataclasses
import socket

import apprise
import pytest

from followthrough.notifications import egress, safety, transport
from followthrough.notifications.messages import Message
from tests.conftest import Caller
from tests.support.channels import LOCAL_ALLOWED, STRICT, apprise_channel
from tests.support.receivers import HttpReceiver, http_receiver

__all__ = ["http_receiver"]

MESSAGE = Message(title="Hello", body="Body", url="http://127.0.0.1:8000/today")

REFUSED_HOSTS = [
    # loopback, in every spelling a resolver accepts
    ("127.0.0.1", "loopback"),
    ("127.1", "loopback"),
    ("127.0.1", "loopback"),
    ("2130706433", "loopback"),
    ("0x7f000001", "loopback"),
    ("0x7f.0.0.1", "loopback"),
    ("0177.0.0.1", "loopback"),
    ("017700000001", "loopback"),
    ("127.255.255.254", "loopback"),
    ("[::1]", "loopback"),
    ("::1", "loopback"),
    ("0:0:0:0:0:0:0:1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),
    ("[::ffff:7f00:1]", "loopback"),
    ("::127.0.0.1", "loopback"),
    ("64:ff9b::127.0.0.1", "loopback"),
    ("2002:7f00:1::1", "loopback"),
    # unspecified
    ("0.0.0.0", "unspecified"),
    ("0", "unspecified"),
    ("::", "unspecified"),
    # private networks
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.1", "private"),
    ("192.168.1.1", "private"),
    ("0xc0a80101", "private"),
    ("3232235777", "private"),
    ("::ffff:10.0.0.1", "private"),
    ("2002:c0a8:101::", "private"),
    # carrier-grade NAT
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.254", "carrier-grade NAT"),
    # link-local and metadata
    ("169.254.1.1", "link-local"),
    ("fe80::1", "link-local"),
    ("fe80::1%eth0", "link-local"),
    ("169.254.169.254", "metadata"),
    ("0xa9fea9fe", "metadata"),
    ("2852039166", "metadata"),
    ("::ffff:169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"),
    ("metadata.google.internal", "metadata"),
    ("METADATA.google.internal.", "metadata"),
    ("metadata", "metadata"),
    # unique-local, site-local, multicast, reserved, documentation
    ("fd12:3456::1", "unique-local"),
    ("fc00::1", "unique-local"),
    ("fec0::1", "site-local"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "address"),
    ("192.0.2.10", "address"),
    ("198.18.0.1", "address"),
    # this machine by name
    ("localhost", "this machine"),
    ("api.localhost", "this machine"),
]

ALLOWED_HOSTS = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "[2001:4860:4860::8888]",
    "::ffff:8.8.8.8",
    "2002:0808:0808::1",
    "134744072",  # 8.8.8.8 as an integer
    "100.63.255.255",  # just below carrier-grade NAT
    "100.128.0.1",  # just above it
    "172.32.0.1",  # just outside 172.16/12
    "169.255.0.1",
]


@pytest.mark.parametrize(("host", "reason"), REFUSED_HOSTS)
async def test_refused_addresses_in_every_spelling(host: str, reason: str) -> None:
    with pytest.raises(safety.UnsafeDestination) as refused:
        await safety.check_host(host, STRICT)
    assert reason in refused.value.reason


@pytest.mark.parametrize("host", ALLOWED_HOSTS)
async def test_public_addresses_are_allowed(host: str) -> None:
    await safety.check_host(host, STRICT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("[::1]", "::1"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
        ("0x", None),
        ("08.1.1.1", None),
        ("123abc", None),
    ],
)
def test_ip_literals_are_read_the_way_resolvers_read_them(text: str, expected: str | None) -> None:
    parsed = safety.parse_ip_literal(text)
    assert (None if parsed is None else str(parsed)) == expected
    if expected is not None and ":" not in expected:
        # The system resolver agrees (inet_aton's rules).
        assert socket.inet_ntoa(socket.inet_aton(text.strip("[]"))) == expected


async def test_a_name_is_refused_when_any_of_its_addresses_is_refused() -> None:
    async def resolver(host: str) -> list[safety.IPAddress]:
        return [safety.parse_ip_literal("93.184.215.14"), safety.parse_ip_literal("10.0.0.5")]  # type: ignore[list-item]

    with pytest.raises(safety.UnsafeDestination) as refused:
        await safety.check_host("mixed.example.com", STRICT, resolver)
    assert refused.value.reason.startswith("mixed.example.com resolves to 10.0.0.5 is a private address")


async def test_a_name_that_resolves_only_to_public_addresses_is_allowed() -> None:
    async def resolver(host: str) -> list[safety.IPAddress]:
        return [safety.parse_ip_literal("93.184.215.14"), safety.parse_ip_literal("2606:2800::1")]  # type: ignore[list-item]

    await safety.check_host("public.example.com", STRICT, resolver)


async def test_the_system_resolver_is_consulted_for_names() -> None:
    # /etc/hosts maps localhost to loopback; the name rule is skipped when the name itself is allowed.
    by_name_only = dataclasses.replace(STRICT, channel_allowed_hosts="")
    with pytest.raises(safety.UnsafeDestination):
        await safety.check_host("localhost", by_name_only)
    assert {str(address) for address in await safety.system_resolver("localhost")} & {"127.0.0.1", "::1"}


async def test_the_operator_may_allow_named_hosts_and_networks() -> None:
    settings = dataclasses.replace(STRICT, channel_allowed_hosts="ntfy.home.lan, 192.168.1.0/24,fd00:1::/64")
    await safety.check_host("192.168.1.20", settings)
    await safety.check_host("0xc0a80114", settings)  # the same address, spelt in hex
    await safety.check_host("fd00:1::5", settings)
    await safety.check_host("NTFY.home.lan.", settings)
    with pytest.raises(safety.UnsafeDestination):
        await safety.check_host("192.168.2.1", settings)


async def test_metadata_addresses_stay_refused_even_inside_an_allowed_network() -> None:
    settings = dataclasses.replace(STRICT, channel_allowed_hosts="169.254.0.0/16,metadata.google.internal")
    await safety.check_host("169.254.1.1", settings)
    for host in ("169.254.169.254", "metadata.google.internal"):
        with pytest.raises(safety.UnsafeDestination):
            await safety.check_host(host, settings)


@pytest.mark.parametrize(
    ("url", "hosts"),
    [
        ("json://hooks.example.com/x", ["hooks.example.com"]),
        ("ntfys://ntfy.example.com/topic", ["ntfy.example.com"]),
        ("mailto://user:pw@example.com?smtp=smtp.example.net", ["smtp.example.net"]),
        ("mailto://user:pw@gmail.com", ["smtp.gmail.com"]),
        ("gotify://gotify.example.com/token1234567890", ["gotify.example.com"]),
        # Fixed public APIs: the host part of the URL is a token, not a destination.
        ("tgram://2130706433:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/12315544/", []),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", []),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general", []),
        ("ntfy://mytopic", []),
    ],
)
def test_the_hosts_a_plugin_connects_to(url: str, hosts: list[str]) -> None:
    plugin = apprise.Apprise.instantiate(url, suppress_exceptions=False)
    assert safety.plugin_hosts(plugin) == hosts


@pytest.mark.parametrize(
    "url",
    [
        "json://127.0.0.1:8080/hook",
        "form://[::1]/hook",
        "json://2130706433/",
        "ntfy://0x7f000001/topic",
        "mailto://user:pw@example.com?smtp=192.168.0.10",
        "gotify://169.254.169.254/token1234567890",
        "json://localhost/",
    ],
)
async def test_urls_reaching_private_addresses_are_refused(url: str) -> None:
    # The app's settings allow 127.0.0.1, ::1 and localhost for the local receivers; the check itself:
    with pytest.raises(safety.UnsafeDestination):
        await safety.check_plugin(apprise.Apprise.instantiate(url, suppress_exceptions=False), STRICT)


async def test_the_api_refuses_a_private_destination_naming_the_reason(owner: Caller) -> None:
    response = await owner.post("/api/v1/channels", json={"url": "json://0xa9fea9fe/latest/meta-data"})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "url"
    assert "169.254.169.254 is a cloud metadata address" in error["message"]


# --------------------------------------------------------------------------------------------------
# At send time


async def test_sending_re_checks_the_destination(http_receiver: HttpReceiver) -> None:
    channel = apprise_channel(http_receiver.json_url())
    await transport.send(channel, MESSAGE, LOCAL_ALLOWED)  # allowed when it was added...
    with pytest.raises(transport.TransportError) as refused:
        await transport.send(channel, MESSAGE, STRICT)  # ...but the operator no longer allows it
    assert refused.value.permanent
    assert "127.0.0.1 is a loopback address" in refused.value.message
    assert len(http_receiver.requests) == 1


async def test_a_redirect_to_a_refused_address_is_not_followed(http_receiver: HttpReceiver) -> None:
    target = HttpReceiver().start()
    try:
        only_the_first = dataclasses.replace(STRICT, channel_allowed_hosts="127.0.0.1")
        http_receiver.redirect_next(1, f"http://[::1]:{target.port}/stolen")
        with pytest.raises(transport.TransportError) as refused:
            await transport.send(apprise_channel(http_receiver.json_url()), MESSAGE, only_the_first)
        assert refused.value.permanent
        assert "::1 is the loopback address" in refused.value.message
        assert target.requests == []
    finally:
        target.close()


def test_the_connection_guard_only_acts_inside_a_send() -> None:
    with egress.guarded(STRICT) as refusals:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("127.0.0.1", 80)
        socket.getaddrinfo("8.8.8.8", 53)
    assert refusals == ["127.0.0.1 is a loopback address; channels may not reach it"]
    assert socket.getaddrinfo("127.0.0.1", 80)


async def test_an_invalid_stored_url_is_a_permanent_error() -> None:
    with pytest.raises(transport.TransportError) as failed:
        await transport.send(apprise_channel("nosuch://x"), MESSAGE, STRICT)
    assert failed.value.permanent
    assert failed.value.message == "nosuch:// is not a service Apprise knows"
