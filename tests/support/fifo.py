"""Calls that must refuse a FIFO, bounded: where one would block opening it, the test fails, not hangs."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
WAIT_S = 10.0  # only a call that blocks waits this long


def bounded_call(call: Callable[[], Any], fifo: Path) -> Any:
    """``call()`` on a thread; if it is still blocked on ``fifo`` after ``WAIT_S``, it is let go and the
    test fails. Its result, or the exception it raised."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WAIT_S)
    if thread.is_alive():
        _let_go(fifo)
        thread.join(WAIT_S)
        pytest.fail(f"blocked on the FIFO {fifo} for {WAIT_S:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _let_go(fifo: Path) -> None:
    # A writer opening and closing the pipe ends a reader's wait in open(); it then reads an empty file.
    with contextlib.suppress(OSError):
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
