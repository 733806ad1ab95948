"""Instructions per span under callgrind: the cost per span as a count that machine noise cannot move.

    python benchmarks/bench_instructions.py [--spans 1000] [--jobs 2]

Wall and CPU times on a shared virtual machine drift by tens of percent from
one second to the next (``bench_spans.py`` interleaves to cancel that out);
``valgrind --tool=callgrind`` counts the instructions a run executes, the same
for the same code and inputs whatever else the machine does. Each case runs the
loop of ``bench_spans.py`` (``start_as_current_span`` + one attribute) in a
fresh interpreter twice, with N and 3N spans; the difference over 2N is the
instructions of one span, warm-up, imports and the block's enter and exit
cancelled out. Cases:

* ``bare_root``: a private ``TracerProvider()`` with no processor, root spans;
* ``bare_child``: the same under a root span (what a block's spans are);
* ``outside``: the global provider with the collector attached, no block open;
* ``over_cap``: inside a block whose cap is full (``max_spans=1``);
* ``inside``: inside a block that keeps every span.

Ratios are to ``bare_root`` for ``outside`` and to ``bare_child`` for the
block cases. Instructions are not time: a kept span's memory also costs cache
misses that this count does not see, so these ratios are a floor for the
timed ones. Needs ``valgrind`` (Debian package ``valgrind``); a minute or two
per case at the default size (two runs).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CASES = ("bare_root", "bare_child", "outside", "over_cap", "inside")
BASELINE = {"outside": "bare_root", "over_cap": "bare_child", "inside": "bare_child"}
GOALS = {"outside": 1.02, "over_cap": 1.05, "inside": 1.15}  # the timed goals of bench_spans.py

RUN = """
import sys
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from datapizza_tracing import ContextTracing
from datapizza_tracing.collect.provider import detach, ensure_collector

case, spans = sys.argv[1], int(sys.argv[2])
ensure_collector()
bare_provider = TracerProvider()
detach(bare_provider)
bare, traced = bare_provider.get_tracer("bench"), trace.get_tracer("bench")


def loop(tracer, count):
    for i in range(count):
        with tracer.start_as_current_span("step") as span:
            span.set_attribute("i", i)


loop(bare, 200)
with ContextTracing().trace("warm-up", display="off"):
    loop(traced, 200)
if case == "bare_root":
    loop(bare, spans)
elif case == "bare_child":
    with bare.start_as_current_span("block"):
        loop(bare, spans)
elif case == "outside":
    loop(traced, spans)
else:
    with ContextTracing().trace("bench", display="off", max_spans=1 if case == "over_cap" else spans + 2):
        loop(traced, spans)
"""


def instructions(case: str, spans: int) -> int:
    """Instructions callgrind counted for one whole run of ``case`` with ``spans`` spans."""
    repo_root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "DATAPIZZA_TRACING_DISPLAY": "off", "PYTHONPATH": repo_root}
    command = [
        "valgrind",
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        "-c",
        RUN,
        case,
        str(spans),
    ]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1800, check=False)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"callgrind run of {case} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_span(case: str, spans: int) -> float:
    return (instructions(case, 3 * spans) - instructions(case, spans)) / (2 * spans)


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
        counts = dict(zip(CASES, pool.map(lambda case: per_span(case, args.spans), CASES), strict=True))
    print(f"python {sys.version.split()[0]}; instructions per span (callgrind), runs of {args.spans:,} "
          f"and {3 * args.spans:,} spans")
    print(f"{'case':<11} {'instructions':>12} {'ratio':>7}  {'to':<10} {'timed goal':>10}")
    for case in CASES:
        line = f"{case:<11} {counts[case]:>12,.0f}"
        if case in BASELINE:
            ratio = counts[case] / counts[BASELINE[case]]
            line += f" {ratio:>6.3f}×  {BASELINE[case]:<10} {'≤' + format(GOALS[case], '.2f'):>10}"
        print(line)


if __name__ == "__main__":
    main()
