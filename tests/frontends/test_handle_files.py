"""A real block saved with ``handle.save`` and read back with ``datapizza_tracing.load``."""

from __future__ import annotations

import sys

import pandas as pd
import pytest
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

import datapizza_tracing as dt
from datapizza_tracing import ContextTracing, generation_span, record_usage
from datapizza_tracing.render.rich.text import render_text


def traced_block() -> dt.TraceHandle:
    tracer = trace.get_tracer("tests.analysis.files")
    with ContextTracing().trace("saved-block") as handle:
        with tracer.start_as_current_span(
            "step", attributes={"n": 3, "ratio": 0.5, "ok": True, "tags": ["x", "y"]}
        ) as s:
            s.add_event("checkpoint", {"rows": 10})
        with generation_span("llm", model="gpt-4.1-mini") as s:
            record_usage(
                s, model="gpt-4.1-mini", prompt_tokens=2_000, completion_tokens=100, cached_tokens=1_000
            )
        try:
            with tracer.start_as_current_span("failing"):
                raise KeyError("missing")
        except KeyError:
            pass
        with tracer.start_as_current_span("fine") as s:
            s.set_status(Status(StatusCode.OK))
    return handle


def test_save_and_load_a_real_block(tmp_path):
    handle = traced_block()
    path = handle.save(tmp_path / "block.json")
    loaded = dt.load(path)
    assert isinstance(loaded, dt.TraceHandle) and loaded.finished
    assert (loaded.name, loaded.trace_id) == (handle.name, handle.trace_id)
    original, back = handle.snapshot(), loaded.snapshot()
    assert back.root_span_id == original.root_span_id
    assert (back.start_ns, back.end_ns, back.duration_ns) == (
        original.start_ns,
        original.end_ns,
        original.duration_ns,
    )
    fields = (
        "name",
        "span_id",
        "parent_id",
        "start_ns",
        "end_ns",
        "status",
        "status_message",
        "kind",
        "events",
    )
    assert sorted(tuple(getattr(s, f) for f in fields) for s in back.spans) == sorted(
        tuple(getattr(s, f) for f in fields) for s in original.spans
    )
    step = next(s for s in back.spans if s.name == "step")
    assert dict(step.attributes) == {"n": 3, "ratio": 0.5, "ok": True, "tags": ("x", "y")}
    failing = next(s for s in back.spans if s.name == "failing")
    assert failing.status == 2 and failing.events[0].name == "exception"
    assert failing.events[0].attributes["exception.type"] == "KeyError"
    assert step.resource.attributes["telemetry.sdk.name"] == "opentelemetry"
    # It summarises and renders like the live handle.
    assert loaded.summary().usage == handle.summary().usage
    live_text = render_text(handle.report(), width=120)
    loaded_text = render_text(loaded.report(), width=120)
    assert loaded_text == live_text
    assert "Time by span name" in loaded_text and "$0.000" in loaded_text
    # And compares like a live one.
    comparison = dt.compare(handle, loaded)
    assert comparison.changes == ()
    assert len(loaded.get_spans()) == len(original.spans)


def test_load_all_gives_one_handle_per_trace(tmp_path):
    first, second = traced_block(), traced_block()
    path = tmp_path / "two.jsonl"
    first.save(tmp_path / "a.json")
    second.save(tmp_path / "b.json")
    path.write_text((tmp_path / "a.json").read_text() + (tmp_path / "b.json").read_text())
    assert [h.trace_id for h in dt.load_all(path)] == [first.trace_id, second.trace_id]
    assert dt.load(path).trace_id == second.trace_id


def test_to_dataframe_one_row_per_span():
    handle = traced_block()
    frame = handle.to_dataframe()
    assert len(frame) == len(handle.snapshot().spans)
    llm = frame[frame.name == "llm"].iloc[0]
    assert (llm.model, llm.prompt_tokens, llm.cached_tokens) == ("gpt-4.1-mini", 2_000, 1_000)
    assert llm.cost_usd == pytest.approx((1_000 * 0.40 + 1_000 * 0.10 + 100 * 1.60) / 1e6)
    assert frame[frame.counted].prompt_tokens.sum() == handle.summary().total_usage.prompt_tokens
    assert frame[frame.name == "failing"].iloc[0].status == "ERROR"
    assert str(frame.start.dt.tz) == "UTC" and (frame.duration_s >= 0).all()
    assert frame[frame.name == "saved-block"].parent_id.isna().all()  # the root has no parent


def test_to_dataframe_without_pandas_says_what_to_install(monkeypatch):
    handle = traced_block()
    monkeypatch.setitem(sys.modules, "pandas", None)  # what an absent package looks like to `import`
    with pytest.raises(ImportError, match="needs pandas, which is not installed: pip install pandas"):
        handle.to_dataframe()


def test_show_prints_the_report_in_a_terminal(capsys):
    dt.TraceHandle.from_snapshot(traced_block().snapshot()).show()
    out = capsys.readouterr().out
    assert "Trace Summary of saved-block" in out and "Time by span name" in out


def _handle_of(*spans):
    from tests.support.records import snapshot

    return dt.TraceHandle.from_snapshot(snapshot(*spans))


def test_spans_that_end_before_they_start_last_no_time_anywhere():
    # A clock that went back, or a hand-edited file: the panel said "Duration: -1000000µs".
    from tests.support.records import span

    handle = _handle_of(span(1, 0, 5, 4, "root"), span(2, 1, 5, 3, "child"))
    assert handle.summary().duration_s == 0 and handle.snapshot().spans[0].duration_ns(0) == 0
    assert (handle.to_dataframe().duration_s == 0).all()
    from tests.support.rendering import terminal_text

    assert "Duration: 0µs" in terminal_text(handle.snapshot())


def test_to_dataframe_reads_times_pandas_cannot_hold_as_missing_instead_of_raising():
    # A file may hold any u64 nanosecond time; pandas' datetime stops in 2262 and raised OutOfBoundsDatetime.
    from tests.support.records import span

    far = 2**64 // 10**9 - 1  # seconds: the last nanosecond time a file can hold
    frame = _handle_of(span(1, 0, 0, 1, "root"), span(2, 1, far - 1, far, "late")).to_dataframe()
    late = frame[frame.name == "late"].iloc[0]
    assert late.start is pd.NaT and late.end is pd.NaT and late.duration_s == pytest.approx(1.0)
    assert isinstance(frame[frame.name == "root"].iloc[0].start, pd.Timestamp)
