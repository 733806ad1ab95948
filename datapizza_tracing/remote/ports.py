"""The receivers open in this process, shared by the blocks that use them.

Two blocks asking for the same port (nested blocks, or a block opened while
the previous one is still in its grace period) share one receiver; every block
asking for "any port", and every block whose worker processes send spans
back, share one receiver on a free port. A receiver closes when its last user
lets go of it.
"""

from __future__ import annotations

import threading

from .receiver import OtlpReceiver

_lock = threading.Lock()
_open: dict[tuple[str, int], tuple[OtlpReceiver, int]] = {}  # (host, asked port) -> receiver, users


def acquire(host: str, port: int, max_bytes: int, allow_non_loopback: bool = False) -> OtlpReceiver:
    """A receiver on ``host:port`` (port 0: the shared one on a free port), opened if needed."""
    key = (host, port)
    with _lock:
        entry = _open.get(key)
        if entry is None or entry[0].closed:
            receiver = OtlpReceiver(host, port, max_bytes=max_bytes, allow_non_loopback=allow_non_loopback)
            entry = (receiver, 0)
        receiver, users = entry
        _open[key] = (receiver, users + 1)
        return receiver


def release(receiver: OtlpReceiver) -> None:
    """One user fewer; the last one out closes the receiver and frees its port."""
    with _lock:
        for key, (open_receiver, users) in list(_open.items()):
            if open_receiver is receiver:
                if users > 1:
                    _open[key] = (receiver, users - 1)
                    return
                del _open[key]
                break
    receiver.close()


def open_receivers() -> list[OtlpReceiver]:
    with _lock:
        return [receiver for receiver, _ in _open.values()]
