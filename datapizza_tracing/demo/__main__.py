"""``python -m datapizza_tracing.demo``: trace a small agent against a fake LLM, print what it did."""

from __future__ import annotations

import os
import sys

from ..frontends.context import ContextTracing
from .agent import TripPlanner


def main() -> None:
    planner = TripPlanner()
    # display=None: DATAPIZZA_TRACING_DISPLAY decides (off shows no report).
    with ContextTracing().trace("trip_planner_demo"):
        answer = planner.run("Where should I eat pizza tomorrow?", ["Naples", "Rome", "Turin"])
    print(f"\nAgent answer: {answer}")
    sys.stdout.flush()  # a closed pipe shows here, while it can still be handled


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        # The reader stopped reading (`| head`): stop quietly, as command-line tools do. Point stdout at
        # devnull so that the flush at interpreter exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
