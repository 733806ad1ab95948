"""The span cap: spans over it are counted as dropped, totals stay exact, the summary says so."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
from opentelemetry import trace

from datapizza_tracing import ConfigError, ContextTracing, collect
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


def test_a_nested_blocks_root_past_the_cap_is_kept_and_not_counted_as_dropped() -> None:
    with ContextTracing().trace("outer", max_spans=3) as outer:
        for name in "abcd":  # one slot stays for the outer root: a and b are kept
            make_span(name)
        with ContextTracing().trace("inner"):
            make_span("e")
    assert sorted(span.name for span in outer.get_spans()) == ["a", "b", "inner", "outer"]
    assert outer.summary().total_spans == 7
    assert outer.summary().dropped_spans == 3  # c, d and e


def test_the_cap_is_exact_with_threads_racing_at_it() -> None:
    threads_per_round, spans_per_thread, max_spans, rounds = 8, 100, 300, 6
    for round_number in range(rounds):
        start = threading.Barrier(threads_per_round, timeout=30)

        def work(start: threading.Barrier = start) -> None:
            start.wait()
            for _ in range(spans_per_thread):
                with TRACER.start_as_current_span("racing"):
                    pass

        with ContextTracing().trace("race", max_spans=max_spans) as handle:
            threads = [threading.Thread(target=work) for _ in range(threads_per_round)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)

        kept = len(handle.get_spans())
        summary = handle.summary()
        total = threads_per_round * spans_per_thread + 1
        assert (round_number, kept) == (round_number, max_spans)
        assert summary.total_spans == total
        assert summary.dropped_spans == total - max_spans


class _HeldUpAtLine:
    """A trace function that stops its thread at the n-th line the collector runs, until released.

    Counting every line of ``datapizza_tracing.collect`` (the processor, the row
    building) lets a test hold a thread up at each step of recording its span in
    turn, whatever the code looks like: a check-then-act race is hit for sure.
    """

    def __init__(self, line: int) -> None:
        self.line = line
        self.lines_seen = 0
        self.reached = threading.Event()
        self.release = threading.Event()

    def __call__(self, frame: FrameType, event: str, arg: object) -> Callable[..., object] | None:
        return self._line if frame.f_code.co_filename.startswith(_COLLECT_DIR) else None

    def _line(self, frame: FrameType, event: str, arg: object) -> Callable[..., object]:
        if event == "line":
            self.lines_seen += 1
            if self.lines_seen == self.line:
                self.reached.set()
                # Bounded: a lock the fillers need, held here, must not hang the suite.
                self.release.wait(10)
        return self._line


_COLLECT_DIR = str(Path(collect.__file__).parent)


def _end_held_up(span: trace.Span, held_up: _HeldUpAtLine) -> None:
    sys.settrace(held_up)
    try:
        span.end()
    finally:
        sys.settrace(None)
        held_up.reached.set()  # the span ended before reaching that line


def test_the_cap_is_exact_when_a_thread_is_held_up_at_any_step_of_recording_its_span() -> None:
    # One thread ends its span while the block is far below the cap and is held
    # up at line n of the collector; meanwhile the block's own thread overfills
    # the cap; then the held-up thread goes on. For every n.
    max_spans, before, after = 100, 20, 150
    probe = _HeldUpAtLine(line=0)  # counts the lines of one whole recording
    with ContextTracing().trace("probe", max_spans=max_spans):
        _end_held_up(TRACER.start_span("probe"), probe)
    assert probe.lines_seen > 3
    for line in range(1, probe.lines_seen + 1):
        held_up = _HeldUpAtLine(line)
        with ContextTracing().trace("held up", max_spans=max_spans) as handle:
            for i in range(before):
                make_span(f"before {i}")
            late = TRACER.start_span("late")
            thread = threading.Thread(target=_end_held_up, args=(late, held_up))
            thread.start()
            assert held_up.reached.wait(10)
            for i in range(after):
                make_span(f"after {i}")
            held_up.release.set()
            thread.join(10)
        summary = handle.summary()
        assert (line, len(handle.get_spans())) == (line, max_spans)
        assert (line, summary.total_spans, summary.dropped_spans) == (
            line, before + after + 2, before + after + 2 - max_spans)


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
