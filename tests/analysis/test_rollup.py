"""Subtree totals (``analysis.rollup.rollups``): what each span holds inside it, added up exactly."""

from __future__ import annotations

import dataclasses
import operator
import random

from datapizza_tracing.analysis.cost import display_price_table, price_of
from datapizza_tracing.analysis.counting import snapshot_calls
from datapizza_tracing.analysis.errors import span_errors
from datapizza_tracing.analysis.rollup import call_costs, rollups
from datapizza_tracing.analysis.summary import token_figures
from datapizza_tracing.analysis.tree import tree_parents
from datapizza_tracing.model.record import ERROR
from datapizza_tracing.model.snapshot import TraceSnapshot
from tests.support.records import llm, snapshot, span


def _depth_sorted_sums(block: TraceSnapshot) -> dict[int, list]:
    """The totals as first defined: own figures, then deepest spans first into their parents, spans of
    one depth in the order a set of the reporting and failing span ids lists them (float costs show
    the order of additions in their last bits)."""
    calls, costs, parents = snapshot_calls(block), call_costs(block), tree_parents(block)
    failed = {error.origin.span_id for error in span_errors(block)}
    totals: dict[int, list] = {}
    depth: dict[int, int] = {0: -1}
    for span_id in calls.keys() | failed:
        if span_id not in parents:
            continue
        call, price = calls.get(span_id), costs.get(span_id)
        figures = [*token_figures(call), price or 0.0, int(price is None)] if call else [0] * 6 + [0.0, 0]
        totals[span_id] = [*figures, int(span_id in failed)]
        path = []
        node = span_id
        while node not in depth:
            path.append(node)
            node = parents.get(node, 0)
        for steps, visited in enumerate(reversed(path), 1):
            depth[visited] = depth[node] + steps
    for node in sorted(depth, key=depth.__getitem__, reverse=True):
        parent = parents.get(node, 0)
        if node in totals and parent in parents:
            if parent in totals:
                totals[parent] = list(map(operator.add, totals[parent], totals[node]))
            else:
                totals[parent] = totals[node].copy()
    return totals


def _as_lists(block: TraceSnapshot) -> dict[int, list]:
    found = rollups(block)
    return {
        span_id: [*dataclasses.astuple(rollup.usage), rollup.cost_usd, rollup.unpriced_calls, rollup.errors]
        for span_id, rollup in found.items()
    }


def test_each_span_holds_its_own_call_and_its_subtree_and_a_failure_counts_where_raised():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        span(2, 1, 0, 5, "agent", status=ERROR, message="ValueError: bad"),
        llm(3, 2, 0, 1, "gpt-4o-mini", 100, 10),
        span(4, 2, 1, 2, "tool", status=ERROR, message="ValueError: bad"),  # raised here, failed 2 too
        llm(5, 1, 6, 7, "zz-unpriced", 7, 3),
        span(6, 1, 7, 8, "quiet"),  # nothing inside: no totals
    )
    totals = rollups(block)
    assert sorted(totals) == [1, 2, 3, 4, 5]
    assert (totals[2].usage.prompt_tokens, totals[2].usage.calls, totals[2].errors) == (100, 1, 1)
    assert (totals[4].usage.calls, totals[4].errors) == (0, 1)
    assert (totals[1].usage.prompt_tokens, totals[1].usage.calls, totals[1].errors) == (107, 2, 1)
    assert (totals[1].unpriced_calls, totals[5].unpriced_calls) == (1, 1)
    assert totals[1].cost_usd == totals[3].cost_usd > 0


def test_orphans_cycles_and_repeated_ids_add_up_under_the_root_as_the_tree_shows_them():
    block = snapshot(
        span(1, 0, 0, 10, "root"),
        llm(2, 99, 1, 2, "gpt-4o-mini", 1, 1),  # its parent is missing: under the root
        span(7, 8, 2, 6, "cycle a"),  # 7 and 8 are each other's parent: 7 hangs under the root
        span(8, 7, 3, 5, "cycle b", status=ERROR, message="ValueError: bad"),
        llm(9, 8, 3, 4, "gpt-4o-mini", 300, 3),
        llm(9, 1, 8, 9, "gpt-4o-mini", 5000, 4),  # a repeated id: left out
    )
    totals = rollups(block)
    assert (totals[7].usage.prompt_tokens, totals[7].errors) == (300, 1)  # 8 holds 9, and 7 holds 8
    assert (totals[1].usage.prompt_tokens, totals[1].usage.calls, totals[1].errors) == (301, 2, 1)


def test_totals_and_their_float_costs_are_the_depth_sorted_sums_on_random_trees():
    models = ["gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "zz-unpriced"]
    for seed in range(60):
        rng = random.Random(seed)
        count = rng.randint(2, 120)
        spans = [span(1, 0, 0, 1000, "root")]
        for span_id in range(2, count + 1):
            parent = rng.choice([rng.randint(1, span_id - 1), rng.randint(1, span_id - 1), 0, 999])
            start = rng.randint(0, 900)
            if rng.random() < 0.6:
                made = llm(span_id, parent, start, start + 5, rng.choice(models), rng.randint(1, 10**6),
                           rng.randint(1, 10**5), rng.choice([0, rng.randint(0, 1000)]))  # fmt: skip
                spans.append(made._replace(status=ERROR) if rng.random() < 0.1 else made)
            else:
                spans.append(span(span_id, parent, start, start + 5, status=rng.choice([0, 0, ERROR])))
        if rng.random() < 0.3:  # a parent cycle
            a, b = rng.sample(range(2, count + 1), 2) if count > 2 else (2, 2)
            for child, parent in ((a, b), (b, a)):
                spans[child - 1] = spans[child - 1]._replace(parent_id=parent)
        rng.shuffle(spans)
        block = snapshot(*spans)
        expected = _depth_sorted_sums(block)
        # Exact equality, floats included: the costs are added in the same order, so the same last bits.
        assert _as_lists(block) == expected, seed
        # A group's totals: its members' added up in the members' order, from zero; errors alone too.
        found = rollups(block)
        members = rng.sample(sorted(tree_parents(block)), min(len(block.spans), rng.randint(1, 40)))
        summed = [0, 0, 0, 0, 0, 0, 0.0, 0, 0]
        for member in members:
            if member in expected:
                summed = list(map(operator.add, summed, expected[member]))
        group = found.total(members)
        figures = [*dataclasses.astuple(group.usage), group.cost_usd, group.unpriced_calls, group.errors]
        assert figures == summed, seed
        for member in members:
            assert found.errors(member) == (expected[member][-1] if member in expected else None), seed


def test_each_call_costs_what_its_own_model_and_figures_cost_when_calls_repeat_them():
    table, _ = display_price_table()
    rng = random.Random(7)
    models = ["gpt-4o-mini", "gpt-4o", "zz-unpriced"]
    spans = [span(1, 0, 0, 100, "root")]
    for span_id in range(2, 300):  # few distinct (model, figures): most calls repeat an earlier one
        model, prompt, completion = rng.choice(models), rng.choice([10, 812]), rng.choice([5, 95])
        spans.append(llm(span_id, 1, span_id * 0.1, span_id * 0.1 + 0.05, model, prompt, completion))
    block = snapshot(*spans)
    calls = snapshot_calls(block)
    expected = {}
    for span_id, call in calls.items():
        price = price_of(call.model, table)
        expected[span_id] = price.cost(call) if price is not None else None
    assert call_costs(block) == expected
    assert len(set(expected.values())) > 4  # the calls do differ in cost
