"""Running pytest in a subprocess with this checkout's pytest plugin active, as an installed package has it.

The plugin is found through its ``pytest11`` entry point. The package on this
machine may be installed from another checkout (or from before the entry point
existed), so each run gets a small distribution's metadata on ``PYTHONPATH``
that declares the entry point exactly as this checkout's ``pyproject.toml``
does, and this checkout first on ``PYTHONPATH`` so its code is what runs.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ENTRY_POINT_GROUP = "pytest11"
# Slow to import and unrelated: nbval (jsonschema), hypothesis, pytest-benchmark.
UNRELATED_PLUGINS = (
    "-p",
    "no:nbval",
    "-p",
    "no:hypothesispytest",
    "-p",
    "no:benchmark",
    "-p",
    "no:cacheprovider",
)
INNER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def declared_entry_points() -> dict[str, str]:
    """The ``pytest11`` entry points of this checkout's ``pyproject.toml``."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return dict(project.get("entry-points", {}).get(ENTRY_POINT_GROUP, {}))


def write_entry_point_metadata(site: Path) -> Path:
    """A ``*.dist-info`` in ``site`` declaring this checkout's ``pytest11`` entry points."""
    dist_info = site / "checkout_under_test-0.0.0.dist-info"
    dist_info.mkdir(parents=True, exist_ok=True)
    (dist_info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: checkout-under-test\nVersion: 0.0.0\n", encoding="utf-8"
    )
    lines = [f"[{ENTRY_POINT_GROUP}]"] + [
        f"{name} = {value}" for name, value in declared_entry_points().items()
    ]
    (dist_info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return site


class PluginRunner:
    """``pytester`` set up to run pytest subprocesses that load the plugin from its entry point."""

    def __init__(self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, site: Path) -> None:
        self.pytester = pytester
        for name in list(os.environ):
            if name.startswith(("DATAPIZZA_", "OTEL_", "PYTEST_XDIST")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(REPO_ROOT), str(site)]))
        monkeypatch.setenv("COLUMNS", "80")  # the width pytest and the trace report draw at
        pytester.makeini(INNER_INI)

    @property
    def path(self) -> Path:
        return self.pytester.path

    def run(self, *args: str, timeout: float = 240) -> pytest.RunResult:
        return self.pytester.runpytest_subprocess(*UNRELATED_PLUGINS, *args, timeout=timeout)

    def write_report_recorder(self) -> Path:
        """A conftest that writes every test report's nodeid, phase, outcome and sections to a JSON file."""
        target = self.path / "reports.jsonl"
        self.pytester.makeconftest(
            f"""
import json

def pytest_runtest_logreport(report):
    with open({str(target)!r}, "a", encoding="utf-8") as file:
        file.write(json.dumps({{
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "sections": [list(section) for section in report.sections],
            "longrepr": str(report.longrepr) if report.longrepr else None,
        }}) + "\\n")
"""
        )
        return target


def read_reports(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """The recorded reports by (test name, phase)."""
    reports = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        report = json.loads(line)
        reports[(report["nodeid"].rsplit("::", 1)[-1], report["when"])] = report
    return reports
