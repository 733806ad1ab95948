"""The cyclic garbage collector paused while many objects are built at once.

Reading a trace file or working out a report makes several objects per span,
and most of them live on (in the snapshot and its derived figures), so the
collector would walk the growing heap again and again: a third of the time of a
100,000-span report (``benchmarks/bench_render.py``). What is built here forms
no cycles, so reference counting frees what is dropped, and the collector takes
up whatever else it finds once it is back on. A program that turned the
collector off keeps it off.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
