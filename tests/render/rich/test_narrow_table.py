"""A table too wide for the terminal becomes cards whose "title value" pairs are never split."""

from __future__ import annotations

import pytest

from datapizza_tracing.render.rich.table import distinct_width, rich_table
from datapizza_tracing.render.rich.text import render_text
from datapizza_tracing.views.table import Cell, Column, TableView

COLUMNS = (
    Column("Span name"),
    Column("Count", numeric=True),
    Column("Self time", numeric=True, short="Self"),
    Column("Total time", numeric=True, short="Total"),
    Column("Mean", numeric=True),
    Column("Max", numeric=True),
    Column("Errors", numeric=True),
)
TITLES = ("Count", "Self", "Total", "Mean", "Max", "Errors")


def _view(*names: str, footer: bool = False) -> TableView:
    rows = tuple(
        (Cell(name), Cell("3"), Cell("364.0ms"), Cell("364.0ms"), Cell("121.3ms"), Cell("122.8ms"), Cell("1"))
        for name in names
    )
    total = (Cell("Total"), Cell("9"), Cell("1.09s"), Cell("1.09s"), Cell(""), Cell(""), Cell("3"))
    return TableView("Time by span name", COLUMNS, rows, footer=total if footer else None)


def _pairs(text: str) -> list[tuple[str, str]]:
    """Each title of the cards with the word after it, read line by line."""
    found = []
    for line in text.splitlines():
        words = line.split()
        found.extend(
            (title, words[at + 1] if at + 1 < len(words) else "")
            for at, title in enumerate(words)
            if title in TITLES
        )
    return found


@pytest.mark.parametrize("width", [30, 40, 60])
def test_each_pair_stays_on_one_line_and_no_line_is_wider_than_the_terminal(width: int) -> None:
    text = render_text(rich_table(_view("best_pizzeria", "weather", "a much longer span name")), width)
    assert max(len(line) for line in text.splitlines()) <= width
    pairs = _pairs(text)
    assert pairs.count(("Mean", "121.3ms")) == 3 and pairs.count(("Errors", "1")) == 3
    assert all(value and value not in TITLES for _, value in pairs)  # no title left at a line's end


def test_a_card_goes_on_indented_under_its_first_cell() -> None:
    lines = render_text(rich_table(_view("best_pizzeria")), 60).splitlines()
    assert lines[0] == "Time by span name"
    assert lines[1].startswith("best_pizzeria  Count 3  Self 364.0ms")
    assert lines[2].startswith("    Mean 121.3ms") and len(lines) == 3


def test_empty_cells_are_left_out_of_the_totals_card() -> None:
    text = render_text(rich_table(_view("weather", footer=True)), 40)
    total = text[text.index("Total  Count 9") :]
    assert "Mean" not in total and "Errors 3" in total


def test_a_name_wider_than_the_terminal_is_folded_whole_and_its_pairs_follow() -> None:
    name = "x" * 70
    text = render_text(rich_table(_view(name)), 30)
    assert "".join(line.strip() for line in text.splitlines()[1:]).startswith(name)
    assert ("Count", "3") in _pairs(text) and ("Errors", "1") in _pairs(text)


@pytest.mark.parametrize(
    ("first", "second", "differ_at"),
    [
        ("claude-3-5-sonnet-20241022", "claude-3-5-haiku-20241022", len("claude-3-5-")),
        ("pipeline.retrieve.documents", "pipeline.retrieve.embedding", len("pipeline.retrieve.")),
    ],
)
@pytest.mark.parametrize("width", [60, 70, 80, 90, 120])
def test_names_cut_to_fit_stay_told_apart(first: str, second: str, differ_at: int, width: int) -> None:
    text = render_text(rich_table(_view(first, second, "gpt-4o-mini")), width)
    assert max(len(line) for line in text.splitlines()) <= width
    # The cut keeps the first character where the two names differ (or the names whole).
    assert first[: differ_at + 1] in text and second[: differ_at + 1] in text


def test_the_narrowest_distinct_width_keeps_one_character_past_the_common_beginning() -> None:
    assert distinct_width(["claude-3-5-sonnet", "claude-3-5-haiku", "gpt-4o"]) == len("claude-3-5-") + 2
    assert distinct_width(["same", "same"]) == 0  # one value: nothing to tell apart
    assert distinct_width(["ab", "abcdef"]) == 2  # the shorter one fits whole at 2: "ab" against "a…"
    assert distinct_width([]) == 0
