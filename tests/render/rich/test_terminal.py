"""What a block prints in a terminal: the seed's summary panel, then the span tree."""

from __future__ import annotations

import re

import pytest

from datapizza_tracing import ContextTracing, generation_span, record_usage
from tests.support.handle_spans import TRACER, make_span

TOKEN_HEADERS = ("Model", "Prompt Tokens", "Completion Tokens", "Cached Tokens", "Thinking Tokens")


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    # rich wraps the five token headers on an 80-column terminal.
    monkeypatch.setenv("COLUMNS", "160")


def _tree_lines(out: str) -> list[str]:
    """The span tree: the root line after the panel, then its guide-prefixed lines."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("╰")) + 1
    tree = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith(("│", "├", "└", " ")):
            break
        tree.append(line)
    return tree


def _run_agent() -> None:
    with TRACER.start_as_current_span("agent run"):
        with generation_span("llm call") as span:
            record_usage(span, model="gpt-4o-mini", prompt_tokens=31, completion_tokens=27, cached_tokens=5)
        make_span("tool call")


def test_terminal_report_has_title_totals_token_table_and_tree(capsys: pytest.CaptureFixture[str]) -> None:
    with ContextTracing().trace("my_operation", display="terminal"):
        _run_agent()
    out = capsys.readouterr().out

    assert "Trace Summary of my_operation" in out
    assert "Total Spans: 4" in out
    assert re.search(r"Duration: \d+(\.\d+)?(µs|ms|s)", out)
    for header in TOKEN_HEADERS:
        assert header in out
    row = next(
        line for line in out.splitlines() if "gpt-4o-mini" in line and "┃" not in line and "tok" not in line
    )
    cells = [cell.strip() for cell in row.split("│") if cell.strip()]
    assert cells[:5] == ["gpt-4o-mini", "31", "27", "5", "0"]
    # The tree comes after the panel, children under their parents.
    lines = _tree_lines(out)
    positions = {
        name: next(i for i, line in enumerate(lines) if name in line)
        for name in ("my_operation", "agent run", "llm call", "tool call")
    }
    assert positions["my_operation"] < positions["agent run"] < positions["llm call"] < positions["tool call"]
    indent = {name: len(lines[i]) - len(lines[i].lstrip("│├└─ ")) for name, i in positions.items()}
    assert indent["my_operation"] < indent["agent run"] < indent["llm call"] == indent["tool call"]


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


def test_errors_are_visible_and_the_report_still_prints_when_the_block_raises(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(RuntimeError):
        with ContextTracing().trace("failing run", display="terminal"):
            make_span("fine step")
            with TRACER.start_as_current_span("broken step"):
                raise RuntimeError("disk full")
    out = capsys.readouterr().out
    assert "Trace Summary of failing run" in out
    assert "Total Spans: 3" in out
    assert "Errors: 2" in out
    broken = next(line for line in _tree_lines(out) if "broken step" in line)
    assert "RuntimeError: disk full" in broken
    assert "fine step" in out


def test_a_large_tree_is_capped_on_screen_with_exact_totals(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_TREE_LIMIT", "5")
    with ContextTracing().trace("large", display="terminal"):
        for i in range(40):
            make_span(f"step {i}")
    out = capsys.readouterr().out
    assert "Total Spans: 41" in out
    assert "… 36 more spans" in out
    tree = _tree_lines(out)
    assert len(tree) == 6  # root, four steps, the "more" line
    assert [re.search(r"step \d+", line).group() for line in tree[1:5]] == [f"step {i}" for i in range(4)]
    assert "… 36 more spans" in tree[5]
