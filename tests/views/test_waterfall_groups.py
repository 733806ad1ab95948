"""A folded group's line counts every span under the members it leaves out, however deep."""

from __future__ import annotations

from datapizza_tracing.views.waterfall import GROUP_SHOWN, waterfall
from tests.support.records import snapshot, span


def test_the_left_out_members_count_their_whole_subtrees():
    spans = [span(1, 0, 0, 100, "root")]
    members = GROUP_SHOWN + 4
    for n in range(members):
        step = 10 + n * 10
        spans.append(span(step, 1, n, n + 1, f"step {n}"))
        spans.append(span(step + 1, step, n, n + 0.5, "inner"))  # a child with two children of its own
        spans.append(span(step + 2, step + 1, n, n + 0.2, "leaf a"))
        spans.append(span(step + 3, step + 1, n + 0.2, n + 0.4, "leaf b"))
        if n % 3 == 0:
            spans.append(span(step + 4, step + 3, n + 0.2, n + 0.3, "deeper"))
    view = waterfall(snapshot(*spans), limit=1_000)
    [group] = [node for node in view.root.children if node.row.span is None]
    shown = {node.row.span.span_id for node in group.children}
    left_out = [10 + n * 10 for n in range(members) if 10 + n * 10 not in shown]
    under = sum(4 + (1 if (step - 10) // 10 % 3 == 0 else 0) for step in left_out)
    assert group.more == f"… {len(left_out)} more in this group ({under} spans)"


def test_a_groups_self_column_is_its_members_own_time_not_their_duration():
    # Three agent steps of 10 s, each waiting 9 s on a tool: 1 s of own time each.
    spans = [span(1, 0, 0, 40, "root")]
    for n in range(3):
        spans.append(span(10 + n, 1, n * 10, n * 10 + 10, "agent step"))
        spans.append(span(20 + n, 10 + n, n * 10, n * 10 + 9, "tool"))
    [group] = _group_rows(snapshot(*spans))
    assert (group.badge, group.duration, group.self_time) == ("×3", "30.00s", "⌀ 1.00s")
    assert "mean 10.00s" in group.title and "own time mean 1.00s" in group.title


def test_a_group_of_leaves_keeps_its_title_short():
    spans = [span(1, 0, 0, 10, "root"), *(span(10 + n, 1, n, n + 2, "weather") for n in range(3))]
    [group] = _group_rows(snapshot(*spans))
    assert group.self_time == "⌀ 2.00s" and "own time" not in group.title


def _group_rows(block):
    return [node.row for node in waterfall(block, limit=100).root.children if node.row.span is None]
