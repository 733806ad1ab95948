"""Instructions and cache misses per span under cachegrind: the cost per span as counts noise cannot move.

    python benchmarks/bench_instructions.py [--spans 1000] [--jobs 2]

Wall and CPU times on a shared virtual machine drift by tens of percent from
one second to the next (``bench_spans.py`` interleaves to cancel that out);
``valgrind --tool=cachegrind --cache-sim=yes`` counts the instructions a run
executes and the misses of a simulated cache, the same for the same code and
inputs whatever else the machine does. Each case runs the loop of
``bench_spans.py`` (``start_as_current_span`` + one attribute) in a fresh
interpreter twice, with N and 3N spans; the difference over 2N is the cost of
one span, warm-up, imports and the block's enter and exit cancelled out. Cases:

* ``bare_root``: a private ``TracerProvider()`` with no processor, root spans;
* ``bare_child``: the same under a root span (what a block's spans are);
* ``noop_child``: the same on a provider with one span processor that does
  nothing: what OpenTelemetry's calls into any processor cost, the floor of
  every case below;
* ``outside``: the global provider with the collector attached, no block open;
* ``over_cap``: inside a block whose cap is full (``max_spans=1``);
* ``inside``: inside a block that keeps every span.

Ratios are to ``bare_root`` for ``outside`` and to ``bare_child`` for the
block cases. Instructions are not time: a kept span is new memory and more
code, which the misses of the first-level instruction and data caches (I1, D1)
and of the last-level cache (LL) count, and time pays for. Needs ``valgrind``
(Debian package ``valgrind``); a few minutes per case at the default size.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CASES = ("bare_root", "bare_child", "noop_child", "outside", "over_cap", "inside")
BASELINE = {
    "noop_child": "bare_child",
    "outside": "bare_root",
    "over_cap": "bare_child",
    "inside": "bare_child",
}
GOALS = {"outside": 1.02, "over_cap": 1.05, "inside": 1.15}  # the timed goals of bench_spans.py

RUN = """
import sys
from opentelemetry import trace
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from datapizza_tracing import ContextTracing
from datapizza_tracing.collect.provider import detach, ensure_collector

case, spans = sys.argv[1], int(sys.argv[2])
ensure_collector()
bare_provider = TracerProvider()
detach(bare_provider)
bare, traced = bare_provider.get_tracer("bench"), trace.get_tracer("bench")
noop_provider = TracerProvider()
detach(noop_provider)
noop_provider.add_span_processor(SpanProcessor())  # the base class: every hook does nothing
noop = noop_provider.get_tracer("bench")


def loop(tracer, count):
    for i in range(count):
        with tracer.start_as_current_span("step") as span:
            span.set_attribute("i", i)


loop(bare, 200)
loop(noop, 200)
with ContextTracing().trace("warm-up", display="off"):
    loop(traced, 200)
if case == "bare_root":
    loop(bare, spans)
elif case == "bare_child":
    with bare.start_as_current_span("block"):
        loop(bare, spans)
elif case == "noop_child":
    with noop.start_as_current_span("block"):
        loop(noop, spans)
elif case == "outside":
    loop(traced, spans)
else:
    with ContextTracing().trace("bench", display="off", max_spans=1 if case == "over_cap" else spans + 2):
        loop(traced, spans)
"""


COUNTS = ("instructions", "I1 misses", "D1 misses", "LL misses")


def counts(case: str, spans: int) -> tuple[int, ...]:
    """``COUNTS`` of one whole run of ``case`` with ``spans`` spans, from cachegrind's summary."""
    repo_root = str(Path(__file__).resolve().parents[1])
    # A fixed hash seed: with random ones, dict and set layouts move the counts by about 1% between runs.
    env = {**os.environ, "DATAPIZZA_TRACING_DISPLAY": "off", "PYTHONPATH": repo_root, "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "cachegrind.out"
        command = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=yes",
            f"--cachegrind-out-file={out}",
            sys.executable,
            "-c",
            RUN,
            case,
            str(spans),
        ]
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=3600, check=False)
        summary = re.search(r"^summary:((?: \d+){9})$", out.read_text(), re.M) if out.exists() else None
    if done.returncode != 0 or summary is None:
        raise SystemExit(f"cachegrind run of {case} failed:\n{done.stderr[-2000:]}")
    # Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw
    ir, i1, il, _, d1r, dlr, _, d1w, dlw = map(int, summary.group(1).split())
    return ir, i1, d1r + d1w, il + dlr + dlw


def per_span(case: str, spans: int) -> tuple[float, ...]:
    small, large = counts(case, spans), counts(case, 3 * spans)
    return tuple((b - a) / (2 * spans) for a, b in zip(small, large, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=1000, help="N: runs of N and 3N spans")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="cases run at once")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    with ThreadPoolExecutor(args.jobs) as pool:
        found = dict(zip(CASES, pool.map(lambda case: per_span(case, args.spans), CASES), strict=True))
    print(f"python {sys.version.split()[0]}; per span under cachegrind, runs of {args.spans:,} "
          f"and {3 * args.spans:,} spans")
    print(f"{'case':<11} {COUNTS[0]:>12} {'ratio':>7}  {'to':<10} {'timed goal':>10}  "
          + "  ".join(f"{name:>9}" for name in COUNTS[1:]))
    for case in CASES:
        instructions, *misses = found[case]
        line = f"{case:<11} {instructions:>12,.0f}"
        if case in BASELINE:
            ratio = instructions / found[BASELINE[case]][0]
            goal = "≤" + format(GOALS[case], ".2f") if case in GOALS else ""
            line += f" {ratio:>6.3f}×  {BASELINE[case]:<10} {goal:>10}  "
        else:
            line += " " * 33
        print(line + "  ".join(f"{round(count, 1) + 0.0:>9,.1f}" for count in misses))  # no "-0.0"

if __name__ == "__main__":
    main()
