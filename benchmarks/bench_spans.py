"""Cost per span of tracing, as a ratio to a bare OpenTelemetry SDK provider, wall and CPU time.

    python benchmarks/bench_spans.py            # both implementations, one process each
    python benchmarks/bench_spans.py --impl datapizza-tracing

The measured loop is ``start_as_current_span`` + one attribute. Each rep runs
it on a private ``TracerProvider()`` with no processor ("bare") and on the
global provider the implementation attached its processor to, in alternating
chunks of 500 spans: the machine's speed drifts by tens of percent within
seconds, and a drift then slows both sides alike. The traced side's time
includes the block's enter and exit. The bare loop runs under a root span of
its own, as the traced one runs under the block's: the SDK does more for a
child span than for a root one (about 8% more instructions under callgrind),
work no block adds. Both the wall time and the measuring thread's CPU time
are taken (garbage collection included in both); a figure's ratio is median
traced / median bare over the reps, and ``pairs`` the median of the per-rep
ratios.

Cases (goals from issue 12):

* ``inside_5k`` / ``inside_50k``: a whole block, enter and exit included
  (``display="off"``), around a 5,000- or 50,000-span loop: ≤ 1.15×;
* ``outside``: the 5,000-span loop with no block open: ≤ 1.02×;
* ``over_cap``: the 5,000-span loop inside a block whose cap is already full
  (``max_spans=1``: each span is counted, not kept): ≤ 1.05×;
* the block-size curve: one 100,000-span and one 1,000,000-span block, timed in
  ten segments, with bare chunks spread between the traced ones inside the same
  block; the time per span must stay flat as the block grows (last segment /
  first ≤ 1.15).
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
from contextlib import ExitStack

import implementations
from implementations import IMPLEMENTATIONS, Implementation, load
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

GOALS = {"inside_5k": 1.15, "inside_50k": 1.15, "outside": 1.02, "over_cap": 1.05}
FLAT_GOAL = 1.15  # last segment / first segment of a growing block
CASES = (
    # (key, spans per loop, block: "open", "none" or "full")
    ("inside_5k", 5_000, "open"),
    ("inside_50k", 50_000, "open"),
    ("outside", 5_000, "none"),
    ("over_cap", 5_000, "full"),
)
CURVES = (100_000, 1_000_000)
CHUNK = 500  # spans per stretch of one side before the other side runs
SEGMENTS = 10


def span_loop(tracer: trace.Tracer, spans: int) -> None:
    for i in range(spans):
        with tracer.start_as_current_span("step") as span:
            span.set_attribute("i", i)


def bare_tracer() -> trace.Tracer:
    provider = TracerProvider()
    try:  # releases where every SDK provider built after the import feeds the collector
        from datapizza_tracing.collect.provider import detach
    except ImportError:
        pass
    else:
        if "datapizza_tracing" in sys.modules:
            detach(provider)
    return provider.get_tracer("bench")


class Clock:
    """Wall and CPU time (of this thread) added up over the stretches it times."""

    def __init__(self) -> None:
        self.wall_ns = self.cpu_ns = 0

    def time(self, run: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
        run()
        self.wall_ns += time.perf_counter_ns() - wall
        self.cpu_ns += time.thread_time_ns() - cpu


def _figures(bare: list[float], traced: list[float]) -> dict[str, float]:
    bare_median, traced_median = statistics.median(bare), statistics.median(traced)
    return {
        "bare_us": round(bare_median, 3),
        "traced_us": round(traced_median, 3),
        "ratio": round(traced_median / bare_median, 3),
        "pairs": round(statistics.median(t / b for t, b in zip(traced, bare, strict=True)), 3),
    }


def one_rep(
    impl: Implementation, tracer: trace.Tracer, bare_t: trace.Tracer, spans: int, block: str
) -> tuple[Clock, Clock]:
    """The traced and the bare loop in alternating chunks; the block's enter and exit count as traced."""
    traced, bare = Clock(), Clock()
    gc.collect()
    stack = ExitStack()
    if block != "none":
        opened = impl.block("bench", max_spans=1 if block == "full" else None)
        traced.time(lambda: stack.enter_context(opened))
    # In a block the traced loop's spans are children of its root span: the bare ones of a root of their own.
    bare_root = bare_t.start_span("bench") if block != "none" else trace.INVALID_SPAN
    for number in range(spans // CHUNK):

        def traced_chunk() -> None:
            span_loop(tracer, CHUNK)

        def bare_chunk() -> None:
            with trace.use_span(bare_root, end_on_exit=False):
                span_loop(bare_t, CHUNK)

        first, second = ((traced, traced_chunk), (bare, bare_chunk))[:: 1 if number % 2 == 0 else -1]
        first[0].time(first[1])
        second[0].time(second[1])
    bare.time(bare_root.end)
    traced.time(stack.close)
    return traced, bare


def measure(impl: Implementation, spans: int, block: str, reps: int) -> dict[str, object]:
    """Median µs per span, wall and CPU, for the implementation and for bare, interleaved."""
    bare_t = bare_tracer()
    tracer = trace.get_tracer("bench")
    one_rep(impl, tracer, bare_t, spans, block)  # warm-up, not counted
    times: dict[str, list[float]] = {"bare_wall": [], "bare_cpu": [], "traced_wall": [], "traced_cpu": []}
    for _ in range(reps):
        traced, bare = one_rep(impl, tracer, bare_t, spans, block)
        for name, clock in (("traced", traced), ("bare", bare)):
            times[f"{name}_wall"].append(clock.wall_ns / 1000 / spans)
            times[f"{name}_cpu"].append(clock.cpu_ns / 1000 / spans)
    return {
        "wall": _figures(times["bare_wall"], times["traced_wall"]),
        "cpu": _figures(times["bare_cpu"], times["traced_cpu"]),
    }


def curve(impl: Implementation, spans: int) -> list[dict[str, float]]:
    """Per-span wall and CPU time of each tenth of one big block, beside a bare loop run inside it.

    Within a tenth, bare chunks are spread between the traced ones (at most
    20,000 bare spans a tenth), so the two sides meet the same drift of the machine.
    """
    bare_t = bare_tracer()
    tracer = trace.get_tracer("bench")
    chunks = spans // SEGMENTS // CHUNK
    bare_every = max(chunks * CHUNK // 20_000, 1)  # one bare chunk after this many traced ones

    def traced_chunk() -> None:
        span_loop(tracer, CHUNK)

    def bare_chunk() -> None:  # spans no processor sees, under the same load
        span_loop(bare_t, CHUNK)

    points = []
    gc.collect()
    with impl.block("curve", max_spans=spans + 1):
        for number in range(1, SEGMENTS + 1):
            traced, bare = Clock(), Clock()
            for chunk in range(chunks):
                traced.time(traced_chunk)
                if chunk % bare_every == bare_every - 1:
                    bare.time(bare_chunk)
            traced_spans, bare_spans = chunks * CHUNK, chunks // bare_every * CHUNK
            points.append(
                {
                    "kept": number * traced_spans,
                    "wall_us": round(traced.wall_ns / 1000 / traced_spans, 3),
                    "cpu_us": round(traced.cpu_ns / 1000 / traced_spans, 3),
                    "bare_wall_us": round(bare.wall_ns / 1000 / bare_spans, 3),
                    "bare_cpu_us": round(bare.cpu_ns / 1000 / bare_spans, 3),
                }
            )
    return points


def run_one(name: str, reps_small: int, reps_large: int, curves: list[int]) -> dict[str, object]:
    impl = load(name)
    impl.attach()
    results: dict[str, object] = {"impl": name}
    for key, spans, block in CASES:
        if block == "full" and not impl.has_cap:
            continue
        reps = reps_large if spans >= 50_000 else reps_small
        if reps > 0:  # 0: this run prints the curves only
            results[key] = measure(impl, spans, block, reps)
    for spans in curves:
        results[f"curve_{spans}"] = curve(impl, spans)
    results["held_after"] = impl.held()
    return results


def verdict(value: float, goal: float) -> str:
    return "ok" if value <= goal else "MISS"


def print_table(all_results: list[dict[str, object]]) -> None:
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load average "
        f"{os.getloadavg()[0]:.2f} at the end; µs per span (median), ratio to bare SDK"
    )
    header = (
        f"{'implementation':<18} {'case':<10} {'time':<4} {'bare µs':>8} {'traced µs':>9} "
        f"{'ratio':>7} {'pairs':>7} {'goal':>6}"
    )
    print(header)
    print("-" * len(header))
    for results in all_results:
        for key, _, _ in CASES:
            if key not in results:
                if key == "over_cap" and "outside" in results:
                    print(f"{results['impl']:<18} {key:<10} (no span cap)")
                continue
            for clock in ("wall", "cpu"):
                f = results[key][clock]  # type: ignore[index]
                print(
                    f"{results['impl']:<18} {key:<10} {clock:<4} {f['bare_us']:>8.2f} {f['traced_us']:>9.2f} "
                    f"{f['ratio']:>6.3f}× {f['pairs']:>6.3f}× "
                    f"≤{GOALS[key]:.2f} {verdict(f['ratio'], GOALS[key])}"
                )
    print("ratio = median traced / median bare; pairs = median of the per-rep ratios")
    for results in all_results:
        for spans in CURVES:
            points = results.get(f"curve_{spans}")
            if not points:
                continue
            assert isinstance(points, list)
            print(
                f"\n{results['impl']}: one {spans:,}-span block, per tenth (bare chunks in between)"
            )
            print(
                f"{'kept':>10} {'wall µs':>8} {'cpu µs':>7} {'bare wall':>9} {'bare cpu':>8} {'cpu ratio':>9}"
            )
            for p in points:
                print(
                    f"{p['kept']:>10,} {p['wall_us']:>8.2f} {p['cpu_us']:>7.2f} {p['bare_wall_us']:>9.2f} "
                    f"{p['bare_cpu_us']:>8.2f} {p['cpu_us'] / p['bare_cpu_us']:>8.3f}×"
                )
            flat = curve_flatness(points)
            print(
                f"flatness (last tenth / first tenth, ratio to bare): wall {flat['wall']:.3f}, "
                f"cpu {flat['cpu']:.3f}  goal ≤{FLAT_GOAL:.2f} "
                f"{verdict(max(flat.values()), FLAT_GOAL)}"
            )


def curve_flatness(points: list[dict[str, float]]) -> dict[str, float]:
    # Each tenth against the bare loop next to it, so a drift of the machine's load cancels.
    first, last = points[0], points[-1]
    return {
        clock: (last[f"{clock}_us"] / last[f"bare_{clock}_us"])
        / (first[f"{clock}_us"] / first[f"bare_{clock}_us"])
        for clock in ("wall", "cpu")
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--impl", choices=IMPLEMENTATIONS, action="append")
    parser.add_argument("--reps-small", type=int, default=21, help="reps of 5,000-span loops (0: none)")
    parser.add_argument("--reps-large", type=int, default=7, help="reps of 50,000-span loops (0: none)")
    parser.add_argument(
        "--curves", type=int, nargs="*", default=list(CURVES), help="block sizes of the curve"
    )
    parser.add_argument("--json", action="store_true", help="measure in this process, print JSON")
    args = parser.parse_args()
    if args.json:
        (name,) = args.impl or ["datapizza-tracing"]
        print(json.dumps(run_one(name, args.reps_small, args.reps_large, args.curves)))
        return
    all_results = []
    for name in args.impl or IMPLEMENTATIONS:
        # The peer keeps every SDK span (about 2.8 KB each): its million-span block would need ~3 GB.
        curves = [n for n in args.curves if name == "datapizza-tracing" or n <= 100_000]
        extra = ["--reps-small", str(args.reps_small), "--reps-large", str(args.reps_large), "--curves"]
        all_results.append(implementations.run_in_subprocess(__file__, name, [*extra, *map(str, curves)]))
    print_table(all_results)


if __name__ == "__main__":
    main()
