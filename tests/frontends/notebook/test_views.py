"""The notebook views in a real ipykernel: live widget updates while a cell runs, then the static snapshot.

A plain ``with ContextTracing().trace(...)`` is used (no extension loaded): the
view is chosen by ``DATAPIZZA_TRACING_DISPLAY``, which the code reads on every
block, so one kernel serves every mode. The magic is tested in test_magic.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from datapizza_tracing.views.live import LIVE_LINES
from tests.support.html_check import assert_safe
from tests.support.kernel import Execution, KernelSession

pytestmark = [pytest.mark.kernel, pytest.mark.slow]

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SETUP = """\
import os, time
from opentelemetry import trace
from datapizza_tracing import ContextTracing, generation_span, record_usage
from datapizza_tracing.frontends.display import resolve_mode
tracer = trace.get_tracer("test_views")

def calls(n, pause):
    for i in range(n):
        with generation_span("call", model="gpt-4o-mini") as span:
            record_usage(span, model="gpt-4o-mini", prompt_tokens=3, completion_tokens=2)
            time.sleep(pause)
"""
SPAN_COUNT = re.compile(r"<b>([\d,]+) spans?</b>")


def set_display(kernel: KernelSession, mode: str | None) -> None:
    code = (
        "os.environ.pop('DATAPIZZA_TRACING_DISPLAY', None)"
        if mode is None
        else f"os.environ['DATAPIZZA_TRACING_DISPLAY'] = {mode!r}"
    )
    expected = mode or "widget"  # auto in a kernel
    execution = kernel.execute(f"{code}\nassert resolve_mode(None) == {expected!r}, resolve_mode(None)")
    assert execution.status == "ok", execution.error


@pytest.fixture(scope="module")
def kernel() -> Iterator[KernelSession]:
    with KernelSession() as session:
        setup = session.execute(SETUP)
        assert setup.status == "ok", setup.error
        yield session


def comm_messages(execution: Execution, comm_id: str) -> list[tuple[float, dict[str, Any]]]:
    return [
        (arrived, msg)
        for arrived, msg in execution.messages
        if msg["msg_type"].startswith("comm_") and msg["content"].get("comm_id") == comm_id
    ]


def the_one(execution: Execution, msg_type: str) -> tuple[float, dict[str, Any]]:
    found = [(arrived, msg) for arrived, msg in execution.messages if msg["msg_type"] == msg_type]
    assert len(found) == 1, (
        f"{len(found)} {msg_type} messages: {[m['msg_type'] for _, m in execution.messages]}"
    )
    return found[0]


def test_widget_updates_while_the_cell_runs_then_the_static_snapshot_replaces_it(
    kernel: KernelSession,
) -> None:
    set_display(kernel, None)  # unset: auto, which is the widget in a kernel
    execution = kernel.execute('with ContextTracing().trace("x"):\n    calls(20, 0.1)\n', timeout=60)
    assert execution.status == "ok", execution.error

    _, shown = the_one(execution, "display_data")
    display_id = shown["content"]["transient"]["display_id"]
    model_id = shown["content"]["data"][WIDGET_MIME]["model_id"]
    assert shown["content"]["data"]["text/plain"].startswith("Tracing x")

    replaced_at, replaced = the_one(execution, "update_display_data")
    assert replaced["content"]["transient"]["display_id"] == display_id
    bundle = replaced["content"]["data"]
    assert set(bundle) == {"text/html", "text/plain"}  # no widget left in the saved output
    assert "Trace Summary of x" in bundle["text/html"] and "Total Spans: <b>21</b>" in bundle["text/html"]
    tokens = next(assert_safe(bundle["text/html"]).iter("table", "dpt-tokens"))
    assert [td.all_text() for td in next(tokens.iter("tbody")).iter("td")][:4] == [
        "gpt-4o-mini",
        "20",
        "60",
        "40",
    ]
    assert "Trace Summary of x" in bundle["text/plain"] and "Total Spans: 21" in bundle["text/plain"]

    updates = [
        (arrived, msg["content"]["data"]["state"]["value"])
        for arrived, msg in comm_messages(execution, model_id)
        if msg["msg_type"] == "comm_msg" and msg["content"]["data"].get("method") == "update"
    ]
    # Live: several updates, the first well before the cell ended, all before the snapshot.
    assert len(updates) >= 3, updates
    assert updates[0][0] < execution.finished_at - 1.0
    assert all(arrived < replaced_at for arrived, _ in updates)
    counts = [int(SPAN_COUNT.search(value).group(1).replace(",", "")) for _, value in updates]
    assert counts == sorted(counts) and counts[-1] > counts[0], counts
    assert "Tracing x" in updates[-1][1] and "gpt-4o-mini" in updates[-1][1]
    # The live view keeps one height while spans arrive: the same number of lines in every update.
    assert {value.count('class="dpt-line"') for _, value in updates} == {LIVE_LINES}

    # The widget is closed after the replacement: no model lingers.
    closes = [
        arrived for arrived, msg in comm_messages(execution, model_id) if msg["msg_type"] == "comm_close"
    ]
    assert len(closes) == 1 and closes[0] >= replaced_at


def test_a_hostile_block_name_reaches_every_text_plain_as_text(kernel: KernelSession) -> None:
    set_display(kernel, "widget")
    code = 'with ContextTracing().trace("evil\\x1b[2J\\x1b]0;t\\x07"):\n    calls(2, 0)\n'
    execution = kernel.execute(code)
    assert execution.status == "ok", execution.error
    _, shown = the_one(execution, "display_data")
    _, replaced = the_one(execution, "update_display_data")
    for text in (shown["content"]["data"]["text/plain"], replaced["content"]["data"]["text/plain"]):
        assert "evil␛[2J␛]0;t␇" in text
        assert not any(ord(char) < 32 and char != "\n" for char in text), text


def test_widget_view_shows_a_failing_block_and_the_cell_still_fails(kernel: KernelSession) -> None:
    set_display(kernel, "widget")
    code = 'with ContextTracing().trace("failing"):\n    calls(2, 0)\n    raise ValueError("boom <b>")\n'
    execution = kernel.execute(code)
    assert execution.status == "error" and execution.error["ename"] == "ValueError"
    _, replaced = the_one(execution, "update_display_data")
    html = replaced["content"]["data"]["text/html"]
    assert "Errors: 1" in html and "ValueError: boom &lt;b&gt;" in html and "✗ failing" in html


def test_a_failing_ticker_never_reaches_the_traced_code(kernel: KernelSession) -> None:
    set_display(kernel, "widget")
    code = (
        "from datapizza_tracing.views.live import LiveProgress\n"
        "real = LiveProgress.advance\n"
        "def broken(self): raise RuntimeError('ticker bug')\n"
        "LiveProgress.advance = broken  # only the ticker thread calls it\n"
        "try:\n"
        '    with ContextTracing().trace("resilient"):\n'
        "        calls(8, 0.1)\n"
        "    print('body finished')\n"
        "finally:\n"
        "    LiveProgress.advance = real\n"
    )
    execution = kernel.execute(code)
    assert execution.status == "ok", execution.error
    assert "body finished" in execution.stdout
    _, replaced = the_one(execution, "update_display_data")
    assert "Total Spans: <b>9</b>" in replaced["content"]["data"]["text/html"]
    assert not [m for _, m in execution.messages if m["msg_type"] == "comm_msg"]  # no update got through


def test_static_mode_displays_one_bundle_and_no_widget(kernel: KernelSession) -> None:
    set_display(kernel, "static")
    execution = kernel.execute('with ContextTracing().trace("still"):\n    calls(3, 0.05)\n')
    assert execution.status == "ok", execution.error
    types = [msg["msg_type"] for _, msg in execution.messages]
    assert not [t for t in types if t.startswith("comm_") or t == "update_display_data"], types
    _, shown = the_one(execution, "display_data")
    bundle = shown["content"]["data"]
    assert set(bundle) == {"text/html", "text/plain"}
    assert "Trace Summary of still" in bundle["text/html"] and "Total Spans: <b>4</b>" in bundle["text/html"]
    assert "Total Spans: 4" in bundle["text/plain"]


def test_off_mode_shows_nothing(kernel: KernelSession) -> None:
    set_display(kernel, "off")
    execution = kernel.execute('with ContextTracing().trace("quiet") as handle:\n    calls(3, 0)\n')
    assert execution.status == "ok", execution.error
    shown = [
        msg["msg_type"] for _, msg in execution.messages if msg["msg_type"] not in ("status", "execute_input")
    ]
    assert shown == []
    assert kernel.execute("assert handle.summary().total_spans == 4").status == "ok"
