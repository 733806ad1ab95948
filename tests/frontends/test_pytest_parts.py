"""The pytest plugin's parts that need no pytest run: span finding, file names, the run summary."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from opentelemetry import trace

import datapizza_tracing
from datapizza_tracing import ContextTracing, agent_span, tool_span
from datapizza_tracing.demo import FakeLLMClient
from datapizza_tracing.frontends.pytest import find_spans
from datapizza_tracing.frontends.pytest.item_trace import ItemTrace
from datapizza_tracing.frontends.pytest.outcome import record_outcome
from datapizza_tracing.frontends.pytest.report import section_width
from datapizza_tracing.frontends.pytest.run_summary import RunTotals, usage_figures
from datapizza_tracing.frontends.pytest.save import save_trace, trace_file_name
from datapizza_tracing.views.text import format_cost


def test_find_spans_by_name_and_by_kind_in_every_vocabulary() -> None:
    tracer = trace.get_tracer("test")
    with ContextTracing().trace("find", display="off") as handle:
        with agent_span("planner"):
            FakeLLMClient("gpt-4o-mini", latency_s=0).invoke("hi")
            with tool_span("search"):
                pass
            with tool_span("search"):
                pass
        with tracer.start_as_current_span("chat gpt-4o", attributes={"gen_ai.operation.name": "chat"}):
            pass
        with tracer.start_as_current_span("llm", attributes={"openinference.span.kind": "LLM"}):
            pass
        with tracer.start_as_current_span("plain"):
            pass
    assert [span.name for span in find_spans(handle, "search")] == ["search", "search"]
    assert [span.name for span in find_spans(handle, kind="tool")] == ["search", "search"]
    assert [span.name for span in find_spans(handle, kind="generation")] == ["gpt-4o-mini invoke"]
    assert [span.name for span in find_spans(handle, kind="agent")] == ["planner"]
    assert [span.name for span in find_spans(handle, kind="chat")] == ["chat gpt-4o"]
    assert [span.name for span in find_spans(handle, kind="LLM")] == ["llm"]
    assert find_spans(handle, "plain", kind="tool") == [] and find_spans(handle, "missing") == []
    everything = find_spans(handle)
    assert len(everything) == len(handle.get_spans()) == 8
    assert [span.start_time for span in everything] == sorted(span.start_time for span in everything)


@pytest.mark.parametrize(
    ("nodeid", "start"),
    [
        ("tests/test_agent.py::test_plan", "tests_test_agent.py_test_plan-"),
        (
            "tests/test_agent.py::TestAgent::test_plan[gpt-4o/mini-0]",
            "tests_test_agent.py_TestAgent_test_plan_gpt-4o_mini-0-",
        ),
        ('t.py::test[città ✓ "quoted" <&>]', "t.py_test_citt_quoted-"),
        ("../up.py::test", "up.py_test-"),
    ],
)
def test_a_trace_file_is_named_after_the_test_id_with_safe_characters_only(nodeid: str, start: str) -> None:
    name = trace_file_name(nodeid)
    assert re.fullmatch(r"[A-Za-z0-9._-]+-[0-9a-f]{8}\.json", name), name
    assert name.startswith(start) and not name.startswith(".")
    assert trace_file_name(nodeid) == name  # the same test gets the same file in every run


def test_ids_that_read_alike_or_are_long_still_get_distinct_file_names() -> None:
    assert trace_file_name("t.py::test[a/b]") != trace_file_name("t.py::test[a_b]")
    long_ids = [f"t.py::test[{'x' * 300}{n}]" for n in range(3)]
    names = {trace_file_name(nodeid) for nodeid in long_ids}
    assert len(names) == 3 and all(len(name) < 150 for name in names)


def test_a_saved_trace_loads_back_with_its_test_id(tmp_path: pytest.TempPathFactory) -> None:
    with ContextTracing().trace("t.py::test[a/b]", display="off") as handle:
        FakeLLMClient("gpt-4o-mini", latency_s=0).invoke("x" * 40)
    path = save_trace(handle, tmp_path / "new" / "dir", handle.name)
    loaded = datapizza_tracing.load(path)
    assert path.parent == tmp_path / "new" / "dir"
    assert loaded.name == "t.py::test[a/b]" and loaded.trace_id == handle.trace_id
    assert loaded.summary().usage == handle.summary().usage


def test_usage_figures_are_the_summarys_tokens_and_cost() -> None:
    with ContextTracing().trace("figures", display="off") as handle:
        FakeLLMClient("gpt-4o-mini", latency_s=0).invoke("x" * 40)
        FakeLLMClient("my-finetune", latency_s=0).invoke("x" * 40)
    figures = usage_figures(handle)
    usage = handle.summary().usage
    assert figures["gpt-4o-mini"]["prompt_tokens"] == usage["gpt-4o-mini"].prompt_tokens == 10
    assert figures["gpt-4o-mini"]["cost_usd"] > 0 and figures["my-finetune"]["cost_usd"] is None


def _payload(model: str, calls: int, prompt: int, cost: float | None, **extra: object) -> dict[str, object]:
    figures = {
        "calls": calls,
        "prompt_tokens": prompt,
        "cached_tokens": 0,
        "completion_tokens": calls,
        "thinking_tokens": 0,
        "cost_usd": cost,
    }
    return {"usage": {model: figures}, "failed": False, "saved": None, "worker": None, **extra}


def test_the_run_summary_adds_up_tests_from_every_worker() -> None:
    totals = RunTotals()
    totals.add(_payload("gpt-4o-mini", 2, 1_500, 0.0003, worker="gw1"))
    totals.add(_payload("gpt-4o-mini", 1, 500, 0.0001, worker="gw0", failed=True, saved="/tmp/traces/a.json"))
    totals.add(_payload("my-finetune", 1, 10, None, worker="gw0"))
    totals.add(
        {"usage": {}, "failed": False, "saved": None, "worker": "gw1"}
    )  # a traced test without LLM calls
    assert totals.title() == "datapizza-tracing: 4 traced tests"
    assert (totals.failed, totals.saved) == (1, ["/tmp/traces/a.json"])
    assert [line.split() for line in totals.lines(100)] == [
        ["model", "calls", "prompt", "cached", "completion", "thinking", "cost"],
        ["gpt-4o-mini", "3", "2,000", "0", "3", "0", "$0.000400"],
        ["my-finetune", "1", "10", "0", "1", "0", "—"],
        ["total", "4", "2,010", "0", "4", "0", "≥", "$0.000400"],
        ["combined", "from", "2", "xdist", "workers", "(gw0,", "gw1)"],
        ["1", "trace", "file", "saved", "in", "/tmp/traces"],
    ]


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_run_table_fits_the_terminal_and_keeps_escape_sequences_out(width: int) -> None:
    totals = RunTotals()
    totals.add(_payload("evil\x1b[31mRED\x1b]0;title\x07-model", 1, 10, None))
    totals.add(_payload("claude-3-5-sonnet-20241022", 2, 120_000, 0.5))
    lines = totals.lines(width)
    assert all(len(line) <= width for line in lines), lines
    text = "\n".join(lines)
    assert not any(ord(char) < 32 and char != "\n" for char in text)
    assert "␛[31mRED" in text  # shown, not obeyed
    assert "120,000" in text and format_cost(0.5) in text  # every figure kept, whatever the width


def test_a_run_without_llm_calls_says_so() -> None:
    totals = RunTotals()
    totals.add({"usage": {}, "failed": False, "saved": None, "worker": None})
    assert totals.title() == "datapizza-tracing: 1 traced test"
    assert totals.lines(100) == ["no LLM calls"]


@pytest.mark.parametrize(
    ("terminal", "width"), [(None, 100), (0, 100), (40, 60), (60, 60), (80, 80), (120, 120), (400, 160)]
)
def test_the_section_follows_the_terminal_width_within_readable_bounds(
    terminal: int | None, width: int
) -> None:
    assert section_width(terminal) == width


def _call_report(outcome: str, **extra: object) -> pytest.TestReport:
    report = pytest.TestReport("t.py::test_x", ("t.py", 1, "test_x"), {}, outcome, None, "call")
    for name, value in extra.items():
        setattr(report, name, value)
    return report


@pytest.mark.parametrize(
    ("report", "saved"),
    [
        (_call_report("passed"), True),
        (_call_report("skipped", wasxfail="known bug"), True),  # an xfailed test ran
        (_call_report("skipped"), False),
    ],
    ids=["passed", "xfailed", "skipped"],
)
def test_trace_save_all_saves_every_test_that_ran_xfailed_ones_too(
    tmp_path: Path, report: pytest.TestReport, saved: bool
) -> None:
    item_trace = ItemTrace("t.py::test_x")
    item_trace.finish()
    problems: list[Warning] = []
    item = SimpleNamespace(warn=problems.append)
    record_outcome(
        item, report, item_trace, (), budget_failed=False, save_dir=str(tmp_path), save_all=True,
        width=80, worker=None,
    )  # fmt: skip
    assert problems == []
    assert [path.name for path in tmp_path.iterdir()] == ([trace_file_name("t.py::test_x")] if saved else [])
