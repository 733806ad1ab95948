"""A terminal that cannot encode every character (ASCII, Latin-1) still gets the whole report."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.scenario_process import REPO_ROOT

SCRIPT = textwrap.dedent(
    """
    import sys
    from opentelemetry import trace
    from datapizza_tracing import ContextTracing, compare, history

    tracer = trace.get_tracer("encodings")
    with ContextTracing().trace("caf\\u00e9 \\u2603", display="terminal") as handle:
        for step in range(3):
            with tracer.start_as_current_span(f"step {step} \\u2192 \\U0001f355"):
                pass
    handle.show()
    history().show()
    compare(handle, handle).show()
    sys.stderr.write("the program went on\\n")
    """
)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_every_report_prints_whole_on_a_stdout_that_cannot_encode_its_symbols(encoding: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "DATAPIZZA_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = f"{encoding}:strict"
    env["COLUMNS"] = "80"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, env=env, cwd=REPO_ROOT, timeout=100, check=False
    )
    stderr = done.stderr.decode(encoding, "replace")
    # Before, each print raised UnicodeEncodeError: the block's report was lost with a logged error,
    # and show() raised into the program.
    assert done.returncode == 0, stderr
    assert stderr == "the program went on\n"
    out = done.stdout.decode(encoding)
    assert out.count("Trace Summary of caf") == 2  # the block's end and handle.show()
    assert "Trace history" in out and "step 0" in out and "step 2" in out
    assert all(len(line) <= 80 for line in out.splitlines())
