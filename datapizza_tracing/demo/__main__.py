"""``python -m datapizza_tracing.demo``: trace a small agent against a fake LLM, print what it did."""

from __future__ import annotations

from ..frontends.context import ContextTracing
from .agent import TripPlanner


def main() -> None:
    planner = TripPlanner()
    with ContextTracing().trace("trip_planner_demo", display="terminal"):
        answer = planner.run("Where should I eat pizza tomorrow?", ["Naples", "Rome", "Turin"])
    print(f"\nAgent answer: {answer}")


if __name__ == "__main__":
    main()
