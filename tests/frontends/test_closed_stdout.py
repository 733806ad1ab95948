"""A traced program whose stdout reader has gone (``| head``): the library never ends the program."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from tests.support.scenario_process import REPO_ROOT

SCRIPT = textwrap.dedent(
    """
    import os, sys
    from datapizza_tracing import ContextTracing

    with ContextTracing().trace("piped", display="terminal"):
        pass
    sys.stderr.write("the program went on after the block\\n")
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # its own choice at exit
    """
)


@pytest.mark.timeout(120)
def test_a_block_ending_after_stdouts_reader_has_gone_does_not_end_the_program():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("OTEL_", "DATAPIZZA_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=REPO_ROOT
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before the report is printed
    stderr = process.stderr.read().decode()
    # rich's default on a broken pipe is SystemExit(1) from inside the block's end.
    assert process.wait(100) == 0, stderr
    assert stderr == "the program went on after the block\n"
