"""The two tracers the benchmarks compare, behind one small interface.

Each benchmark process measures exactly one implementation: both attach a span
processor to OpenTelemetry's global provider, which can be set once per process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

IMPLEMENTATIONS = ("datapizza-tracing", "datapizza-ai-core")


class Implementation:
    """How to attach, open a block, and ask what is still held, for one tracer."""

    def __init__(
        self,
        name: str,
        attach: Callable[[], None],
        block: Callable[..., AbstractContextManager[Any]],
        held: Callable[[], int],
        has_cap: bool = False,
    ) -> None:
        self.name = name
        self.attach = attach
        self.block = block  # block(name, max_spans=None)
        self.held = held  # trace stores / trace ids the collector still keeps
        self.has_cap = has_cap  # whether a block can keep fewer spans than it sees


def _ours() -> Implementation:
    from datapizza_tracing import ContextTracing
    from datapizza_tracing.collect.provider import ensure_collector, installed_collector

    def held() -> int:
        collector = installed_collector()
        return collector.tracked_count if collector is not None else 0

    return Implementation(
        "datapizza-tracing",
        attach=ensure_collector,
        block=lambda name, max_spans=None: ContextTracing().trace(name, display="off", max_spans=max_spans),
        held=held,
        has_cap=True,
    )


def _datapizza_ai() -> Implementation:
    import datapizza.tracing as peer
    from datapizza.tracing import ContextTracing

    # Its trace() always prints a rich panel: silence it so printing is not timed.
    peer.console.quiet = True

    def attach() -> None:
        with ContextTracing().trace("warm-up"):
            pass

    def held() -> int:
        processor = ContextTracing()._context_processor
        if processor is None:
            return 0
        return len(processor.tracing_ids) + len(processor.span_exporter.get_finished_spans())

    def block(name: str, max_spans: int | None = None) -> AbstractContextManager[Any]:
        return ContextTracing().trace(name)  # no span cap: it keeps every span

    return Implementation("datapizza-ai-core", attach=attach, block=block, held=held)


def load(name: str) -> Implementation:
    if name == "datapizza-tracing":
        return _ours()
    if name == "datapizza-ai-core":
        return _datapizza_ai()
    raise SystemExit(f"unknown implementation {name!r}; use one of {', '.join(IMPLEMENTATIONS)}")


def run_in_subprocess(script: str, name: str, extra_args: Sequence[str] = ()) -> dict[str, object]:
    """Run ``script --impl NAME --json ...`` in a fresh interpreter and return its last JSON line.

    One process per implementation: each owns the global tracer provider. This
    checkout's package is the one measured, installed or not.
    """
    repo_root = str(Path(__file__).resolve().parents[1])
    python_path = os.pathsep.join(filter(None, [repo_root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "DATAPIZZA_TRACING_DISPLAY": "off", "PYTHONPATH": python_path}
    command = [sys.executable, str(Path(script).resolve()), "--impl", name, "--json", *extra_args]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{name} benchmark failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])
