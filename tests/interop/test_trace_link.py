"""A link from the printed report to the trace in a tracing backend."""

from __future__ import annotations

import pytest
from opentelemetry import trace

from datapizza_tracing import ContextTracing

TEMPLATE = "http://127.0.0.1:6006/projects/default/traces/{trace_id}"


def _traced_report(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    with ContextTracing().trace("linked", display="terminal") as handle:
        with trace.get_tracer("tests.interop").start_as_current_span("work"):
            pass
    return handle.trace_id, capsys.readouterr().out


def test_report_links_to_the_trace(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_TRACE_URL", TEMPLATE)
    monkeypatch.setenv("COLUMNS", "200")  # keep the URL on one line

    trace_id, out = _traced_report(capsys)

    assert len(trace_id) == 32 and int(trace_id, 16)
    assert f"Trace: http://127.0.0.1:6006/projects/default/traces/{trace_id}" in out
    assert "{trace_id}" not in out


def test_no_link_without_a_template(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DATAPIZZA_TRACING_TRACE_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "200")

    trace_id, out = _traced_report(capsys)

    assert "Trace Summary of linked" in out
    assert "Trace:" not in out and trace_id not in out
