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


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A virtual environment of this same Python, with none of this one's packages (no OpenTelemetry)."""
    home = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(home)], check=True, timeout=120)
    python = str(home / "bin" / "python")
    probe = subprocess.run([python, "-c", "import opentelemetry"], capture_output=True, check=False)
    assert probe.returncode != 0, "the bare venv can import opentelemetry: it would not be bare"
    return python


def test_a_bare_python_still_runs_and_the_block_says_so(bare_python: str) -> None:
    code = "import os, sys; print('fine', os.environ['TRACEPARENT'].split('-')[1])"
    with ContextTracing().trace("other python") as handle:
        with tracer.start_as_current_span("launch"):
            done = subprocess.run([bare_python, "-c", code], capture_output=True, text=True, check=True)
    # It ran as it would have (no traceback from the sitecustomize), and it was handed the trace.
    assert done.stderr == "" and done.stdout.split() == ["fine", handle.trace_id]
    assert handle.summary().notes == (OTHER_PYTHON_NOTE.format(program=bare_python),)
    assert sorted(_spans(handle)) == ["launch", "other python"]


def test_this_interpreter_by_another_name_gets_no_note(tmp_path: Path) -> None:
    alias = tmp_path / "python3"
    alias.symlink_to(sys.executable)
    with ContextTracing().trace("same python") as handle:
        subprocess.run([str(alias), CHILD, "c"], capture_output=True, check=True)
    assert handle.summary().notes == ()
    assert "batch job" in _spans(handle)


def test_a_python_subprocess_keeps_to_the_blocks_span_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MAX_SPANS", "1")  # the child inherits it; the block's cap wins
    with ContextTracing().trace("capped job", max_spans=1000) as handle:
        subprocess.run([sys.executable, CHILD], capture_output=True, check=True)
    assert set(_spans(handle)) == {"capped job", "batch job", "chat gpt-4o-mini"}
    assert handle.summary().dropped_spans == 0
