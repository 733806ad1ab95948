"""Both renderers over generated span trees with arbitrary text: whatever the spans hold, the
terminal gets no raw control character, the HTML stays well-formed and escaped, planted secrets
never show, the output stays bounded by the tree limit, and every render ends.

The trees are hostile on purpose: repeated span ids, parent cycles, spans ending before they
start, ANSI/OSC escapes, bidi overrides, HTML and rich markup in names, messages and attributes.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.hostile import PROPERTY, RAW_HTML_CONTROL, RAW_TERMINAL_CONTROL, snapshot_of, span_records
from tests.support.html_check import assert_safe
from tests.support.rendering import report_html, terminal_text

# See test_load_properties: a hang must end the run, not be shrunk forever.
pytestmark = pytest.mark.timeout(300, method="thread")

TREE_LIMIT = 12
# Per shown span, with the strategies' bounds (names up to 48 characters, a few attributes of a few
# hundred characters, each character escaped to at most 6): far below what rendering every span of a
# large trace would take, so a view that stopped capping fails here.
HTML_BASE_CHARS = 40_000
HTML_PER_ROW_CHARS = 20_000
TEXT_PER_ROW_LINES = 12


def _trees(max_spans: int) -> st.SearchStrategy:
    return st.tuples(span_records(max_spans=max_spans), st.sampled_from([None, TREE_LIMIT]))


def _check(spans, secrets, tree_limit) -> None:
    snapshot = snapshot_of(spans, name=spans[-1].name)
    shown = min(tree_limit or 200, len(spans))

    text = terminal_text(snapshot, tree_limit=tree_limit)
    assert not RAW_TERMINAL_CONTROL.search(text), repr(RAW_TERMINAL_CONTROL.search(text))
    assert len(text.splitlines()) <= 60 + shown * TEXT_PER_ROW_LINES

    html = report_html(snapshot, tree_limit=tree_limit)
    assert_safe(html)
    assert not RAW_HTML_CONTROL.search(html), repr(RAW_HTML_CONTROL.search(html))
    assert len(html) <= HTML_BASE_CHARS + shown * HTML_PER_ROW_CHARS

    for secret in secrets:
        assert secret not in text and secret not in html


@PROPERTY
@given(tree=_trees(max_spans=12))
def test_any_span_tree_renders_safe_masked_and_bounded_in_both_outputs(tree) -> None:
    (spans, secrets), tree_limit = tree
    _check(spans, secrets, tree_limit)


@st.composite
def _large_trees(draw: st.DrawFn) -> tuple[list, list[str]]:
    """A few hostile spans, then up to 400 copies of them hung anywhere in the tree (cheap to draw)."""
    spans, secrets = draw(span_records(max_spans=6))
    parents = draw(st.lists(st.integers(0, 40), min_size=TREE_LIMIT * 3, max_size=400))
    copies = [
        spans[index % len(spans)]._replace(span_id=1_000 + index, parent_id=1_000 + parent if parent else 1)
        for index, parent in enumerate(parents)
    ]
    return spans + copies, secrets


@PROPERTY
@given(tree=_large_trees())
def test_a_tree_far_over_the_tree_limit_renders_no_bigger_than_the_limit_allows(tree) -> None:
    spans, secrets = tree
    _check(spans, secrets, TREE_LIMIT)


@pytest.mark.slow
@PROPERTY.__class__(PROPERTY, max_examples=400)
@given(tree=_trees(max_spans=60))
def test_many_span_trees_render_safe_masked_and_bounded(tree) -> None:
    (spans, secrets), tree_limit = tree
    _check(spans, secrets, tree_limit)
