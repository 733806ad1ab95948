"""A process forked while another thread holds one of the library's locks still runs.

Fork process pools fork from whatever thread submits, while other threads may
be opening or closing blocks. In the child those threads are gone but their
locks stay held: the after-fork hooks must take none of them, and what the
child does next (join a trace, open a receiver) must not either.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from opentelemetry.sdk.trace import TracerProvider

from datapizza_tracing.collect import flush
from datapizza_tracing.collect import provider as provider_module
from datapizza_tracing.collect.flush import flush_within
from datapizza_tracing.collect.provider import attach, ensure_collector
from datapizza_tracing.remote import child, ports

pytestmark = [pytest.mark.timeout(60), pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")]
assert child  # imported for its after-fork hook, as every block that follows processes imports it
CHILD_WAIT_S = 10.0  # a child that runs takes milliseconds; one that hangs never ends


def _held_by_another_thread(lock: Any) -> Callable[[], None]:
    """Hold ``lock`` on a helper thread until the returned function is called."""
    taken, done = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            taken.set()
            done.wait(timeout=30)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(timeout=10)

    def let_go() -> None:
        done.set()
        thread.join(timeout=10)

    return let_go


def _exit_code_of_child(work: Callable[[], None]) -> int | None:
    """Fork, run ``work`` in the child; its exit code, or None if it had not ended within the wait."""
    pid = os.fork()
    if pid == 0:
        try:
            work()
            os._exit(0)
        except BaseException:
            os._exit(1)
    deadline = time.monotonic() + CHILD_WAIT_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def _track_and_receive() -> None:
    collector = ensure_collector()
    store = collector.track(0xF0F0, max_spans=10)
    collector.release(store)
    receiver = ports.acquire("127.0.0.1", 0, max_bytes=1024)
    ports.release(receiver)


def test_a_child_forked_while_the_collector_lock_is_held_runs() -> None:
    let_go = _held_by_another_thread(ensure_collector()._lock)
    try:
        assert _exit_code_of_child(_track_and_receive) == 0
    finally:
        let_go()


def test_a_child_forked_while_the_ports_lock_is_held_runs() -> None:
    let_go = _held_by_another_thread(ports._lock)
    try:
        assert _exit_code_of_child(_track_and_receive) == 0
    finally:
        let_go()


def _attach_and_flush() -> None:
    provider = TracerProvider()  # its wrapped __init__ attaches the collector: the provider module's lock
    attach(provider)
    assert flush_within(provider, 1_000)  # the flush module's lock


@pytest.mark.parametrize("module", [provider_module, flush])
def test_a_child_forked_while_a_module_lock_is_held_attaches_and_flushes(module: Any) -> None:
    let_go = _held_by_another_thread(module._lock)
    try:
        assert _exit_code_of_child(_attach_and_flush) == 0
    finally:
        let_go()
