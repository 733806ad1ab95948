"""What the waterfall says of the spans it does not draw, and figures and names it must not distort."""

from __future__ import annotations

import re

import pytest

from datapizza_tracing.views.text import NAME_MAX as LABEL_LIMIT
from datapizza_tracing.views.waterfall import TITLE_LIMIT, waterfall
from tests.support.records import snapshot, span
from tests.support.rendering import report_html, terminal_text

LIMIT_HINT = "set DATAPIZZA_TRACING_TREE_LIMIT"


def _chain(count: int, **extra):
    """A root and ``count - 1`` spans of distinct names under it (no folding)."""
    names = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"]
    spans = [span(1, 0, 0, 100, "root")]
    spans += [span(2 + i, 1, i, i + 1, names[i]) for i in range(count - 1)]
    return snapshot(*spans, **extra)


def _html_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def test_spans_dropped_over_the_cap_are_not_said_to_be_hidden_by_the_tree_limit():
    block = _chain(3, dropped_spans=18)
    # A higher tree limit changes nothing: no line may tell the reader to raise it.
    for text in (terminal_text(block, width=160, tree_limit=200), _html_text(report_html(block, 200))):
        assert "… 18 more spans (dropped over the span cap)" in text
        assert LIMIT_HINT not in text
    view = waterfall(block, limit=200)
    assert view.more == "… 18 more spans" and view.hint == "dropped over the span cap"
    assert (view.limited, view.dropped, view.hidden) == (0, 18, 18)


def test_the_tree_limit_hint_counts_only_the_spans_the_limit_hides():
    view = waterfall(_chain(8), limit=5)
    assert (view.limited, view.dropped) == (3, 0)
    assert view.more == "… 3 more spans"
    assert view.hint == f"the tree shows 5 of them; {LIMIT_HINT} to show more"


def test_spans_both_hidden_by_the_limit_and_dropped_are_told_apart():
    block = _chain(8, dropped_spans=18)
    for text in (terminal_text(block, width=200, tree_limit=5), _html_text(report_html(block, 5))):
        assert "… 21 more spans (18 dropped over the span cap; the tree shows 5 of the 8 kept," in text
    view = waterfall(block, limit=5)
    assert view.more == "… 21 more spans"
    assert view.hint == (
        f"18 dropped over the span cap; the tree shows 5 of the 8 kept, {LIMIT_HINT} to show more"
    )
    assert (view.limited, view.dropped, view.hidden) == (3, 18, 21)


def test_a_tree_the_limit_draws_whole_has_no_more_line():
    view = waterfall(_chain(5), limit=5)
    assert (view.hidden, view.more, view.hint) == (0, None, None)


def test_a_folded_group_of_backwards_spans_lasts_zero_like_its_members():
    # Three siblings whose clocks say they ended 2 s before they started.
    spans = [span(1, 0, 0, 10, "root"), *(span(10 + n, 1, 5, 3, f"backwards {n}") for n in range(3))]
    view = waterfall(snapshot(*spans), limit=100)
    [group] = [node for node in view.root.children if node.row.span is None]
    assert group.row.duration == "0µs"
    assert "-" not in group.row.title and "total 0µs · mean 0µs · max 0µs" in group.row.title
    assert all(member.row.duration == "0µs" for member in group.children)


@pytest.mark.parametrize("length", [LABEL_LIMIT + 1, 100_000])
def test_a_huge_name_is_cut_in_the_row_and_in_its_pointer_text(length: int):
    name = "n" * length
    spans = [span(1, 0, 0, 10, "root"), span(2, 1, 1, 2, name)]
    spans += [span(10 + n, 1, 3, 4, f"{name}{n}") for n in range(3)]  # a folded family of huge names
    view = waterfall(snapshot(*spans), limit=100)
    single, group = view.root.children
    assert single.row.label == f"{'n' * LABEL_LIMIT}… ({length - LABEL_LIMIT:,} more characters)"
    if length > TITLE_LIMIT:
        assert single.row.title == f"{'n' * TITLE_LIMIT}… ({length - TITLE_LIMIT:,} more characters)"
    else:
        assert single.row.title == name
    assert len(group.row.label) < LABEL_LIMIT + 40
    assert all(len(member.row.label) < LABEL_LIMIT + 40 for member in group.children)


def test_html_size_follows_the_tree_limit_not_the_length_of_names():
    name = "x" * 100_000
    spans = [span(1, 0, 0, 300, "root"), *(span(2 + i, 1, i, i + 1, f"{i:c}{name}") for i in range(199))]
    html = report_html(snapshot(*spans), 200)
    assert len(html.encode()) < 2_000_000  # was 41 MB: every row carried the whole name twice
