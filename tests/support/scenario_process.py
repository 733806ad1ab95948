"""Running a scenario script in a fresh interpreter and reading back its one result line.

OpenTelemetry's global provider is set once per process and span processors
and instrumentors cannot be removed, so every test about provider setup,
exporters, instrumentations or ``OTEL_*`` variables runs its scenario in its
own process. A scenario prints exactly one ``RESULT <json>`` line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
PROVIDER_SCENARIOS = Path(__file__).with_name("provider_scenarios.py")
CLIENT_SCENARIOS = REPO_ROOT / "tests" / "interop" / "scenarios.py"
RESULT_PREFIX = "RESULT "
DEFAULT_TIMEOUT_S = 120
# Exit status a scenario uses when a library it needs is not installed: the calling test is skipped.
MISSING_DEPENDENCY = 3


class ScenarioRun:
    """One finished scenario process: its result, its other output, its stderr."""

    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        lines = completed.stdout.splitlines()
        results = [line[len(RESULT_PREFIX) :] for line in lines if line.startswith(RESULT_PREFIX)]
        self.output = "\n".join(line for line in lines if not line.startswith(RESULT_PREFIX))
        assert completed.returncode == 0 and len(results) == 1, (
            f"scenario failed (exit {completed.returncode})\n"
            f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        )
        self.result: dict[str, Any] = json.loads(results[0])

    def __getitem__(self, key: str) -> Any:
        return self.result[key]

    @property
    def usage(self) -> dict[str, dict[str, int]]:
        return self.result["usage"]

    def spans_named(self, name: str) -> list[dict[str, Any]]:
        return [span for span in self.result["spans"] if span["name"] == name]


def run_script(
    script: Path,
    *args: str,
    env: dict[str, str] | None = None,
    python: str | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> ScenarioRun:
    """Run ``script ARGS`` against this checkout, inheriting no OTEL_/DATAPIZZA_ setting.

    ``python`` picks another interpreter (one with more libraries installed). A
    scenario that exits with ``MISSING_DEPENDENCY`` skips the calling test, naming what is missing.
    """
    full_env = {
        key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "DATAPIZZA_"))
    }
    # The checkout under test comes first, installed or not.
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    full_env["DATAPIZZA_TRACING_DISPLAY"] = "off"
    full_env.update(env or {})
    completed = subprocess.run(
        [python or sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout_s,
        cwd=REPO_ROOT,
        check=False,  # ScenarioRun reports a failure with the process's output
    )
    if completed.returncode == MISSING_DEPENDENCY:
        import pytest  # here: scenario scripts import this module for RESULT_PREFIX and need no pytest

        lines = completed.stdout.strip().splitlines()
        pytest.skip(lines[-1] if lines else "a library the scenario needs is not installed")
    return ScenarioRun(completed)


def run_provider_scenario(name: str, **kwargs: Any) -> ScenarioRun:
    """One scenario of ``provider_scenarios.py``: provider set-up, exporters, OTEL_* settings."""
    return run_script(PROVIDER_SCENARIOS, name, **kwargs)


def run_client_scenario(name: str, base_url: str, *args: str, **kwargs: Any) -> ScenarioRun:
    """One scenario of ``tests/interop/scenarios.py``: an LLM client against the fake API at ``base_url``."""
    return run_script(CLIENT_SCENARIOS, name, base_url, *args, **kwargs)
