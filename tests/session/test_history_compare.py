"""The session history of finished blocks, and comparing two runs."""

from __future__ import annotations

import pytest
from opentelemetry import trace

import datapizza_tracing as dt
from datapizza_tracing import ConfigError, ContextTracing, generation_span, record_usage
from datapizza_tracing.analysis.compare import compare_snapshots
from datapizza_tracing.config import HISTORY_ENV
from datapizza_tracing.frontends.history import HistoryView
from datapizza_tracing.model.record import ERROR
from datapizza_tracing.session.history import HistoryLookupError, TraceHistory
from tests.support.html_check import assert_safe
from tests.support.records import llm, snapshot, span
from tests.support.rendering import comparison_bundle, comparison_text, history_text


@pytest.fixture
def history(monkeypatch):
    monkeypatch.delenv(HISTORY_ENV, raising=False)
    session = dt.history()
    session.clear()
    session.set_limit(None)
    yield session
    session.clear()
    session.set_limit(None)


def run_cell(second_model: str, fail_tool: bool = False) -> dt.TraceHandle:
    """The same 'cell' each time; only the second model call (and optionally a tool failure) differs."""
    tracer = trace.get_tracer("tests.analysis")
    with ContextTracing().trace("rag-cell") as handle:
        with tracer.start_as_current_span("retrieve"):
            pass
        with generation_span("draft", model="gpt-4o-mini") as s:
            record_usage(
                s, model="gpt-4o-mini", prompt_tokens=1_000, completion_tokens=200, cached_tokens=800
            )
        with generation_span("refine", model=second_model) as s:
            record_usage(s, model=second_model, prompt_tokens=1_500, completion_tokens=300)
        try:
            with tracer.start_as_current_span("post-process"):
                if fail_tool:
                    raise RuntimeError("tool broke")
        except RuntimeError:
            pass
    return handle


def test_finished_blocks_enter_the_history_in_order(history):
    first = run_cell("gpt-4o-mini")
    second = run_cell("gpt-4o")
    entries = history.entries()
    assert [e.snapshot.trace_id_hex for e in entries] == [first.trace_id, second.trace_id]
    assert entries[1].number == entries[0].number + 1
    assert history[-1].snapshot.trace_id_hex == second.trace_id
    assert history["rag-cell"] is entries[-1]  # a name means its latest run
    assert history[str(entries[0].number)] is entries[0] and history[f"#{entries[0].number}"] is entries[0]


def test_compare_two_runs_that_differ_in_one_model_call(history):
    run_cell("gpt-4o-mini")
    run_cell("gpt-4o", fail_tool=True)
    comparison = dt.compare("rag-cell")  # the last two runs of that block
    # Same spans, one model call moved from gpt-4o-mini to gpt-4o, one new error.
    assert comparison.changed("spans", "refine") is None and comparison.total_spans == (5, 5)
    assert comparison.changed("calls", "gpt-4o-mini").before == 2
    assert comparison.changed("calls", "gpt-4o-mini").after == 1
    assert (comparison.changed("calls", "gpt-4o").before, comparison.changed("calls", "gpt-4o").after) == (
        0,
        1,
    )
    assert comparison.changed("prompt_tokens", "gpt-4o").after == 1_500
    assert comparison.changed("prompt_tokens", "gpt-4o-mini").delta == -1_500
    assert (
        comparison.changed("cached_tokens", "gpt-4o-mini") is None
    )  # cached tokens came from the unchanged call
    mini_before, mini_after = comparison.cost_by_model["gpt-4o-mini"]
    assert mini_before == pytest.approx((200 * 0.15 + 800 * 0.075 + 1_500 * 0.15 + 500 * 0.60) / 1e6)
    assert mini_after == pytest.approx((200 * 0.15 + 800 * 0.075 + 200 * 0.60) / 1e6)
    assert comparison.cost_by_model["gpt-4o"] == (0.0, pytest.approx((1_500 * 2.5 + 300 * 10) / 1e6))
    assert comparison.changed("total_cost_usd").delta > 0
    assert comparison.errors == (0, 1) and comparison.changed("errors", "post-process").after == 1
    kinds = {(c.what, c.key) for c in comparison.changes if c.what not in ("duration_s", "self_s")}
    assert kinds == {
        ("calls", "gpt-4o"), ("prompt_tokens", "gpt-4o"), ("completion_tokens", "gpt-4o"),
        ("cost_usd", "gpt-4o"),
        ("calls", "gpt-4o-mini"), ("prompt_tokens", "gpt-4o-mini"), ("completion_tokens", "gpt-4o-mini"),
        ("cost_usd", "gpt-4o-mini"), ("total_cost_usd", ""), ("errors", "post-process"),
    }  # fmt: skip
    text = comparison_text(comparison, width=140)
    assert "gpt-4o-mini" in text and "2 → 1" in text and "0 → 1,500" in text
    assert comparison.label_a.endswith("rag-cell") and comparison.label_b.startswith("#")


