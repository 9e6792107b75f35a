"""A small real reverse proxy for tests: run as its own process, it forwards each request to one upstream
as nginx's `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for` would, appending the address the
request came from, and connects to the upstream from a chosen source address.

    python -m tests.support.proxy --upstream 127.0.0.1:8000 --source 127.0.0.5

It listens on 127.0.0.1 at a free port and prints `listening <port>` once it accepts connections. One
request per connection (it answers `Connection: close`), bodies by Content-Length only: enough for JSON
APIs, not a general proxy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

HOP_BY_HOP = {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}


async def forward(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream: tuple[str, int],
    source: str,
) -> None:
    try:
        head = await client_reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head[:-4].split(b"\r\n")
        headers: list[tuple[bytes, bytes]] = []
        forwarded_for: list[bytes] = []
        length = 0
        for line in header_lines:
            name, _, value = line.partition(b":")
            name, value = name.strip(), value.strip()
            lowered = name.lower()
            if lowered == b"x-forwarded-for":
                forwarded_for.append(value)
            elif lowered not in HOP_BY_HOP:
                headers.append((name, value))
            if lowered == b"content-length":
                length = int(value)
        body = await client_reader.readexactly(length)
        peer = client_writer.get_extra_info("peername")[0].encode()
        headers.append((b"X-Forwarded-For", b", ".join([*forwarded_for, peer])))
        headers.append((b"X-Forwarded-Proto", b"http"))
        headers.append((b"Connection", b"close"))
        reader, writer = await asyncio.open_connection(*upstream, local_addr=(source, 0))
        writer.write(request_line + b"\r\n" + b"".join(n + b": " + v + b"\r\n" for n, v in headers) + b"\r\n")
        writer.write(body)
        await writer.drain()
        # The upstream closes after its answer (Connection: close), so the answer is everything it sends.
        client_writer.write(await reader.read())
        await client_writer.drain()
        writer.close()
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        client_writer.close()
        with contextlib.suppress(ConnectionError):
            await client_writer.wait_closed()


async def serve(upstream: tuple[str, int], source: str) -> None:
    server = await asyncio.start_server(
        lambda reader, writer: forward(reader, writer, upstream, source), "127.0.0.1", 0
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="host:port to forward to")
    parser.add_argument("--source", required=True, help="the address upstream connections come from")
    arguments = parser.parse_args()
    host, _, port = arguments.upstream.rpartition(":")
    try:
        asyncio.run(serve((host, int(port)), arguments.source))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
