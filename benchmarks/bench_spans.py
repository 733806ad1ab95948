"""Cost per span of tracing, as a ratio to a bare OpenTelemetry SDK provider.

    python benchmarks/bench_spans.py            # both implementations, one process each
    python benchmarks/bench_spans.py --impl datapizza-tracing

The measured loop is ``start_as_current_span`` + one attribute. Each rep times
the same loop on a private ``TracerProvider()`` with no processor ("bare") and
on the global provider the implementation attached its processor to, in
alternating order, in one process; absolute times drift, the ratio is what
counts. A block is timed whole, enter and exit included (``display="off"``).
Times are the measuring thread's CPU time, garbage collection included.
Goals (issue 2): ≤ 1.25× inside 5,000-span blocks, ≤ 1.30× inside 50,000-span
blocks, ≤ 1.03× outside any block.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Callable

import implementations
from implementations import IMPLEMENTATIONS, Implementation, load
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

GOALS = {"inside_5k": 1.25, "inside_50k": 1.30, "outside": 1.03}
CASES = (
    # (key, spans per loop, inside a block?)
    ("inside_5k", 5_000, True),
    ("inside_50k", 50_000, True),
    ("outside", 5_000, False),
)


def span_loop(tracer: trace.Tracer, spans: int) -> None:
    for i in range(spans):
        with tracer.start_as_current_span("step") as span:
            span.set_attribute("i", i)


def _elapsed_us(run: Callable[[], None]) -> float:
    # CPU time of this thread (garbage collection included): other processes
    # sharing the machine disturb it far less than wall-clock time.
    gc.collect()  # every timing starts from the same heap state
    start = time.thread_time_ns()
    run()
    return (time.thread_time_ns() - start) / 1_000


def measure(impl: Implementation, spans: int, inside: bool, reps: int) -> dict[str, float]:
    """Median µs per span for the implementation and for bare, interleaved."""
    bare_provider = TracerProvider()
    if "datapizza_tracing" in sys.modules:
        # Every SDK provider built after the import feeds the collector: keep the baseline bare.
        from datapizza_tracing.collect.provider import detach

        detach(bare_provider)
    bare_tracer = bare_provider.get_tracer("bench")
    tracer = trace.get_tracer("bench")

    def bare() -> None:
        span_loop(bare_tracer, spans)

    def traced() -> None:
        if inside:
            with impl.block("bench"):
                span_loop(tracer, spans)
        else:
            span_loop(tracer, spans)

    bare(), traced()  # warm-up, not counted
    bare_us: list[float] = []
    traced_us: list[float] = []
    for rep in range(reps):
        order = ((bare, bare_us), (traced, traced_us))
        for run, times in order if rep % 2 == 0 else reversed(order):
            times.append(_elapsed_us(run) / spans)
    bare_median = statistics.median(bare_us)
    traced_median = statistics.median(traced_us)
    return {
        "bare_us": round(bare_median, 3),
        "traced_us": round(traced_median, 3),
        "ratio": round(traced_median / bare_median, 3),
        "ratio_of_pairs": round(statistics.median(t / b for t, b in zip(traced_us, bare_us, strict=True)), 3),
    }


def run_one(name: str, reps_small: int, reps_large: int) -> dict[str, object]:
    impl = load(name)
    impl.attach()
    results: dict[str, object] = {"impl": name}
    for key, spans, inside in CASES:
        reps = reps_large if spans >= 50_000 else reps_small
        results[key] = measure(impl, spans, inside, reps)
    results["held_after"] = impl.held()
    return results


def run_in_subprocess(name: str, reps_small: int, reps_large: int) -> dict[str, object]:
    extra = ["--reps-small", str(reps_small), "--reps-large", str(reps_large)]
    return implementations.run_in_subprocess(__file__, name, extra)


def print_table(all_results: list[dict[str, object]]) -> None:
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; CPU µs per span (median), ratio to bare SDK"
    )
    header = (
        f"{'implementation':<20} {'case':<11} {'bare µs':>8} {'traced µs':>10} "
        f"{'ratio':>7} {'pairs':>7} {'goal':>6}"
    )
    print(header)
    print("-" * len(header))
    for results in all_results:
        for key, _, _ in CASES:
            figures = results[key]
            assert isinstance(figures, dict)
            goal = GOALS[key]
            verdict = "ok" if figures["ratio"] <= goal else "MISS"
            print(
                f"{results['impl']:<20} {key:<11} {figures['bare_us']:>8.2f} {figures['traced_us']:>10.2f} "
                f"{figures['ratio']:>6.2f}× {figures['ratio_of_pairs']:>6.2f}× ≤{goal:.2f} {verdict}"
            )
    print("ratio = median traced / median bare; pairs = median of the per-rep ratios")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--impl", choices=IMPLEMENTATIONS, action="append")
    parser.add_argument("--reps-small", type=int, default=21, help="reps of 5,000-span loops")
    parser.add_argument("--reps-large", type=int, default=7, help="reps of 50,000-span loops")
    parser.add_argument("--json", action="store_true", help="measure in this process, print JSON")
    args = parser.parse_args()
    if args.json:
        (name,) = args.impl or ["datapizza-tracing"]
        print(json.dumps(run_one(name, args.reps_small, args.reps_large)))
        return
    names = args.impl or list(IMPLEMENTATIONS)
    print_table([run_in_subprocess(name, args.reps_small, args.reps_large) for name in names])


if __name__ == "__main__":
    main()
