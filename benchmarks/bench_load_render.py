"""Load a saved 10,000-span trace file and render it: the figure for ``datapizza_tracing.load``.

    python benchmarks/bench_load_render.py [--spans 10000] [--reps 5]

The trace is the render benchmark's (``bench_render.make_trace``, real tracing:
agents holding LLM calls with token usage and captured input/output, a failing
tool span per agent), saved with ``handle.save`` as OTLP JSON, then timed from the file on disk:

* load: ``datapizza_tracing.load(path)`` (read, parse, rebuild the snapshot);
* terminal: the rich report (summary with cost, tree with the critical path,
  time table) rendered to text;
* notebook: the static ``text/html`` + ``text/plain`` bundle.

Prints the median of ``--reps`` runs of each and the totals; each render is the
first of a fresh copy of the loaded snapshot (a snapshot remembers what it
derived, so a second render of the same one would cost far less). Goal (issue 5):
load + render ≤ 1 s.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

from bench_render import make_trace  # the same realistic trace as the render benchmark

import datapizza_tracing
from datapizza_tracing.frontends.notebook.bundles import report_bundle
from datapizza_tracing.render.rich.report import rich_report
from datapizza_tracing.render.rich.text import render_text
from datapizza_tracing.views.report import trace_report

GOAL_MS = 1_000


def median_ms(fn: Callable[[], Any], reps: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(reps):
        gc.collect()
        started = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    live = datapizza_tracing.TraceHandle.from_snapshot(make_trace(args.spans))
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "trace.json")
        save_ms, _ = median_ms(lambda: live.save(path), args.reps)
        size = os.path.getsize(path)
        load_ms, loaded = median_ms(lambda: datapizza_tracing.load(path), args.reps)
    snapshot = loaded.snapshot()
    assert len(snapshot.spans) == len(live.snapshot().spans)
    # A fresh copy each time: a snapshot remembers what it derived, and a loaded trace is rendered once.
    terminal_ms, _ = median_ms(
        lambda: render_text(rich_report(trace_report(dataclasses.replace(snapshot))), width=120), args.reps
    )
    notebook_ms, _ = median_ms(lambda: report_bundle(dataclasses.replace(snapshot)), args.reps)
    print(f"spans: {len(snapshot.spans):,}; file {size / 1e6:.1f} MB; median of {args.reps} runs")
    print(f"save:              {save_ms:7.1f} ms")
    print(f"load:              {load_ms:7.1f} ms")
    print(f"terminal report:   {terminal_ms:7.1f} ms")
    print(f"notebook bundle:   {notebook_ms:7.1f} ms")
    worst = load_ms + max(terminal_ms, notebook_ms)
    print(f"load + terminal:   {load_ms + terminal_ms:7.1f} ms")
    print(f"load + notebook:   {load_ms + notebook_ms:7.1f} ms")
    print(f"goal load + render ≤ {GOAL_MS} ms: {'met' if worst <= GOAL_MS else 'MISSED'} ({worst:.0f} ms)")


if __name__ == "__main__":
    main()
