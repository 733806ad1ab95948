"""trace_budget limits: reading the marks, measuring a trace the way the summary does, the message."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from opentelemetry import trace

from datapizza_tracing import ContextTracing, TraceHandle, generation_span, record_usage, tool_span
from datapizza_tracing.analysis.cost import cost_breakdown
from datapizza_tracing.demo import FakeLLMClient
from datapizza_tracing.frontends.pytest.budget import (
    BUDGETS,
    BudgetError,
    Overrun,
    budget_from_marks,
    check_budget,
    overrun_message,
)
from datapizza_tracing.frontends.pytest.names import MARKER_HELP


def mark(*args: object, **kwargs: object) -> SimpleNamespace:
    # What pytest hands over for @pytest.mark.trace_budget(*args, **kwargs) (a Mark), without registering it.
    return SimpleNamespace(name="trace_budget", args=args, kwargs=kwargs)


def ask(model: str, chars: int) -> None:
    # FakeLLMClient counts about four characters a token; its "ok" reply is one completion token.
    FakeLLMClient(model, latency_s=0, reply=lambda prompt: "ok").invoke("x" * chars)


def traced(*work: tuple[str, int]) -> TraceHandle:
    with ContextTracing().trace("budget", display="off") as handle:
        for model, chars in work:
            ask(model, chars)
    return handle


def only(overruns: list[Overrun]) -> Overrun:
    assert len(overruns) == 1, overruns
    return overruns[0]


# -- reading the marks ---------------------------------------------------------


def test_the_closest_mark_wins_and_limits_from_farther_marks_are_kept() -> None:
    # pytest yields a test's own mark first, then its class's, then its module's.
    limits = budget_from_marks([mark(prompt_tokens=10), mark(prompt_tokens=99, llm_calls=2)])
    assert limits == {"prompt_tokens": 10, "llm_calls": 2}


def test_an_unknown_name_is_refused_with_the_known_ones_and_a_suggestion() -> None:
    with pytest.raises(BudgetError) as raised:
        budget_from_marks([mark(cost_dollars=1)])
    assert str(raised.value) == (
        "trace_budget: unknown budget 'cost_dollars' (did you mean 'cost_usd'?); the budgets are "
        "prompt_tokens, completion_tokens, total_tokens, cost_usd, llm_calls, duration_s"
    )
    with pytest.raises(BudgetError, match=r"unknown budget 'banana'; the budgets are prompt_tokens"):
        budget_from_marks([mark(banana=1)])


@pytest.mark.parametrize("value", [-1, True, "100", float("nan"), None])
def test_a_limit_must_be_a_number_of_zero_or_more(value: object) -> None:
    with pytest.raises(BudgetError, match=r"trace_budget: llm_calls must be a number >= 0, not "):
        budget_from_marks([mark(llm_calls=value)])


def test_an_integer_past_a_floats_range_is_a_valid_limit_that_is_met_and_shown() -> None:
    huge = 10**400
    limits = budget_from_marks([mark(prompt_tokens=huge, cost_usd=huge)])
    assert limits == {"prompt_tokens": huge, "cost_usd": huge}
    overrun = only(check_budget(traced(("my-finetune", 40)).snapshot(), limits))  # no price: unchecked
    assert overrun.budget == "cost_usd" and overrun.lines()[0].endswith(f"limit ${huge:,}")


def test_positional_arguments_and_an_empty_mark_are_refused() -> None:
    with pytest.raises(
        BudgetError, match=r"keyword arguments only, e.g. trace_budget\(prompt_tokens=5000\); got 5000"
    ):
        budget_from_marks([mark(5000)])
    with pytest.raises(BudgetError, match="needs at least one limit"):
        budget_from_marks([mark()])


def test_the_marker_help_names_every_budget() -> None:
    for name in BUDGETS:
        assert f"{name}=..." in MARKER_HELP


# -- measuring -----------------------------------------------------------------


def test_a_limit_equal_to_the_measured_value_is_met() -> None:
    handle = traced(("gpt-4o-mini", 400), ("o4-mini", 40))  # 100 + 10 prompt, 1 + 1 completion
    limits = {"prompt_tokens": 110, "completion_tokens": 2, "total_tokens": 112, "llm_calls": 2}
    assert check_budget(handle.snapshot(), limits) == []
    over = check_budget(handle.snapshot(), {name: value - 1 for name, value in limits.items()})
    assert [(o.budget, o.measured, o.limit) for o in over] == [
        ("prompt_tokens", 110, 109),
        ("completion_tokens", 2, 1),
        ("total_tokens", 112, 111),
        ("llm_calls", 2, 1),
    ]


def test_token_contributors_are_the_biggest_calls_with_their_share() -> None:
    handle = traced(
        ("gpt-4o-mini", 40), ("gpt-4o", 400), ("o4-mini", 200), ("gpt-4o-mini", 80), ("o4-mini", 4)
    )
    overrun = only(check_budget(handle.snapshot(), {"total_tokens": 10}))
    assert overrun.measured == 10 + 100 + 50 + 20 + 1 + 5
    assert overrun.contributors == (
        "101 (54%)  gpt-4o invoke  [gpt-4o]",
        "51 (27%)  o4-mini invoke  [o4-mini]",
        "21 (11%)  gpt-4o-mini invoke  [gpt-4o-mini]",
        "... and 2 more LLM calls",
    )


def test_cost_is_the_summarys_cost_and_its_contributors_add_up_to_it() -> None:
    handle = traced(("gpt-4o", 4000), ("gpt-4o-mini", 4000))
    overrun = only(check_budget(handle.snapshot(), {"cost_usd": 0.000001}))
    summary_cost = cost_breakdown(handle.summary().usage).total
    assert overrun.measured == summary_cost
    shown = [float(line.split()[0].lstrip("$")) for line in overrun.contributors]
    assert shown[0] > shown[1] and sum(shown) == pytest.approx(summary_cost, abs=2e-6)
    assert overrun.lines()[0] == f"cost_usd: ${summary_cost:.6f} > limit $0.000001"
    assert "gpt-4o invoke  [gpt-4o]" in overrun.contributors[0]


def test_a_cost_limit_with_an_unpriced_model_is_not_passed_silently() -> None:
    unpriced = traced(("my-finetune", 40))
    overrun = only(check_budget(unpriced.snapshot(), {"cost_usd": 1}))
    assert overrun.unchecked
    assert overrun.lines()[0] == "cost_usd: cannot be checked against the limit $1.000000"
    assert "no price for 'my-finetune'" in overrun.note and "set_prices" in overrun.note

    over_anyway = traced(("my-finetune", 40), ("gpt-4o", 4000))
    overrun = only(check_budget(over_anyway.snapshot(), {"cost_usd": 0.000001}))
    assert not overrun.unchecked and overrun.note == "at least: no price for 'my-finetune'"


def test_llm_calls_count_each_real_call_once_and_name_the_models() -> None:
    tracer = trace.get_tracer("test")
    with ContextTracing().trace("nested", display="off") as handle:
        # A framework span and the provider span below it both report the same call.
        with generation_span("framework call", model="gpt-4o-mini") as outer:
            with tracer.start_as_current_span(
                "chat gpt-4o-mini",
                attributes={
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.input_tokens": 7,
                    "gen_ai.usage.output_tokens": 2,
                },
            ):
                pass
            record_usage(outer, model="gpt-4o-mini", prompt_tokens=7, completion_tokens=2)
        ask("o4-mini", 40)
        ask("o4-mini", 40)
    calls = only(check_budget(handle.snapshot(), {"llm_calls": 1}))
    assert calls.measured == 3 == handle.summary().total_usage.calls
    assert calls.contributors == ("2 calls  [o4-mini]", "1 call  [gpt-4o-mini]")
    prompt = only(check_budget(handle.snapshot(), {"prompt_tokens": 1}))
    assert prompt.contributors[-1] == "7 (26%)  chat gpt-4o-mini  [gpt-4o-mini]"  # the inner span counts


def test_duration_contributors_are_what_the_test_waited_on() -> None:
    with ContextTracing().trace("slow", display="off") as handle:
        with tool_span("plan"):
            with tool_span("slow step"):
                time.sleep(0.03)
            with tool_span("quick step"):
                pass
        with tool_span("write"):
            time.sleep(0.01)
    overrun = only(check_budget(handle.snapshot(), {"duration_s": 0.001}))
    assert overrun.measured == handle.summary().duration_s
    names = [line.split("  ")[1] for line in overrun.contributors]
    assert names[:2] == ["slow step", "write"] and "plan" not in names  # a parent on the path is not a leaf
    assert all(line.endswith("[critical path]") for line in overrun.contributors)


def test_the_message_lists_each_overrun_in_budget_order() -> None:
    handle = traced(("gpt-4o-mini", 400))
    message = overrun_message(check_budget(handle.snapshot(), {"llm_calls": 0, "prompt_tokens": 5}))
    assert message.splitlines() == [
        "trace_budget exceeded",
        "  prompt_tokens: 100 > limit 5",
        "    biggest contributors:",
        "      100 (100%)  gpt-4o-mini invoke  [gpt-4o-mini]",
        "  llm_calls: 1 > limit 0",
        "    biggest contributors:",
        "      1 call  [gpt-4o-mini]",
    ]


def test_span_and_model_names_reach_the_failure_message_as_text_not_escape_sequences() -> None:
    evil_model, evil_span = "m\x1b]0;title\x07odel", "step\x1b[2J\u202e"
    with ContextTracing().trace("hostile", display="off") as handle:
        with tool_span(evil_span):
            time.sleep(0.002)
            with generation_span(evil_span, model=evil_model) as span:
                record_usage(span, model=evil_model, prompt_tokens=5, completion_tokens=1)
    limits = {"total_tokens": 1, "llm_calls": 0, "duration_s": 0.0001, "cost_usd": 1}
    message = overrun_message(check_budget(handle.snapshot(), limits))
    for budget in limits:
        assert f"{budget}:" in message
    assert "step␛[2J" in message and "m␛]0;title␇odel" in message  # shown, not obeyed
    assert not any(ord(char) < 32 and char != "\n" for char in message)
    assert "\u202e" not in message
