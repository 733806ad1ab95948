"""Memory per retained span, and what a collector still holds after many blocks.

    python benchmarks/bench_memory.py            # both implementations, one process each
    python benchmarks/bench_memory.py --impl datapizza-tracing

Per span: Python heap growth (tracemalloc) between just before a block and the
end of its body, over 50,000 spans of ``start_as_current_span`` with 0, 1, 5
or 20 attributes (literal keys; every attribute of a span holds the same int,
so the figure is what keeping an attribute costs, not its value), divided by
the span count. Goal (issue 12): ≤ 300 B per retained span with 0 or 1
attribute; the 5- and 20-attribute figures are printed for comparison. After 1,000 blocks of
10 spans: what the collector still tracks (goal 0) and the heap growth between
block 100 and block 1,000 (goal: none beyond noise).
"""

from __future__ import annotations

import argparse
import gc
import json
import tracemalloc

import implementations
from implementations import IMPLEMENTATIONS, Implementation, load
from opentelemetry import trace

SPANS = 50_000
BLOCKS = 1_000
GOAL_BYTES_PER_SPAN = 300
ATTRIBUTE_COUNTS = (0, 1, 5, 20)
KEYS = tuple(f"attribute_{n}" for n in range(max(ATTRIBUTE_COUNTS)))  # literal-like: one string per key


def span_loop(tracer: trace.Tracer, spans: int, attributes: int = 1) -> None:
    keys = KEYS[:attributes] if attributes != 1 else ("i",)
    for i in range(spans):
        with tracer.start_as_current_span("step") as span:
            for key in keys:
                span.set_attribute(key, i)


def _heap_bytes() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def bytes_per_retained_span(impl: Implementation, tracer: trace.Tracer, attributes: int) -> float:
    before = _heap_bytes()
    with impl.block("memory"):
        span_loop(tracer, SPANS, attributes)
        inside = _heap_bytes()
    return (inside - before) / SPANS


def after_many_blocks(impl: Implementation, tracer: trace.Tracer) -> dict[str, float]:
    heap_at: dict[int, int] = {}
    for number in range(1, BLOCKS + 1):
        with impl.block(f"block {number}"):
            span_loop(tracer, 10)
        if number in (100, BLOCKS):
            heap_at[number] = _heap_bytes()
    return {
        "held_after": impl.held(),
        "growth_bytes_per_block": round((heap_at[BLOCKS] - heap_at[100]) / (BLOCKS - 100), 1),
    }


def run_one(name: str) -> dict[str, object]:
    impl = load(name)
    impl.attach()
    tracer = trace.get_tracer("bench")
    span_loop(tracer, 100)  # warm caches outside tracemalloc's view
    with impl.block("warm-up"):
        span_loop(tracer, 100)
    tracemalloc.start()
    result: dict[str, object] = {"impl": name}
    for count in ATTRIBUTE_COUNTS:
        result[f"bytes_per_span_{count}"] = round(bytes_per_retained_span(impl, tracer, count))
    result.update(after_many_blocks(impl, tracer))
    tracemalloc.stop()
    return result


def run_in_subprocess(name: str) -> dict[str, object]:
    return implementations.run_in_subprocess(__file__, name)


def print_table(all_results: list[dict[str, object]]) -> None:
    counts = "".join(f"{f'{n} attr':>9}" for n in ATTRIBUTE_COUNTS)
    header = f"{'implementation':<20} {counts} {'held after 1,000 blocks':>24} {'heap growth/block':>18}"
    print(f"bytes per retained span, {SPANS:,}-span block (tracemalloc), by number of attributes")
    print(header)
    print("-" * len(header))
    for result in all_results:
        figures = "".join(f"{result[f'bytes_per_span_{n}']:>9,}" for n in ATTRIBUTE_COUNTS)
        print(
            f"{result['impl']:<20} {figures} {result['held_after']:>24} "
            f"{result['growth_bytes_per_block']:>16} B"
        )
    for result in all_results:
        for n in (0, 1):
            per_span = result[f"bytes_per_span_{n}"]
            assert isinstance(per_span, int)
            verdict = "ok" if per_span <= GOAL_BYTES_PER_SPAN else "MISS"
            goal = f"goal ≤ {GOAL_BYTES_PER_SPAN} B"
            print(f"{result['impl']}: {per_span} B per span with {n} attribute(s), {goal}: {verdict}")
        held = result["held_after"]
        verdict = "ok" if held == 0 else "MISS"
        print(f"{result['impl']}: {held} trace(s) held after 1,000 blocks, goal 0: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--impl", choices=IMPLEMENTATIONS, action="append")
    parser.add_argument("--json", action="store_true", help="measure in this process, print JSON")
    args = parser.parse_args()
    if args.json:
        (name,) = args.impl or ["datapizza-tracing"]
        print(json.dumps(run_one(name)))
        return
    print_table([run_in_subprocess(name) for name in args.impl or IMPLEMENTATIONS])


if __name__ == "__main__":
    main()
