"""Final render of a 10,000- and a 100,000-span trace: time and size of the static notebook snapshot.

    python benchmarks/bench_render.py [--spans 10000 100000] [--reps 7]

The trace is made by real tracing (``display="off"``): a root span, agent
spans each holding LLM calls with token usage and captured input/output
(2-4 KB each, so attribute tables are not trivially small), a tool span and
one failing span per agent. Prints the median of ``--reps`` renders for the
``text/html`` part, the ``text/plain`` part and the whole bundle, and the HTML
size. Goals: ≤ 300 ms and ≤ 1 MB for the HTML of 10,000 spans (issue 3),
≤ 500 ms for the HTML of 100,000 spans (issue 12; the view caps what it draws).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from datapizza_tracing import ContextTracing, record_usage
from datapizza_tracing.frontends.notebook.bundles import NOTEBOOK_TEXT_WIDTH
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.render.html.report import html_report
from datapizza_tracing.render.rich.report import rich_report
from datapizza_tracing.render.rich.text import render_text
from datapizza_tracing.views.report import trace_report

GOAL_MS = {10_000: 300, 100_000: 500}
GOAL_BYTES = 1_000_000
CALLS_PER_AGENT = 8


def make_trace(spans: int) -> TraceSnapshot:
    tracer = trace.get_tracer("bench_render")
    prompt = '[{"role": "user", "content": "' + "Summarise the quarterly report. " * 100 + '"}]'
    answer = "The report says revenue grew. " * 80
    made = 1  # the root
    with ContextTracing().trace("bench render", display="off") as handle:
        while made < spans:
            with tracer.start_as_current_span("agent", attributes={"type": "agent"}):
                made += 1
                for _ in range(CALLS_PER_AGENT):
                    if made >= spans:
                        break
                    attributes = {"type": "generation", "input": prompt, "output": answer}
                    with tracer.start_as_current_span("llm call", attributes=attributes) as span:
                        record_usage(
                            span,
                            model="gpt-4o-mini",
                            prompt_tokens=812,
                            completion_tokens=95,
                            cached_tokens=256,
                        )
                    made += 1
                if made < spans:
                    tool_attributes = {"type": "tool", "api_key": "x"}
                    with tracer.start_as_current_span("tool", attributes=tool_attributes) as span:
                        span.set_status(Status(StatusCode.ERROR, "TimeoutError: tool did not answer"))
                    made += 1
    return handle.snapshot()


def render_html(snapshot: TraceSnapshot) -> str:
    """The ``text/html`` of the static snapshot (``report_bundle``), view model included."""
    return html_report(trace_report(snapshot))


def render_plain(snapshot: TraceSnapshot) -> str:
    """The ``text/plain`` of the same bundle."""
    return render_text(rich_report(trace_report(snapshot)), NOTEBOOK_TEXT_WIDTH)


def timed_ms(fn, snapshot: TraceSnapshot, reps: int) -> tuple[float, str]:
    times = []
    out = ""
    for _ in range(reps):
        gc.collect()
        started = time.perf_counter()
        out = fn(snapshot)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--reps", type=int, default=7)
    args = parser.parse_args()
    for spans in args.spans:
        snapshot = make_trace(spans)
        html_ms, html = timed_ms(render_html, snapshot, args.reps)
        plain_ms, plain = timed_ms(render_plain, snapshot, args.reps)
        size = len(html.encode("utf-8"))
        print(f"spans: {len(snapshot.spans) + snapshot.dropped_spans:,} (median of {args.reps} renders)")
        print(f"text/html:  {html_ms:6.1f} ms  {size / 1e6:.3f} MB ({size:,} bytes)")
        print(f"text/plain: {plain_ms:6.1f} ms  {len(plain.encode('utf-8')) / 1e3:.1f} KB")
        print(f"bundle:     {html_ms + plain_ms:6.1f} ms")
        goal_ms = GOAL_MS.get(spans, max(GOAL_MS.values()))
        ok = html_ms <= goal_ms and size <= GOAL_BYTES
        goal = f"goal ≤ {goal_ms} ms and ≤ {GOAL_BYTES / 1e6:.0f} MB for the HTML"
        print(f"{goal}: {'met' if ok else 'MISSED'}\n")

if __name__ == "__main__":
    main()
