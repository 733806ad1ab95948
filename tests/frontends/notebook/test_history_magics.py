"""``%trace_history`` and ``%trace_compare`` in a real IPython shell and a real kernel."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

import datapizza_tracing as dt
from datapizza_tracing import ContextTracing, generation_span, record_usage
from datapizza_tracing.frontends.notebook import history_magics
from tests.support.kernel import KernelSession


def block(model: str) -> None:
    with ContextTracing().trace("magic-cell"), generation_span("llm", model=model) as s:
        record_usage(s, model=model, prompt_tokens=100, completion_tokens=10)


@pytest.fixture
def shell():
    ip = InteractiveShell.instance()
    history_magics.register(ip)
    dt.history().clear()
    yield ip
    history_magics.unregister(ip)
    dt.history().clear()


def test_line_magics_list_and_compare_in_a_terminal_shell(shell, capsys):
    block("gpt-4o-mini")
    block("gpt-4.1")
    numbers = [entry.number for entry in dt.history()]
    shell.run_line_magic("trace_history", "")
    listing = capsys.readouterr().out
    assert "Trace history" in listing and listing.count("magic-cell") == 2
    shell.run_line_magic("trace_compare", f"{numbers[0]} #{numbers[1]}")
    compared = capsys.readouterr().out
    assert f"#{numbers[0]} magic-cell" in compared and "gpt-4.1" in compared and "0 → 1" in compared
    shell.run_line_magic("trace_compare", "magic-cell")  # one name: its last two runs
    assert "gpt-4o-mini" in capsys.readouterr().out
    shell.run_line_magic("trace_history", "--limit 1")
    assert capsys.readouterr().out.count("magic-cell") == 1 and dt.history().limit == 1
    dt.history().set_limit(None)


def test_bad_arguments_are_usage_errors_not_tracebacks(shell):
    block("gpt-4o-mini")
    with pytest.raises(UsageError, match="no traced block named 'nope'"):
        shell.run_line_magic("trace_compare", "nope -1")
    with pytest.raises(UsageError, match="give two runs"):
        shell.run_line_magic("trace_compare", "1")
    with pytest.raises(UsageError, match="usage: %trace_history"):
        shell.run_line_magic("trace_history", "--bogus")
    with pytest.raises(UsageError, match="cannot read the arguments"):
        shell.run_line_magic("trace_compare", "'unclosed")


def test_unregister_removes_both_magics(shell):
    history_magics.unregister(shell)
    assert not set(history_magics.LINE_MAGICS) & set(shell.magics_manager.magics["line"])
    history_magics.register(shell)
    history_magics.register(shell)  # idempotent
    assert set(history_magics.LINE_MAGICS) <= set(shell.magics_manager.magics["line"])


@pytest.mark.slow
@pytest.mark.kernel
def test_magics_show_static_html_in_a_kernel():
    setup = (
        "%load_ext datapizza_tracing\n"
        "import os; os.environ['DATAPIZZA_TRACING_DISPLAY'] = 'off'\n"
        "from datapizza_tracing import ContextTracing, generation_span, record_usage\n"
        "def run(model):\n"
        "    with ContextTracing().trace('<b>cell</b>'):\n"
        "        with generation_span('llm', model=model) as s:\n"
        "            record_usage(s, model=model, prompt_tokens=100, completion_tokens=10)\n"
        "run('gpt-4o-mini'); run('gpt-4o')\n"
    )
    with KernelSession() as kernel:
        assert kernel.execute(setup, timeout=60).status == "ok"
        for line, expected in (("%trace_history", "Trace history"), ("%trace_compare 1 2", "Compare A")):
            execution = kernel.execute(line, timeout=60)
            assert execution.status == "ok", execution.error
            (shown,) = execution.of_type("display_data")
            data = shown["content"]["data"]
            assert data["text/html"].startswith('<div class="dpt dpt-') and expected in data["text/plain"]
            assert "<b>cell</b>" not in data["text/html"] and "&lt;b&gt;cell&lt;/b&gt;" in data["text/html"]
        failed = kernel.execute("%trace_compare 1 nope", timeout=60)
        # IPython reports a UsageError as one short stderr line, not a traceback.
        assert failed.status == "error" and "UsageError: no traced block named 'nope'" in failed.stderr
