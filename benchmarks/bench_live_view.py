"""Cost of the live notebook view: a traced 20,000-span workload in a real kernel, widget vs off.

    python benchmarks/bench_live_view.py [--spans 20000] [--pairs 15]

Each pair runs the same traced loop once with ``display="widget"`` and once
with ``display="off"`` (order alternating), each run in its own cell of one
ipykernel driven through jupyter_client, so the widget's messages really go
out over the kernel's iopub channel while the loop runs. Inside the cell:

* body: from entering the block to the end of the loop — what the traced code
  feels (widget creation, the ticker thread competing for the GIL, its updates);
* total: through the end of the block — adds the final static render and
  display, a fixed cost paid once when the block ends.

Every tenth span is an LLM call with token usage, so the ticker's token
totals have work to do. Goal (issue 12): the widget adds ≤ 3% CPU time (all the
kernel's threads, ticker included) to the body; the wall-time ratio is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.kernel import KernelSession

GOAL = 1.03

SETUP = """\
import gc, json, time
from opentelemetry import trace
from datapizza_tracing import ContextTracing, record_usage
tracer = trace.get_tracer("bench_live_view")

def workload(mode, spans):
    gc.collect()
    started = time.perf_counter()
    cpu_started = time.process_time()  # every thread of the kernel: the ticker's work counts too
    with ContextTracing().trace("bench", display=mode):
        for i in range(spans):
            with tracer.start_as_current_span("step") as span:
                span.set_attribute("i", i)
                if i % 10 == 0:
                    record_usage(span, model="gpt-4o-mini", prompt_tokens=10, completion_tokens=5)
        body = time.perf_counter() - started
        body_cpu = time.process_time() - cpu_started
    total = time.perf_counter() - started
    return body, total, body_cpu
"""


def run(session: KernelSession, mode: str, spans: int) -> tuple[float, float, float, int]:
    code = f"print(json.dumps(workload({mode!r}, {spans})))"
    execution = session.execute(code, timeout=300)
    if execution.status != "ok":
        raise RuntimeError(f"{mode} run failed: {execution.error}")
    body, total, body_cpu = json.loads(execution.stdout.strip().splitlines()[-1])
    updates = len(execution.widget_updates())
    return body, total, body_cpu, updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=15)
    args = parser.parse_args()
    env = {"DATAPIZZA_TRACING_DISPLAY": "auto"}
    results: dict[str, list[tuple[float, float, float, int]]] = {"widget": [], "off": []}
    with KernelSession(env=env) as session:
        setup = session.execute(SETUP)
        if setup.status != "ok":
            raise RuntimeError(setup.error)
        for mode in ("widget", "off"):  # warm-up: imports, first widget, first block
            run(session, mode, args.spans // 4)
        for pair in range(args.pairs):
            order = ("widget", "off") if pair % 2 == 0 else ("off", "widget")
            for mode in order:
                results[mode].append(run(session, mode, args.spans))

    def median(mode: str, index: int) -> float:
        return statistics.median(r[index] for r in results[mode])

    # Each pair ran back to back, so the ratio within a pair cancels the drift of
    # a shared machine; the median of those ratios is the figure.
    def pair_ratio(index: int) -> float:
        pairs = zip(results["widget"], results["off"], strict=True)
        return statistics.median(widget[index] / off[index] for widget, off in pairs)

    body_ratio, total_ratio, cpu_ratio = pair_ratio(0), pair_ratio(1), pair_ratio(2)
    print(f"{args.spans:,} spans per run, {args.pairs} interleaved pairs, medians, one real ipykernel")
    for mode in ("widget", "off"):
        updates = statistics.median(r[3] for r in results[mode])
        print(
            f"  {mode:6}  body {median(mode, 0) * 1000:7.1f} ms (CPU {median(mode, 2) * 1000:7.1f} ms)"
            f"   total {median(mode, 1) * 1000:7.1f} ms   widget updates per run {updates:.0f}"
        )
    print("median of the per-pair ratios:")
    print(f"widget / off, body wall time (the traced code): {body_ratio:.3f}×")
    print(
        f"widget / off, body CPU time, all threads:       {cpu_ratio:.3f}×  (goal ≤ {GOAL:.2f}×: "
        f"{'met' if cpu_ratio <= GOAL else 'MISSED'})"
    )
    print(f"widget / off, total (+ final snapshot):         {total_ratio:.3f}×")
    if os.environ.get("BENCH_JSON"):
        print(
            json.dumps(
                {
                    "body_ratio": body_ratio,
                    "cpu_ratio": cpu_ratio,
                    "total_ratio": total_ratio,
                    "runs": results,
                }
            )
        )


if __name__ == "__main__":
    main()
