"""Fixtures of the interop tests: the fake OpenAI API and a runner for scenarios.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.fake_openai import FakeOpenAI

SCENARIOS = Path(__file__).with_name("scenarios.py")
REPO_ROOT = SCENARIOS.parents[2]
SCENARIO_TIMEOUT_S = 120


@pytest.fixture
def fake_api() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as api:
        yield api


class ScenarioRun:
    """One finished ``scenarios.py`` process: its result line and its output."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.returncode = completed.returncode
        self.stderr = completed.stderr
        lines = completed.stdout.splitlines()
        results = [line[len("RESULT ") :] for line in lines if line.startswith("RESULT ")]
        self.output = "\n".join(line for line in lines if not line.startswith("RESULT "))
        assert completed.returncode == 0 and len(results) == 1, (
            f"scenario failed (exit {completed.returncode})\nstdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        )
        self.result: dict[str, Any] = json.loads(results[0])

    @property
    def usage(self) -> dict[str, dict[str, int]]:
        return self.result["usage"]

    def spans_named(self, name: str) -> list[dict[str, Any]]:
        return [span for span in self.result["spans"] if span["name"] == name]


def run_scenario(name: str, base_url: str, *args: str, env: dict[str, str] | None = None) -> ScenarioRun:
    """Run one scenario in a fresh interpreter (instrumentors and providers are process-wide)."""
    # The scenario imports this checkout's datapizza_tracing, installed or not.
    python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    full_env = {**os.environ, "DATAPIZZA_TRACING_DISPLAY": "off", "PYTHONPATH": python_path, **(env or {})}
    completed = subprocess.run(
        [sys.executable, str(SCENARIOS), name, base_url, *args],
        capture_output=True,
        text=True,
        timeout=SCENARIO_TIMEOUT_S,
        check=False,  # ScenarioRun reports a failure with the process's output
        env=full_env,
        cwd=REPO_ROOT,
    )
    return ScenarioRun(completed)
