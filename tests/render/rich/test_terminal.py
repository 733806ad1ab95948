"""What a block prints in a terminal: the seed's panel, the insights, the waterfall, at any width from 60."""

from __future__ import annotations

import re

import pytest

from datapizza_tracing import ContextTracing, generation_span, record_usage
from datapizza_tracing.model.record import ERROR
from tests.support.handle_spans import TRACER, make_span
from tests.support.records import llm, snapshot, span
from tests.support.rendering import terminal_text

TOKEN_HEADERS = (
    "Model",
    "Calls",
    "Prompt Tokens",
    "Completion Tokens",
    "Cached Tokens",
    "Thinking Tokens",
    "Cost",
)


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")


def _waterfall(out: str) -> list[str]:
    """The waterfall's rows: from its header line to the first line that is not a row."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Span ") and "Duration" in line)
    rows = []
    for line in lines[start + 1 :]:
        if not line.strip() or line.startswith(("Time by span name", "██", "…")):
            break
        rows.append(line)
    return rows


def _run_agent() -> None:
    with TRACER.start_as_current_span("agent run"):
        with generation_span("llm call") as span:
            record_usage(span, model="gpt-4o-mini", prompt_tokens=31, completion_tokens=27, cached_tokens=5)
        make_span("tool call")


def test_terminal_report_has_title_totals_token_table_and_waterfall(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with ContextTracing().trace("my_operation", display="terminal"):
        _run_agent()
    out = capsys.readouterr().out

    assert "Trace Summary of my_operation" in out
    assert "Total Spans: 4" in out
    assert re.search(r"Duration: \d+(\.\d+)?(µs|ms|s)", out)
    for header in TOKEN_HEADERS:
        assert header in out
    row = next(line for line in out.splitlines() if line.startswith("│ │ gpt-4o-mini"))
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells[:6] == ["gpt-4o-mini", "1", "31", "27", "5", "0"]
    rows = _waterfall(out)
    names = [re.sub(r"^[│├└─ ]*", "", row).split("  ")[0].split(" ")[0] for row in rows]
    assert names == ["my_operation", "agent", "llm", "tool"]
    indent = [len(row) - len(row.lstrip("│├└─ ")) for row in rows]
    assert indent[0] < indent[1] < indent[2] == indent[3]
    assert "31→27" in rows[2] and "Σ 31→27" in rows[1]


def test_environment_display_terminal_prints_and_off_prints_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_DISPLAY", "TERMINAL")
    with ContextTracing().trace("from env"):
        make_span("x")
    assert "Trace Summary of from env" in capsys.readouterr().out
    monkeypatch.setenv("DATAPIZZA_TRACING_DISPLAY", "off")
    with ContextTracing().trace("silent"):
        make_span("x")
    assert capsys.readouterr().out == ""


def test_one_exception_is_one_error_and_the_report_still_prints_when_the_block_raises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(RuntimeError):
        with ContextTracing().trace("failing run", display="terminal"):
            make_span("fine step")
            with TRACER.start_as_current_span("broken step"):
                raise RuntimeError("disk full")
    out = capsys.readouterr().out
    assert "Trace Summary of failing run" in out and "Total Spans: 3" in out
    # Raised in "broken step", it also failed the block's root on its way out: one error, two spans.
    assert "Errors: 1  (2 failed spans)" in out
    assert "RuntimeError: disk full — raised in broken step, propagated through failing run" in out
    broken = next(line for line in _waterfall(out) if "broken step" in line)
    assert "✗ broken step" in broken and "RuntimeError: disk full" in broken
    assert "fine step" in out


def test_a_loop_folds_into_one_row_and_the_tree_limit_cuts_with_a_count(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ContextTracing().trace("loop", display="terminal"):
        for i in range(40):
            make_span(f"step {i}")
    out = capsys.readouterr().out
    assert "Total Spans: 41" in out
    rows = _waterfall(out)
    assert len(rows) == 2 and "step 0 … step 39 ×40" in rows[1]  # a closed group stands for its members

    monkeypatch.setenv("DATAPIZZA_TRACING_TREE_LIMIT", "5")
    with ContextTracing().trace("distinct", display="terminal"):
        for word in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"):
            make_span(word)
    out = capsys.readouterr().out
    assert len(_waterfall(out)) == 5  # the root and four spans
    assert "… 4 more spans (the tree shows 5 of them; set DATAPIZZA_TRACING_TREE_LIMIT" in out


def _every_number(text: str) -> set[str]:
    return set(re.findall(r"\$\d[\d,.]*|\d[\d,.]*(?:µs|ms|s)\b|\d[\d,]*→\d[\d,]*", text))


def demo_like_snapshot():
    return snapshot(
        span(1, 0, 0, 9, "trip_planner_demo"),
        span(2, 1, 0, 9, "trip_planner", attributes={"type": "agent"}),
        llm(3, 2, 0, 1, "openai/gpt-4o-mini-2024-07-18", 12_345, 6_789, cached=1_000),
        span(4, 2, 1, 4, "best_pizzeria with a rather long name for a tool", attributes={"type": "tool"}),
        span(5, 2, 4, 5, "failing", status=ERROR, message="LookupError: no pizzeria known in Turin"),
        llm(6, 2, 5, 9, "o4-mini", 107, 72, cached=48),
        name="trip_planner_demo",
    )


@pytest.mark.parametrize("width", [60, 80, 120])
def test_every_number_is_whole_at_60_80_and_120_columns(width: int) -> None:
    snap = demo_like_snapshot()
    text = terminal_text(snap, width=width)
    assert max(len(line) for line in text.splitlines()) <= width
    for figure in (
        "$0.005850",
        "$0.000395",
        "$0.006245",
        "12,345",
        "6,789",
        "1,000",
        "107",
        "72",
        "48",
        "9.00s",
        "3.00s",
    ):
        assert figure in text, f"{figure} missing at {width} columns"
    assert "…" not in "".join(_every_number(text))  # no number cut short
    # Every figure of a roomy rendering (without the bars' axis) is in the narrow one too.
    assert _every_number(terminal_text(snap, width=99)) <= _every_number(text)


def test_a_deep_chain_keeps_its_failing_span_visible_at_80_columns() -> None:
    chain = [span(1, 0, 0, 61, "root")]
    for depth in range(2, 62):
        chain.append(span(depth, depth - 1, depth - 1, 61, f"level {depth}"))
    chain[-1] = span(61, 60, 60, 61, "the failing step", status=ERROR, message="ValueError: deep")
    text = terminal_text(snapshot(*chain), width=80)
    rows = _waterfall(text)
    assert len(rows) == 61 and all(len(row) <= 80 for row in rows)
    assert "✗ the failing step" in rows[-1]
    assert "ValueError: deep — raised in the failing step" in text


def test_control_sequences_in_names_and_messages_never_reach_the_terminal_raw() -> None:
    hostile = "\x1b[2J\x1b]0;owned\x07\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\\u202etxt.exe"
    snap = snapshot(
        span(1, 0, 0, 2, f"run {hostile}"),
        span(2, 1, 0, 1, hostile, status=ERROR, message=f"boom {hostile}"),
        llm(3, 1, 1, 2, f"model{hostile}", 1, 1),
        name=f"trace {hostile}",
    )
    for width in (60, 120):
        text = terminal_text(snap, width=width)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "␛[2J" in text  # shown, harmlessly, as a visible symbol


@pytest.mark.parametrize("width", [60, 80, 120])
def test_two_models_of_one_family_keep_names_that_tell_them_apart_in_the_token_table(width: int) -> None:
    # At 80 columns the token table cut both names to "claude-…": two models' figures under one name.
    text = terminal_text(
        snapshot(
            span(1, 0, 0, 3, "block"),
            llm(2, 1, 0, 1, "claude-3-5-sonnet-20241022", 1_234_567, 234_567, cached=34_567),
            llm(3, 1, 1, 2, "claude-3-5-haiku-20241022", 1_234_567, 234_567, cached=34_567),
            llm(4, 1, 2, 3, "gpt-4o-mini-2024-07-18", 1_234_567, 234_567, cached=34_567),
        ),
        width=width,
    )
    panel = text[: text.index("╰")]
    assert max(len(line) for line in text.splitlines()) <= width
    assert "claude-3-5-s" in panel and "claude-3-5-h" in panel


def test_a_block_name_too_long_for_the_panel_is_cut_with_an_ellipsis_not_silently() -> None:
    name = "evaluate_retrieval_augmented_generation_pipeline_against_golden_dataset"
    text = terminal_text(snapshot(span(1, 0, 0, 1, name), name=name), width=60)
    title = text.splitlines()[0]
    assert len(title) <= 60 and "Trace Summary of evaluate_retrieval" in title
    assert title.endswith("…─╮")


def test_a_running_block_keeps_its_running_mark_when_its_long_name_is_cut() -> None:
    # The mark used to follow the name, so the cut that fits a long name to the panel took it away:
    # a block still running read as finished.
    name = "evaluate_retrieval_augmented_generation_pipeline_against_golden_dataset"
    text = terminal_text(snapshot(span(1, 0, 0, None, name), name=name), width=60)
    title = text.splitlines()[0]
    assert len(title) <= 60 and "(running) Trace Summary of evaluate" in title
    assert title.endswith("…─╮")
