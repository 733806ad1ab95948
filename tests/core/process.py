"""Running a scenario in a fresh interpreter and reading back its one result line.

OpenTelemetry's global provider is set once per process and span processors
cannot be removed, so every test about provider setup, exporters or ``OTEL_*``
variables runs its scenario in its own process (see ``provider_scenarios.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = Path(__file__).with_name("provider_scenarios.py")
RESULT_PREFIX = "RESULT "


class ScenarioResult:
    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        results = [
            line[len(RESULT_PREFIX) :]
            for line in completed.stdout.splitlines()
            if line.startswith(RESULT_PREFIX)
        ]
        assert completed.returncode == 0 and len(results) == 1, (
            f"scenario failed (exit {completed.returncode})\n"
            f"stdout:\n{completed.stdout}\nstderr:\n{completed.stderr}"
        )
        self.result: dict[str, Any] = json.loads(results[0])

    def __getitem__(self, key: str) -> Any:
        return self.result[key]


def run_scenario(name: str, *, env: dict[str, str] | None = None, timeout_s: float = 60) -> ScenarioResult:
    """Run ``provider_scenarios.py <name>`` against this checkout of the package."""
    full_env = {
        key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "DATAPIZZA_"))
    }
    # The checkout under test comes first, installed or not.
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    full_env["DATAPIZZA_TRACING_DISPLAY"] = "off"
    full_env.update(env or {})
    completed = subprocess.run(
        [sys.executable, str(SCENARIOS), name],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout_s,
        cwd=REPO_ROOT,
        check=False,
    )
    return ScenarioResult(completed)
