"""The receivers open in this process, shared by the blocks that use them.

Two blocks asking for the same port (nested blocks, or a block opened while
the previous one is still in its grace period) share one receiver; every block
asking for "any port", and every block whose worker processes send spans
back, share one receiver on a free port. A receiver closes when its last user
lets go of it.
"""

from __future__ import annotations

import os
import threading
import time

from .receiver import CLOSE_WAIT_S, OtlpReceiver

_lock = threading.Lock()
_open: dict[tuple[str, int], tuple[OtlpReceiver, int]] = {}  # (host, asked port) -> receiver, users
# Fixed ports whose receiver is closing right now -> set once it has closed and the port is free.
_closing: dict[tuple[str, int], threading.Event] = {}
CLOSING_WAIT_S = 2 * CLOSE_WAIT_S + 1  # what ``OtlpReceiver.close`` takes at most, and a margin


def acquire(host: str, port: int, max_bytes: int, allow_non_loopback: bool = False) -> OtlpReceiver:
    """A receiver on ``host:port`` (port 0: the shared one on a free port), opened if needed.

    A fixed port that the last block using it is still closing is waited for (a bounded wait):
    opening it before it is free would fail.
    """
    key = (host, port)
    deadline = time.monotonic() + CLOSING_WAIT_S
    while True:
        with _lock:
            closing = _closing.get(key)
            if closing is None or time.monotonic() >= deadline:
                return _acquire_locked(key, max_bytes, allow_non_loopback)
        closing.wait(max(deadline - time.monotonic(), 0))


def _acquire_locked(key: tuple[str, int], max_bytes: int, allow_non_loopback: bool) -> OtlpReceiver:
    entry = _open.get(key)
    if entry is None or entry[0].closed:
        receiver = OtlpReceiver(*key, max_bytes=max_bytes, allow_non_loopback=allow_non_loopback)
        entry = (receiver, 0)
    receiver, users = entry
    _open[key] = (receiver, users + 1)
    return receiver


def release(receiver: OtlpReceiver) -> None:
    """One user fewer; the last one out closes the receiver and frees its port."""
    closed = threading.Event()
    with _lock:
        for key, (open_receiver, users) in list(_open.items()):
            if open_receiver is receiver:
                if users > 1:
                    _open[key] = (receiver, users - 1)
                    return
                del _open[key]
                if key[1] != 0:  # a free port is never asked for again: only a fixed one is waited for
                    _closing[key] = closed
                break
    try:
        receiver.close()  # outside the lock: other ports open and close meanwhile
    finally:
        with _lock:
            for key in [key for key, event in _closing.items() if event is closed]:
                del _closing[key]
        closed.set()


def open_receivers() -> list[OtlpReceiver]:
    with _lock:
        return [receiver for receiver, _ in _open.values()]


def _forget_after_fork() -> None:
    # A forked child serves none of the parent's receivers (see receiver.forget_in_child), and the
    # lock may have been held by a parent thread at the fork: the child starts with a fresh one.
    global _lock, _open, _closing
    _lock = threading.Lock()
    _open = {}
    _closing = {}


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)
