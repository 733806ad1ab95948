"""The report of one block: built once for every output, and the collector left as it was found."""

from __future__ import annotations

import dataclasses
import gc

import pytest

from datapizza_tracing.analysis.counting import counted_calls, snapshot_calls
from datapizza_tracing.analysis.rollup import NO_ROLLUP, rollups
from datapizza_tracing.frontends.notebook.bundles import report_bundle
from datapizza_tracing.views import report
from datapizza_tracing.views.report import trace_report
from tests.support.demo_trace import demo_snapshot
from tests.support.gc_watch import gc_states_seen_by
from tests.support.records import llm, snapshot, span


def test_the_garbage_collector_is_off_while_the_report_is_worked_out_and_on_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = gc_states_seen_by(monkeypatch, report, "waterfall")
    built = trace_report(demo_snapshot())
    assert seen == [False]
    assert gc.isenabled()
    assert built.waterfall.root is not None


def test_the_garbage_collector_is_back_on_when_building_a_report_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a view failed")

    monkeypatch.setattr(report, "waterfall", broken)
    with pytest.raises(RuntimeError, match="a view failed"):
        trace_report(demo_snapshot())
    assert gc.isenabled()


def test_the_calls_a_snapshot_remembers_are_the_calls_its_spans_count() -> None:
    snapshot = demo_snapshot()
    assert snapshot_calls(snapshot) == counted_calls(snapshot.spans)
    assert snapshot_calls(snapshot)  # the demo trace has model calls


def test_a_parent_holds_the_sum_of_its_subtree() -> None:
    snapshot = demo_snapshot()
    totals = rollups(snapshot)
    calls = counted_calls(snapshot.spans)
    root = totals[snapshot.root_span_id]
    assert root.usage.calls == len(calls)
    assert root.usage.prompt_tokens == sum(call.prompt_tokens for call in calls.values())
    assert root.usage.completion_tokens == sum(call.completion_tokens for call in calls.values())


def test_the_totals_of_a_group_are_the_sum_of_its_members_totals() -> None:
    snapshot = demo_snapshot()
    totals = rollups(snapshot)
    first, second, third = list(totals)[:3]
    members = [first, second, third, 0]  # 0 has no totals: it adds nothing
    group = totals.total(members)
    assert group.usage.calls == sum(totals[m].usage.calls for m in members[:3])
    assert group.usage.prompt_tokens == sum(totals[m].usage.prompt_tokens for m in members[:3])
    assert group.errors == sum(totals[m].errors for m in members[:3])
    assert group.cost_usd == totals[first].cost_usd + totals[second].cost_usd + totals[third].cost_usd
    assert totals.total([]) == NO_ROLLUP


def test_a_trace_without_its_root_span_still_adds_up_and_renders() -> None:
    # A partial or hand-made file: the root span is missing, one branch hangs under it, one is an orphan.
    whole = snapshot(
        span(1, 0, 0, 3),
        span(2, 1, 0, 2, "agent"),
        llm(3, 2, 0, 1, "gpt-4o-mini", 10, 5),
        span(4, 99, 1, 2, "orphan"),
        llm(5, 4, 1, 2, "gpt-4o-mini", 1, 1),
    )
    rootless = dataclasses.replace(whole, spans=whole.spans[1:])
    totals = rollups(rootless)
    assert sorted(totals) == [2, 3, 4, 5]
    assert (totals[2].usage.prompt_tokens, totals[4].usage.prompt_tokens) == (10, 1)
    bundle = report_bundle(rootless)
    assert "orphan" in bundle["text/html"]
    assert "Total Spans: 4" in bundle["text/plain"]
