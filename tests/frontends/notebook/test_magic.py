"""``%load_ext datapizza_tracing`` and ``%%trace`` in a real ipykernel (and one terminal IPython run)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.kernel import Execution, KernelSession

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

SETUP = """\
%load_ext datapizza_tracing
import asyncio, time
from opentelemetry import trace
import datapizza_tracing
from datapizza_tracing.collect.provider import installed_collector
tracer = trace.get_tracer("test_magic")
"""


def shown_text(execution: Execution) -> str:
    """Everything a user would read: streams, the text of displayed bundles, the error."""
    parts = [execution.stdout, execution.stderr]
    for msg in execution.of_type("display_data", "update_display_data", "execute_result"):
        parts.append(msg["content"]["data"].get("text/plain", ""))
    if execution.error is not None:
        parts.append("\n".join(execution.error["traceback"]))
    return _ANSI.sub("", "\n".join(parts))


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def value_of(session: KernelSession, expression: str) -> str:
    """The ``text/plain`` repr of ``expression`` evaluated in the kernel."""
    execution = session.execute(expression)
    assert execution.status == "ok", shown_text(execution)
    results = execution.of_type("execute_result")
    assert len(results) == 1, shown_text(execution)
    return results[0]["content"]["data"]["text/plain"]


@pytest.fixture(scope="module")
def kernel() -> Iterator[KernelSession]:
    # One kernel for the module: each test uses its own names. Static display
    # keeps outputs plain bundles whatever the live view does.
    with KernelSession(env={"DATAPIZZA_TRACING_DISPLAY": "static"}) as session:
        setup = session.execute(SETUP)
        assert setup.status == "ok", shown_text(setup)
        yield session


def test_trace_magic_shows_the_trace_and_hands_it_out(kernel: KernelSession) -> None:
    execution = kernel.execute(
        "%%trace three_steps -o steps\n"
        "for step in ('load', 'clean', 'train'):\n"
        "    with tracer.start_as_current_span(step):\n"
        "        pass\n"
    )
    assert execution.status == "ok", shown_text(execution)
    text = shown_text(execution)
    assert "Trace Summary of three_steps" in text
    assert "Total Spans: 4" in text  # the block's root span and its three children
    assert value_of(kernel, "steps.summary().total_spans") == "4"
    assert value_of(kernel, "datapizza_tracing.last_trace() is steps") == "True"
    assert value_of(kernel, "sorted(s.name for s in steps.get_spans())") == (
        "['clean', 'load', 'three_steps', 'train']"
    )
    # The rewritten cell leaves nothing of its own in the user's namespace.
    assert (
        value_of(kernel, "[k for k in globals() if k.startswith('__datapizza') or k.startswith('_dp')]")
        == "[]"
    )


def test_top_level_await_runs_on_the_kernels_loop(kernel: KernelSession) -> None:
    first = kernel.execute("await asyncio.sleep(0)\nkernel_loop = asyncio.get_running_loop()")
    assert first.status == "ok", shown_text(first)
    execution = kernel.execute(
        "%%trace awaited -o awaited\n"
        "async def fetch():\n"
        "    with tracer.start_as_current_span('fetch'):\n"
        "        await asyncio.sleep(0.05)\n"
        "    return asyncio.get_running_loop()\n"
        "(await fetch()) is kernel_loop\n"
    )
    assert execution.status == "ok", shown_text(execution)
    results = execution.of_type("execute_result")
    assert [r["content"]["data"]["text/plain"] for r in results] == ["True"]
    assert "Trace Summary of awaited" in shown_text(execution)
    assert value_of(kernel, "[s.name for s in awaited.get_spans()]") == "['fetch', 'awaited']"


def test_last_expression_is_displayed_and_semicolon_hides_it(kernel: KernelSession) -> None:
    shown = kernel.execute("%%trace\nanswer = 40\nanswer + 2\n")
    assert shown.status == "ok", shown_text(shown)
    assert [r["content"]["data"]["text/plain"] for r in shown.of_type("execute_result")] == ["42"]
    # The value comes after the trace, as the cell's own result (it lands in Out).
    assert value_of(kernel, "Out[max(Out)]") == "42"

    hidden = kernel.execute("%%trace\nanswer + 3;\n")
    assert hidden.status == "ok", shown_text(hidden)
    assert hidden.of_type("execute_result") == []
    assert "Trace Summary of" in shown_text(hidden)

    # Clients such as nbval run cells with store_history=False, where IPython
    # itself cannot see the ";" (it reads it from the last *stored* cell).
    assert value_of(kernel, "answer") == "40"  # the last stored cell has no ";"
    unstored = kernel.collect(kernel.client.execute("%%trace\nanswer + 4;\n", store_history=False))
    assert unstored.status == "ok", shown_text(unstored)
    assert unstored.of_type("execute_result") == []


def test_exception_fails_the_cell_at_the_users_line_and_shows_the_trace(kernel: KernelSession) -> None:
    execution = kernel.execute(
        "%%trace failing\n"
        "with tracer.start_as_current_span('parse'):\n"
        "    pass\n"
        "with tracer.start_as_current_span('explode'):\n"
        "    raise ValueError('boom from line five')\n"
        "after_error = True\n"
    )
    assert execution.status == "error"
    error = execution.error
    assert error is not None and error["ename"] == "ValueError"
    traceback = _ANSI.sub("", "\n".join(error["traceback"]))
    assert "boom from line five" in traceback
    assert "raise ValueError('boom from line five')" in traceback
    assert "----> 5 " in traceback  # the user's own numbering: %%trace is line 1
    trace_output = shown_text(execution).replace(traceback, "")
    assert "Trace Summary of failing" in trace_output
    assert "Errors: 1  (2 failed spans)" in trace_output  # raised in explode, failing the root too
    assert "explode" in trace_output and "ValueError: boom from line five" in trace_output
    assert value_of(kernel, "'after_error' in globals()") == "False"
    assert value_of(kernel, "installed_collector().tracked_count") == "0"


def test_interrupt_closes_and_shows_the_trace_and_aborts_queued_cells(kernel: KernelSession) -> None:
    slow = kernel.submit(
        "%%trace interrupted\n"
        "with tracer.start_as_current_span('waiting'):\n"
        "    print('sleeping now', flush=True)\n"
        "    time.sleep(30)\n"
    )
    queued = kernel.submit("queued_cell_ran = True")
    kernel.wait_for_stream(slow, "sleeping now", timeout=30)
    kernel.interrupt()
    execution = kernel.collect(slow, timeout=30)
    assert execution.status == "error"
    assert execution.error is not None and execution.error["ename"] == "KeyboardInterrupt"
    text = shown_text(execution)
    assert "Trace Summary of interrupted" in text
    assert "Total Spans: 2" in text
    assert kernel.collect(queued, timeout=30).status == "aborted"
    assert value_of(kernel, "'queued_cell_ran' in globals()") == "False"
    assert value_of(kernel, "installed_collector().tracked_count") == "0"
    assert value_of(kernel, "datapizza_tracing.last_trace().name") == "'interrupted'"


@pytest.mark.parametrize("arguments", ["--bogus", "-o", "-o 1st", "--no-display=yes", "--receive my run"])
def test_bad_arguments_give_a_usage_error_and_do_not_run_the_body(
    kernel: KernelSession, arguments: str
) -> None:
    execution = kernel.execute(f"%%trace {arguments}\nbody_ran = True\n")
    assert execution.status == "error"
    assert execution.reply["ename"] == "UsageError"  # shown on stderr, without a traceback
    assert "Usage: %%trace [-o VAR] [--no-display] [--receive [PORT]] [name ...]" in shown_text(execution)
    assert "Trace Summary" not in shown_text(execution)
    assert value_of(kernel, "'body_ran' in globals()") == "False"


def test_no_display_collects_without_showing(kernel: KernelSession) -> None:
    execution = kernel.execute(
        "%%trace quiet --no-display -o quiet\nwith tracer.start_as_current_span('hidden'):\n    pass\n"
    )
    assert execution.status == "ok", shown_text(execution)
    assert "Trace Summary" not in shown_text(execution)
    assert value_of(kernel, "quiet.summary().total_spans") == "2"


def test_help_shows_the_usage_and_options(kernel: KernelSession) -> None:
    execution = kernel.execute("%%trace?")
    assert execution.status == "ok", shown_text(execution)
    pages = [p["data"]["text/plain"] for p in execution.reply.get("payload", []) if p.get("source") == "page"]
    help_text = "\n".join(pages) + shown_text(execution)
    assert "%%trace [-o VAR] [--no-display] [--receive [PORT]] [name ...]" in help_text
    assert "Store the trace's handle in the variable VAR" in help_text
    assert "Open an OTLP/HTTP receiver on loopback" in help_text


def test_receive_opens_a_receiver_for_the_cell_and_a_services_spans_join_its_trace(
    kernel: KernelSession,
) -> None:
    # The "service" exports over real OTLP/HTTP to the endpoint the cell's handle names.
    execution = kernel.execute(
        "%%trace with a service --receive -o served\n"
        "from tests.support.otlp_client import service_provider\n"
        "service = service_provider('inventory', served.otlp_traces_endpoint)\n"
        "with tracer.start_as_current_span('call inventory'):\n"
        "    with service.get_tracer('inventory').start_as_current_span('lookup'):\n"
        "        pass\n"
        "service.shutdown()\n"
    )
    assert execution.status == "ok", shown_text(execution)
    names = "sorted(span.name for span in served.snapshot().spans)"
    assert value_of(kernel, names) == "['call inventory', 'lookup', 'with a service']"
    assert value_of(kernel, "served.otlp_endpoint.startswith('http://127.0.0.1:')") == "True"
    # It stays open for late spans (the grace period) until the handle closes it.
    closed = kernel.execute(
        "served.stop_receiving()\n"
        "import socket\nfrom urllib.parse import urlsplit\n"
        "address = urlsplit(served.otlp_endpoint)\n"
        "probe = socket.socket()\n"
        "refused = probe.connect_ex((address.hostname, address.port)) != 0\n"
        "probe.close()\nrefused\n"
    )
    assert closed.status == "ok", shown_text(closed)
    assert closed.of_type("execute_result")[0]["content"]["data"]["text/plain"] == "True"


def test_plain_run_cell_magic_call_still_traces(kernel: KernelSession) -> None:
    execution = kernel.execute(
        "get_ipython().run_cell_magic('trace', 'direct -o direct', "
        "\"with tracer.start_as_current_span('one'):\\n    pass\\n6 * 7\")"
    )
    assert execution.status == "ok", shown_text(execution)
    assert "Trace Summary of direct" in shown_text(execution)
    assert [r["content"]["data"]["text/plain"] for r in execution.of_type("execute_result")] == ["42"]
    assert value_of(kernel, "direct.summary().total_spans") == "2"


RELOAD_CHECK = """\
from opentelemetry.sdk.trace import TracerProvider
from datapizza_tracing.collect.collector import SpanCollector
processors = trace.get_tracer_provider()._active_span_processor._span_processors
ip = get_ipython()
(
    # The collector sits in the chain wrapped in a SharedCollectorProcessor.
    sum(isinstance(getattr(p, "collector", p), SpanCollector) for p in processors),
    sum(getattr(t, "_datapizza_tracing_installed", False) for t in ip.input_transformers_cleanup),
    sum(getattr(t, "_datapizza_tracing_installed", False) for t in ip.ast_transformers),
    'trace' in ip.magics_manager.magics['cell'],
)
"""


def test_reloading_three_times_leaves_one_of_everything() -> None:
    with KernelSession(env={"DATAPIZZA_TRACING_DISPLAY": "static"}) as session:
        for line in (
            "%load_ext datapizza_tracing",
            "%load_ext datapizza_tracing",
            "%reload_ext datapizza_tracing",
            "%unload_ext datapizza_tracing",
        ):
            assert session.execute(line).status == "ok", line
        unloaded = session.execute("%%trace gone\nstill_plain = 1\n")
        # Unloaded: the %%trace cell is an unknown cell magic again.
        assert unloaded.status == "error" and "still_plain" not in shown_text(unloaded)
        assert session.execute("%load_ext datapizza_tracing").status == "ok"
        traced = session.execute(
            "%%trace once -o once\n"
            "from opentelemetry import trace\n"
            "with trace.get_tracer('reload').start_as_current_span('only'):\n"
            "    pass\n"
        )
        assert traced.status == "ok", shown_text(traced)
        assert shown_text(traced).count("Trace Summary of once") == 1
        assert value_of(session, "[s.name for s in once.get_spans()]") == "['only', 'once']"
        assert value_of(session, RELOAD_CHECK) == "(1, 1, 1, True)"


def _terminal_ipython(tmp_path: Any, stdin: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATAPIZZA_TRACING_DISPLAY": "auto", "IPYTHONDIR": str(tmp_path), "COLUMNS": "100"}
    env.pop("PYTEST_CURRENT_TEST", None)
    command = [
        sys.executable,
        "-m",
        "IPython",
        "--ext=datapizza_tracing",
        "--simple-prompt",
        "--no-banner",
        "--colors=nocolor",
        "--HistoryManager.enabled=False",
    ]
    return subprocess.run(
        command, check=False, input=stdin, capture_output=True, text=True, timeout=60, env=env
    )


def test_terminal_ipython_prints_the_panel(tmp_path: Any) -> None:
    # Lines typed one by one: the cell must wait for its end, not run as soon as "%%trace ..." is typed.
    result = _terminal_ipython(
        tmp_path,
        "%%trace terminal_demo\n"
        "from opentelemetry import trace\n"
        "with trace.get_tracer('t').start_as_current_span('typed'):\n"
        "    value = 21\n"
        "value * 2\n"
        "\n"
        "\n"  # the simple prompt ends a cell magic at the second blank line
        "exit\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Trace Summary of terminal_demo" in result.stdout, result.stdout + result.stderr
    assert "Total Spans: 2" in result.stdout
    assert "typed" in result.stdout
    assert "42" in result.stdout.split("Trace Summary of terminal_demo", 1)[1]


def test_kernelspec_opt_in_loads_the_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    # The shipped kernelspec, found the way an installed one is (JUPYTER_PATH/kernels/<name>).
    config_dir = Path(__file__).resolve().parents[2] / "jupyter-config"
    monkeypatch.setenv("JUPYTER_PATH", str(config_dir))
    env = {"DATAPIZZA_TRACING_DISPLAY": "static"}
    with KernelSession(env=env, kernel_name="python3-datapizza-tracing") as session:
        execution = session.execute("%%trace opted_in\nimport sys\nsys.executable\n")
        assert execution.status == "ok", shown_text(execution)
        assert "Trace Summary of opted_in" in shown_text(execution)
        # jupyter_client runs "python" in a kernelspec as the current interpreter.
        assert value_of(session, "sys.executable") == repr(sys.executable)


def test_live_widget_mode_ends_with_the_static_snapshot_on_error_and_interrupt() -> None:
    # The default display in a kernel: a live widget, replaced in place when the cell ends.
    with KernelSession(env={"DATAPIZZA_TRACING_DISPLAY": "auto"}) as session:
        assert session.execute(SETUP).status == "ok"
        execution = session.execute(
            "%%trace live_failure\n"
            "for step in range(3):\n"
            "    with tracer.start_as_current_span(f'step {step}'):\n"
            "        time.sleep(0.3)\n"
            "with tracer.start_as_current_span('last_step'):\n"
            "    raise RuntimeError('failed while live')\n"
        )
        interrupted_id = session.submit(
            "%%trace live_interrupt\n"
            "with tracer.start_as_current_span('waiting'):\n"
            "    print('sleeping now', flush=True)\n"
            "    time.sleep(30)\n"
        )
        session.wait_for_stream(interrupted_id, "sleeping now", timeout=30)
        time.sleep(0.6)  # let the live view tick while the cell sleeps
        session.interrupt()
        interrupted = session.collect(interrupted_id, timeout=30)
        tracked_after = value_of(session, "installed_collector().tracked_count")
    assert interrupted.status == "error"
    assert interrupted.error is not None and interrupted.error["ename"] == "KeyboardInterrupt"
    interrupted_finals = interrupted.of_type("update_display_data")
    assert len(interrupted_finals) == 1
    assert "Trace Summary of live_interrupt" in interrupted_finals[0]["content"]["data"]["text/plain"]
    assert tracked_after == "0"

    assert execution.status == "error"
    assert execution.error is not None and execution.error["ename"] == "RuntimeError"
    opened = execution.of_type("display_data")
    assert len(opened) == 1 and "application/vnd.jupyter.widget-view+json" in opened[0]["content"]["data"]
    display_id = opened[0]["content"]["transient"]["display_id"]
    assert execution.widget_updates(), "the widget was not updated while the cell ran"
    finals = execution.of_type("update_display_data")
    assert len(finals) == 1 and finals[0]["content"]["transient"]["display_id"] == display_id
    final = finals[0]["content"]["data"]
    assert set(final) == {"text/html", "text/plain"}  # no widget left in the saved notebook
    assert "Trace Summary of live_failure" in final["text/plain"]
    assert "RuntimeError: failed while live" in final["text/plain"]
    assert "Errors: 1  (2 failed spans)" in final["text/plain"]
