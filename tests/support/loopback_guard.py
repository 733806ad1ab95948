"""Proof that a process talks to loopback only: an audit hook on every socket lookup and connect.

``guard_loopback()`` installs a ``sys.addaudithook`` hook (it cannot be removed,
so call it in a process of its own). A DNS lookup or connect to anything but
127.0.0.0/8, ::1, ``localhost`` or a Unix socket is recorded and refused
before a byte leaves: frameworks that phone home (telemetry, trace ingestion,
price updates) fail quietly instead, and the test asserts the record is empty.
"""

from __future__ import annotations

import ipaddress
import sys
from typing import Any

_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: Any) -> bool:
    if host is None:  # getaddrinfo(None, port): the local wildcard
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    host = str(host).strip("[]").lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def guard_loopback() -> list[str]:
    """Refuse non-loopback lookups and connects from now on; returns the list of attempts."""
    attempts: list[str] = []

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.getaddrinfo":
            host = args[0]
        elif event == "socket.connect":
            address = args[1]
            if not isinstance(address, tuple):  # a Unix socket path
                return
            host = address[0]
        else:
            return
        if not is_loopback(host):
            attempts.append(f"{event} {host}")
            raise ConnectionRefusedError(f"test process is loopback-only: {event} to {host!r} refused")

    sys.addaudithook(hook)
    return attempts
