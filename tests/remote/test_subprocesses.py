"""Python subprocesses a block starts join it: their spans under the span that started them.

The child is a user's script with its own tracer provider that never mentions
datapizza_tracing; it joins through the environment the block gives it
(``TRACEPARENT``, the receiver, a ``sitecustomize`` that runs the one it shadows).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry import trace

from datapizza_tracing import ContextTracing, TraceHandle
from datapizza_tracing.remote.processes import OTHER_PYTHON_NOTE

pytestmark = pytest.mark.timeout(120)
CHILD = str(Path(__file__).parents[1] / "support" / "subprocess_child.py")
tracer = trace.get_tracer(__name__)
OTHER_PYTHON = "/usr/bin/python3.11"


@pytest.fixture(autouse=True)
def _no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_GRACE_MS", "0")


def _spans(handle: TraceHandle) -> dict:
    return {span.name: span for span in handle.snapshot().spans}


def test_a_python_subprocess_joins_under_the_span_that_started_it() -> None:
    with ContextTracing().trace("runs a job") as handle:
        with tracer.start_as_current_span("launch"):
            done = subprocess.run([sys.executable, CHILD, "a"], capture_output=True, text=True, check=True)
    assert "child done ['a']" in done.stdout
    spans = _spans(handle)
    assert set(spans) == {"runs a job", "launch", "batch job", "chat gpt-4o-mini"}
    assert spans["batch job"].parent_id == spans["launch"].span_id
    assert spans["chat gpt-4o-mini"].parent_id == spans["batch job"].span_id
    assert spans["batch job"].resource.attributes["service.name"] == "batch-job"
    usage = handle.summary().usage["gpt-4o-mini"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (1, 12, 4)


def test_an_explicit_env_is_extended_and_a_shadowed_sitecustomize_still_runs(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text("import os\nos.environ['SHADOWED_RAN'] = 'yes'\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    env["MINE"] = "kept"
    code = "import os; print(os.environ.get('MINE'), os.environ.get('SHADOWED_RAN'))"
    with ContextTracing().trace("env"):
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
    assert done.stdout.split() == ["kept", "yes"]


def test_without_following_the_child_environment_is_untouched() -> None:
    code = "import os; print(os.environ.get('TRACEPARENT'))"
    with ContextTracing().trace("not followed", follow_processes=False) as handle:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        subprocess.run([sys.executable, CHILD, "b"], capture_output=True, check=True)
    assert done.stdout.strip() == "None"
    assert list(_spans(handle)) == ["not followed"]


def test_other_programs_get_nothing() -> None:
    with ContextTracing().trace("shell"):
        done = subprocess.run(["env"], capture_output=True, text=True, check=True)
    assert "TRACEPARENT" not in done.stdout and "DATAPIZZA_TRACING_PARENT_ENDPOINT" not in done.stdout


@pytest.mark.skipif(
    not os.access(OTHER_PYTHON, os.X_OK), reason=f"needs a second interpreter at {OTHER_PYTHON}"
)
def test_a_python_without_the_package_still_runs_and_the_block_says_so() -> None:
    with ContextTracing().trace("other python") as handle:
        done = subprocess.run(
            [OTHER_PYTHON, "-c", "print('fine')"], capture_output=True, text=True, check=True
        )
    assert done.stdout.strip() == "fine" and done.stderr == ""
    assert handle.summary().notes == (OTHER_PYTHON_NOTE.format(program=OTHER_PYTHON),)
    assert list(_spans(handle)) == ["other python"]
