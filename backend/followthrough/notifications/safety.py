"""Keep channels from reaching into the installation's own network (SSRF).

A channel URL is chosen by any participant, and the server sends to it. Without a guard, a participant
could make the server talk to its loopback services, the private network or the cloud metadata endpoint.
Two layers:

- `check_url` runs when a channel is saved and before each send: it finds the hosts the Apprise plugin
  will connect to, parses IP literals in every legacy form, resolves names, and refuses when ANY address
  is refused. It names the reason, for a 422 or a permanent send error.
- at connection time, every name is checked as it resolves: by `native.GuardedResolver` for the sends made
  with aiohttp (web hooks, Web Push), and by `egress.guarded()` for Apprise's own transports. This covers
  what the first layer cannot see: HTTP redirects, DNS that changed since the check, and plugins whose
  destination is not in a `host` attribute.

The operator may allow named hosts and networks (`settings.channel_allowed_hosts`), e.g. a self-hosted
ntfy on the LAN. Cloud metadata addresses are refused even then.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from followthrough.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "metadata.azure.internal",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
    }
)
CGNAT = ipaddress.ip_network("100.64.0.0/10")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

Resolver = Callable[[str], Awaitable[list[IPAddress]]]


class UnsafeDestination(Exception):
    """The channel would reach an address it must not. `reason` is safe to show and log (no secrets)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------------------------------
# Addresses


def parse_ip_literal(host: str) -> IPAddress | None:
    """An IP address written in any form a resolver accepts (`127.1`, `0x7f000001`, `0177.0.0.1`,
    `2130706433`, `[::ffff:127.0.0.1]`, `fe80::1%eth0`), or None for a host name."""
    text = host.strip().strip("[]").split("%", 1)[0].rstrip(".")
    if not text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    return _legacy_ipv4(text)


def _legacy_ipv4(text: str) -> ipaddress.IPv4Address | None:
    """inet_aton's forms: one to four parts, each decimal, 0x-hex or 0-octal; the last fills the rest."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        lowered = part.lower()
        try:
            if lowered.startswith("0x"):
                numbers.append(int(lowered[2:], 16))
            elif len(lowered) > 1 and lowered.startswith("0"):
                numbers.append(int(lowered, 8))
            else:
                numbers.append(int(lowered, 10) if lowered.isdigit() else -1)
        except ValueError:
            return None
        if numbers[-1] < 0:
            return None
    *head, last = numbers
    if any(number > 255 for number in head) or last >= 256 ** (4 - len(head)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, compatible, 6to4, NAT64), which is what gets reached."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64 or address in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refused_reason(address: IPAddress) -> str | None:
    """Why the address must not be reached, or None when it is a public one."""
    if address in METADATA_ADDRESSES:
        return f"{address} is a cloud metadata address"
    if isinstance(address, ipaddress.IPv6Address):
        if address.is_loopback or address.is_unspecified:
            kind = "loopback" if address.is_loopback else "unspecified"
            return f"{address} is the {kind} address"
        inner = embedded_ipv4(address)
        if inner is not None:
            reason = refused_reason(inner)
            return None if reason is None else f"{address} embeds {reason}"
        if address in NAT64_LOCAL:
            return f"{address} is a local NAT64 address"
        if address.is_site_local:
            return f"{address} is a site-local address"
    if address.is_loopback:
        return f"{address} is a loopback address"
    if address.is_unspecified:
        return f"{address} is the unspecified address"
    if address.is_link_local:
        return f"{address} is a link-local address"
    if address.is_multicast:
        return f"{address} is a multicast address"
    if address in CGNAT:
        return f"{address} is a shared (carrier-grade NAT) address"
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.ip_network("fc00::/7"):
        return f"{address} is a unique-local address"
    if address.is_reserved:
        return f"{address} is a reserved address"
    if address.is_private:
        return f"{address} is a private address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


# --------------------------------------------------------------------------------------------------
# The operator's allow list


@dataclass(frozen=True)
class AllowList:
    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    def allows_name(self, host: str) -> bool:
        return _normal_name(host) in self.names

    def allows_host(self, host: str) -> bool:
        """The host is allowed by name, or is an IP literal in an allowed network."""
        literal = parse_ip_literal(host)
        return self.allows_address(literal) if literal is not None else self.allows_name(host)

    def allows_address(self, address: IPAddress) -> bool:
        if address in METADATA_ADDRESSES:
            return False
        return any(address.version == network.version and address in network for network in self.networks)


@lru_cache(maxsize=8)
def allow_list(raw: str) -> AllowList:
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for entry in (item.strip() for item in raw.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(_normal_name(entry))
    return AllowList(frozenset(names), tuple(networks))


def _normal_name(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


# --------------------------------------------------------------------------------------------------
# Checking a destination


async def system_resolver(host: str) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = parse_ip_literal(str(sockaddr[0]))
        if address is not None and address not in found:
            found.append(address)
    return found


def check_address(host: str, address: IPAddress, allowed: AllowList) -> None:
    reason = refused_reason(address)
    if reason is not None and not allowed.allows_address(address):
        shown = "" if parse_ip_literal(host) is not None else f"{host} resolves to "
        raise UnsafeDestination(f"{shown}{reason}; channels may not reach it")


def check_name(host: str, allowed: AllowList) -> None:
    """Refusals that need no resolver: metadata names and `localhost` (RFC 6761), unless allowed."""
    name = _normal_name(host)
    if name in METADATA_NAMES or (name.endswith(".internal") and name.startswith("metadata")):
        raise UnsafeDestination(f"{name} is a cloud metadata host; channels may not reach it")
    if allowed.allows_name(name):
        return
    if name == "localhost" or name.endswith(".localhost"):
        raise UnsafeDestination(f"{name} is this machine; channels may not reach it")


async def check_host(host: str, settings: Settings, resolver: Resolver = system_resolver) -> None:
    """Refuse the host when it is, or resolves to, any refused address. A name that does not resolve
    (in time) is let through: nothing can reach it, the send will say so, and the guard checks again."""
    allowed = allow_list(settings.channel_allowed_hosts)
    literal = parse_ip_literal(host)
    if literal is not None:
        check_address(host, literal, allowed)
        return
    check_name(host, allowed)
    if allowed.allows_name(host):
        return
    try:
        addresses = await asyncio.wait_for(resolver(host), timeout=settings.send_timeout_seconds)
    except (OSError, UnicodeError, ValueError, TimeoutError):
        return
    for address in addresses:
        check_address(host, address, allowed)


def plugin_hosts(plugin: Any) -> list[str]:
    """The hosts an instantiated Apprise plugin connects to, as far as its attributes say.

    Plugins with a `host` URL token connect to it (json://, ntfy://, gotify://, matrix://...), except
    ntfy's cloud mode where the "host" is a topic; email connects to its SMTP server. Services with a
    fixed API (tgram://, discord://, slack://) use the URL's host part for a token: their destination
    is a public host, and `egress.guarded()` still checks whatever they resolve.
    """
    hosts: list[str] = []
    smtp_host = getattr(plugin, "smtp_host", None)
    if isinstance(smtp_host, str) and smtp_host:
        hosts.append(smtp_host)
    elif "host" in getattr(plugin, "template_tokens", {}) and getattr(plugin, "mode", None) != "cloud":
        host = getattr(plugin, "host", None)
        if isinstance(host, str) and host:
            hosts.append(host)
    return hosts


async def check_plugin(plugin: Any, settings: Settings, resolver: Resolver = system_resolver) -> None:
    for host in plugin_hosts(plugin):
        await check_host(host, settings, resolver)