def test_compare_accepts_numbers_positions_handles_and_defaults(history):
    a = run_cell("gpt-4o-mini")
    b = run_cell("gpt-4o-mini")
    numbers = [e.number for e in history.entries()]
    by_number = dt.compare(numbers[0], numbers[1])
    by_handle = dt.compare(a, b)
    latest_two = dt.compare()
    for comparison in (by_number, by_handle, latest_two):
        assert [c for c in comparison.changes if c.what not in ("duration_s", "self_s")] == []
    assert "No differences" in comparison_text(by_number, width=120)
    assert dt.compare(-2, -1).label_b == f"#{numbers[1]} rag-cell"


def test_show_prints_the_history_and_a_comparison_in_a_terminal(history, capsys):
    run_cell("gpt-4o-mini")
    run_cell("gpt-4o", fail_tool=True)
    capsys.readouterr()  # the blocks' own reports
    dt.history().show()
    shown_history = capsys.readouterr().out
    assert "Trace history" in shown_history and shown_history.count("rag-cell") == 2
    dt.compare().show()
    shown_comparison = capsys.readouterr().out
    assert "Compare A" in shown_comparison and "New errors in B: post-process" in shown_comparison
    assert "ShownComparison(" not in shown_comparison
    first, second = (entry.number for entry in history.entries())
    changes = len(dt.compare().changes)
    expected = f"<TraceComparison '#{first} rag-cell' → '#{second} rag-cell': {changes} changes>"
    assert repr(dt.compare()) == expected


def test_lookup_errors_are_clear(history):
    with pytest.raises(HistoryLookupError, match="empty"):
        history.get(1)
    with pytest.raises(HistoryLookupError, match="two finished blocks"):
        dt.compare()
    run_cell("gpt-4o-mini")
    with pytest.raises(
        HistoryLookupError, match="no traced block named 'nope' in the history; names: rag-cell"
    ):
        dt.compare("nope", -1)
    with pytest.raises(HistoryLookupError, match="one run of 'rag-cell'"):
        dt.compare("rag-cell")
    with pytest.raises(HistoryLookupError, match="no run of 'typo-cell'"):
        dt.compare("typo-cell")
    with pytest.raises(HistoryLookupError, match="no history entry #999"):
        history.get(999)
    with pytest.raises(HistoryLookupError, match="reaches past the oldest"):
        history.get(-5)


def test_history_is_bounded_by_env_and_python(history, monkeypatch):
    small = TraceHistory()
    monkeypatch.setenv(HISTORY_ENV, "2")
    snaps = [snapshot(span(1, 0, 0, 1, f"b{i}"), name=f"b{i}") for i in range(4)]
    for snap in snaps:
        small.add(snap)
    assert [e.name for e in small] == ["b2", "b3"] and [e.number for e in small] == [3, 4]
    small.set_limit(1)  # Python wins over the environment and trims at once
    assert [e.name for e in small] == ["b3"]
    small.set_limit(None)
    monkeypatch.setenv(HISTORY_ENV, "0")
    assert small.add(snaps[0]) is None and len(small) == 0
    monkeypatch.setenv(HISTORY_ENV, "many")
    with pytest.raises(ConfigError, match=HISTORY_ENV):
        small.add(snaps[0])
    with pytest.raises(ValueError):
        small.set_limit(-1)


def test_a_bad_history_setting_fails_before_the_traced_code_runs(history, monkeypatch):
    monkeypatch.setenv(HISTORY_ENV, "lots")
    ran = []
    with pytest.raises(ConfigError, match=HISTORY_ENV):
        with ContextTracing().trace("never"):
            ran.append(True)
    assert ran == [] and len(history) == 0


