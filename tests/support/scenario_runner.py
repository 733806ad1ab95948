"""Running a scenario script in a fresh interpreter and reading back its one result line.

Instrumentors patch libraries for the whole process and OpenTelemetry's global
provider can be set only once, so each scenario gets a process of its own. A
scenario script prints exactly one line ``RESULT {json}`` (see
``trace_report.emit``); anything else it prints is kept for failure messages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
RESULT_PREFIX = "RESULT "
# Exit status a scenario uses when a library it needs is not installed.
MISSING_DEPENDENCY = 3


class ScenarioRun:
    """One finished scenario process: its result line and its output."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.returncode = completed.returncode
        self.stderr = completed.stderr
        lines = completed.stdout.splitlines()
        results = [line[len(RESULT_PREFIX) :] for line in lines if line.startswith(RESULT_PREFIX)]
        self.output = "\n".join(line for line in lines if not line.startswith(RESULT_PREFIX))
        assert completed.returncode == 0 and len(results) == 1, (
            f"scenario failed (exit {completed.returncode})\nstdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        )
        self.result: dict[str, Any] = json.loads(results[0])

    def __getitem__(self, key: str) -> Any:
        return self.result[key]

    @property
    def usage(self) -> dict[str, dict[str, int]]:
        return self.result["usage"]

    def spans_named(self, name: str) -> list[dict[str, Any]]:
        return [span for span in self.result["spans"] if span["name"] == name]


def run_scenario_script(
    script: Path,
    *args: str,
    env: dict[str, str] | None = None,
    python: str | None = None,
    timeout_s: float = 120,
) -> ScenarioRun:
    """Run ``python script *args`` against this checkout of the package.

    A scenario that exits with ``MISSING_DEPENDENCY`` skips the calling test,
    naming what is missing.
    """
    # The checkout under test comes first, installed or not.
    python_path = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    full_env = {**os.environ, "DATAPIZZA_TRACING_DISPLAY": "off", "PYTHONPATH": python_path, **(env or {})}
    completed = subprocess.run(
        [python or sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,  # ScenarioRun reports a failure with the process's output
        env=full_env,
        cwd=REPO_ROOT,
    )
    if completed.returncode == MISSING_DEPENDENCY:
        pytest.skip(completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else "missing dependency")
    return ScenarioRun(completed)
