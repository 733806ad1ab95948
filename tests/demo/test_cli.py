"""``python3 -m datapizza_tracing.demo`` as a shell user runs it: piped, and with the display off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.scenario_process import REPO_ROOT

pytestmark = pytest.mark.timeout(120)
DEMO = [sys.executable, "-m", "datapizza_tracing.demo"]


def _env(**settings: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "DATAPIZZA_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env["COLUMNS"] = "100"
    return {**env, **settings}


def test_the_demo_piped_into_head_exits_cleanly_without_a_broken_pipe_traceback():
    shell = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{' '.join(DEMO)} | head -3"],
        capture_output=True, text=True, env=_env(), cwd=REPO_ROOT, timeout=100, check=False,
    )  # fmt: skip
    assert len(shell.stdout.splitlines()) == 3
    assert shell.stderr == ""
    assert shell.returncode == 0  # with pipefail: the demo's own exit status too


def test_the_demo_exits_cleanly_when_its_reader_has_gone_before_it_writes_anything():
    # The reading end is closed at once, so every write the demo makes fails (the report's and its own).
    process = subprocess.Popen(
        DEMO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), cwd=REPO_ROOT
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(100) == 0
    assert stderr == ""


def test_the_demo_shows_no_report_with_the_display_off():
    run = subprocess.run(
        DEMO, capture_output=True, text=True, env=_env(DATAPIZZA_TRACING_DISPLAY="off"), cwd=REPO_ROOT,
        timeout=100, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Agent answer: Start in Naples" in run.stdout
    assert "Trace Summary" not in run.stdout and "Time by span name" not in run.stdout


def test_the_demo_shows_its_report_by_default():
    run = subprocess.run(
        DEMO, capture_output=True, text=True, env=_env(), cwd=REPO_ROOT, timeout=100, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "Trace Summary of trip_planner_demo" in run.stdout and "Agent answer" in run.stdout