def test_history_table_and_static_html_escape_names():
    h = TraceHistory(limit=5)
    h.add(snapshot(span(1, 0, 0, 2, "<script>alert(1)</script>"), llm(2, 1, 0, 1, "gpt-4o", 1000, 100),
                   name="<script>alert(1)</script>"))  # fmt: skip
    h.add(snapshot(span(1, 0, 0, 1, "ok", status=ERROR), name="ok"))
    text = history_text(h.entries(), width=120)
    assert "$0.0035" in text and "1,100" in text
    bundle = HistoryView(h)._repr_mimebundle_()
    assert "<script>alert" not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]
    root = assert_safe(bundle["text/html"])
    assert next(root.iter("div")).attrs["class"] == "dpt dpt-history"
    assert "Trace history" in bundle["text/plain"]


def test_pure_compare_of_hand_built_snapshots():
    a = snapshot(span(1, 0, 0, 10, "root"), span(2, 1, 0, 1, "tool"), llm(3, 1, 1, 2, "acme-llm", 10, 10))
    b = snapshot(span(1, 0, 0, 5, "root"), span(2, 1, 0, 1, "tool"), span(4, 1, 1, 2, "tool"))
    comparison = compare_snapshots(a, b)
    assert comparison.changed("duration_s").delta == -5
    assert (
        comparison.changed("spans", "tool").after == 2
        and comparison.changed("spans", "generation").after == 0
    )
    assert comparison.cost_by_model["acme-llm"] == (None, 0.0)  # unknown price stays unknown, never guessed
    assert comparison_bundle(comparison)["text/plain"].startswith("Compare A")


def test_an_empty_history_says_why_when_its_limit_keeps_none(history, capsys):
    history.set_limit(0)
    with ContextTracing().trace("not kept", display="off"):
        pass
    history.show()
    # It said no block had finished yet, right after one had.
    out = capsys.readouterr().out
    assert "The history keeps no blocks: its limit is 0" in out and "has finished yet" not in out
    history.set_limit(None)
    history.show()
    assert "No traced block has finished yet in this session." in capsys.readouterr().out


def test_a_switch_of_model_in_a_span_name_is_a_missing_name_and_a_new_one_not_one_family():
    # Names were matched by digit-folded family, so "o3-mini invoke" → "o4-mini invoke" read as
    # one unchanged "o#-mini invoke": the switch was hidden, under a name neither run had.
    a = snapshot(span(1, 0, 0, 2, "root"), span(2, 1, 0, 1, "o3-mini invoke"))
    b = snapshot(span(1, 0, 0, 2, "root"), span(2, 1, 0, 1, "o4-mini invoke"))
    comparison = compare_snapshots(a, b)
    assert comparison.missing_names == ["o3-mini invoke"] and comparison.new_names == ["o4-mini invoke"]
    assert "o#" not in comparison_text(comparison)


def test_names_that_differ_by_a_number_within_a_run_are_still_matched_as_one_family():
    loop = [span(n + 2, 1, n, n + 1, f"step {n}") for n in range(3)]
    a = snapshot(span(1, 0, 0, 9, "root"), *loop)
    b = snapshot(span(1, 0, 0, 9, "root"), *loop, span(9, 1, 3, 4, "step 3"), span(10, 1, 4, 5, "step 4"))
    comparison = compare_snapshots(a, b)
    assert comparison.changed("spans", "step #").delta == 2
    assert comparison.new_names == [] and comparison.missing_names == []
    one = compare_snapshots(snapshot(span(1, 0, 0, 9, "root"), loop[0]), b)  # one turn in A, five in B
    assert one.changed("spans", "step #").delta == 4 and one.new_names == []


def test_no_signed_cost_change_beside_a_run_whose_cost_is_unknown():
    # B called a model without a known price: the overview showed "−$0.000020" as a saving.
    a = snapshot(span(1, 0, 0, 2, "root"), llm(2, 1, 0, 1, "gpt-4o-mini", 100, 10))
    b = snapshot(span(1, 0, 0, 2, "root"), llm(2, 1, 0, 1, "acme-private-llm", 100, 10))
    comparison = compare_snapshots(a, b)
    change = comparison.changed("total_cost_usd")
    assert change.before > 0 and change.after is None and change.delta is None
    lines = comparison_text(comparison).splitlines()
    cost_row = next(line for line in lines if line.strip().startswith("Cost"))
    assert "$" in cost_row and "−" not in cost_row and "+" not in cost_row
