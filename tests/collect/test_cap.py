"""The span cap: spans over it are counted as dropped, totals stay exact, the summary says so."""

from __future__ import annotations

import threading

import pytest

from datapizza_tracing import ConfigError, ContextTracing
from tests.support.handle_spans import TRACER, make_span


def test_spans_over_max_spans_are_dropped_and_counted() -> None:
    with ContextTracing().trace("capped", max_spans=10) as handle:
        for i in range(25):
            make_span(f"span {i}")

    summary = handle.summary()
    assert summary.total_spans == 26
    assert summary.dropped_spans == 16
    spans = handle.get_spans()
    assert len(spans) == 10
    # The root ends last, yet it is kept: the summary needs its status and duration.
    assert "capped" in {span.name for span in spans}
    assert [span.name for span in spans if span.name != "capped"] == [f"span {i}" for i in range(9)]


def test_max_spans_of_one_keeps_only_the_root() -> None:
    with ContextTracing().trace("root only", max_spans=1) as handle:
        for i in range(5):
            make_span(f"span {i}")
    assert [span.name for span in handle.get_spans()] == ["root only"]
    assert handle.summary().total_spans == 6
    assert handle.summary().dropped_spans == 5


def test_the_cap_is_exact_with_threads_racing_at_it() -> None:
    start = threading.Barrier(8, timeout=30)

    def work() -> None:
        start.wait()
        for _ in range(500):
            with TRACER.start_as_current_span("racing"):
                pass

    with ContextTracing().trace("race", max_spans=300) as handle:
        threads = [threading.Thread(target=work) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert len(handle.get_spans()) == 300
    summary = handle.summary()
    assert summary.total_spans == 4_001
    assert summary.dropped_spans == 4_001 - 300


def test_max_spans_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MAX_SPANS", "4")
    with ContextTracing().trace("from env") as handle:
        for i in range(10):
            make_span(f"span {i}")
    assert len(handle.get_spans()) == 4
    assert handle.summary().dropped_spans == 7
    # An explicit argument wins over the environment.
    with ContextTracing().trace("explicit", max_spans=20) as handle:
        for i in range(10):
            make_span(f"span {i}")
    assert handle.summary().dropped_spans == 0


@pytest.mark.parametrize("value", ["many", "0", "-3", "1.5"])
def test_a_bad_max_spans_environment_value_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_MAX_SPANS", value)
    ran = False
    with pytest.raises(ConfigError, match="DATAPIZZA_TRACING_MAX_SPANS") as raised:
        with ContextTracing().trace("never"):
            ran = True
    assert repr(value) in str(raised.value)
    assert not ran


def test_summary_and_terminal_report_say_spans_were_dropped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    with ContextTracing().trace("capped report", max_spans=5, display="terminal"):
        for i in range(12):
            make_span(f"span {i}")
    out = capsys.readouterr().out
    assert "Total Spans: 13" in out
    assert "8 dropped over the span cap" in out
    assert "… 8 more spans" in out
