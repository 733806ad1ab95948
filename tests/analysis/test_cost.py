"""Cost per model: built-in prices, cached-token billing, unknown models, user overrides."""

from __future__ import annotations

import json
import os
import warnings

import pytest

from datapizza_tracing import ConfigError, reset_prices, set_prices
from datapizza_tracing.analysis.cost import cost_breakdown, normalize_model, price_of, price_table
from datapizza_tracing.analysis.summary import TokenUsage, summarize
from datapizza_tracing.config import PRICES_ENV
from datapizza_tracing.render.rich.table import rich_table
from datapizza_tracing.render.rich.text import render_text
from datapizza_tracing.views.panel import token_table
from tests.support.fifo import bounded_call, needs_fifo
from tests.support.records import llm, snapshot, span
from tests.support.rendering import terminal_text


@pytest.fixture(autouse=True)
def _clean_prices(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(PRICES_ENV, raising=False)
    reset_prices()
    yield
    reset_prices()


def test_builtin_table_is_dated_and_prices_common_models():
    table, as_of = price_table()
    assert as_of is not None and len(as_of) == 10 and as_of.startswith("20")
    for model in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "o3", "o4-mini", "gemini-2.0-flash"):
        assert model in table
    assert any(key.startswith("claude") and "sonnet" in key for key in table)
    assert any(key.startswith("claude") and "haiku" in key for key in table)
    for price in table.values():  # a cache read never costs more than a plain input token
        assert 0 < price.cached_input <= price.input


def test_cached_tokens_billed_at_cached_price_rest_of_prompt_at_input_price():
    # gpt-4o: input 2.50, cached input 1.25, output 10.00 USD per million tokens.
    usage = TokenUsage(prompt_tokens=1_000, completion_tokens=500, cached_tokens=400, calls=1)
    costs = cost_breakdown({"gpt-4o": usage})
    expected = (600 * 2.50 + 400 * 1.25 + 500 * 10.00) / 1e6
    assert costs.per_model["gpt-4o"] == pytest.approx(expected)  # 0.007
    assert costs.total == pytest.approx(0.007)
    assert not costs.partial


def test_thinking_tokens_are_part_of_completion_and_not_billed_twice():
    plain = cost_breakdown({"o3": TokenUsage(100, 1_000, 0, 0, 1)}).total
    thinking = cost_breakdown({"o3": TokenUsage(100, 1_000, 0, 800, 1)}).total
    assert thinking == plain == pytest.approx((100 * 2.0 + 1_000 * 8.0) / 1e6)


def test_unknown_model_has_no_cost_and_total_is_partial():
    usage = {"gpt-4o-mini": TokenUsage(2_000, 100, 0, 0, 1), "acme-llm-7": TokenUsage(50_000, 9_000, 0, 0, 3)}
    costs = cost_breakdown(usage)
    assert costs.per_model["acme-llm-7"] is None
    assert costs.unpriced == ("acme-llm-7",)
    assert costs.partial
    assert costs.total == pytest.approx((2_000 * 0.15 + 100 * 0.60) / 1e6)


def test_snapshot_names_and_no_guessing():
    assert normalize_model("gpt-4o-mini-2024-07-18") == "gpt-4o-mini"
    assert normalize_model("claude-3-5-haiku-20241022") == "claude-3-5-haiku"
    assert normalize_model("openai/GPT-4o") == "gpt-4o"
    assert normalize_model("models/gemini-2.0-flash-001") == "gemini-2.0-flash"
    assert price_of("gpt-4o-2024-08-06") == price_of("gpt-4o")
    # A snapshot with its own price keeps it: the first gpt-4o cost 5 / 15 USD per million tokens.
    assert (price_of("gpt-4o-2024-05-13").input, price_of("openai/gpt-4o-2024-05-13").output) == (5.0, 15.0)
    # A name that merely starts like a known model is a different model: no price.
    assert price_of("gpt-4o-mini-finetuned-acme") is None
    assert price_of("gpt-4o-audio-preview") is None
    assert price_of("unknown") is None


def test_python_override_replaces_and_extends():
    set_prices(
        {
            "gpt-4o": {"input": 1.0, "cached_input": 0.5, "output": 2.0},
            "acme-llm-7": {"input": 3, "output": 4},
        }
    )
    costs = cost_breakdown({"gpt-4o": TokenUsage(1_000_000, 1_000_000, 500_000, 0, 1),
                            "acme-llm-7": TokenUsage(1_000_000, 0, 200_000, 0, 1)})  # fmt: skip
    assert costs.per_model["gpt-4o"] == pytest.approx(0.5 * 1.0 + 0.5 * 0.5 + 1 * 2.0)
    # No cached_input given: the user says there is no cache discount, so cached tokens cost input price.
    assert costs.per_model["acme-llm-7"] == pytest.approx(3.0)
    reset_prices()
    assert price_of("acme-llm-7") is None


def test_env_file_extends_and_python_wins_over_it(tmp_path, monkeypatch):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"models": {"acme-llm-7": {"input": 10, "cached_input": 1, "output": 20},
                                           "gpt-4o-mini": {"input": 9, "output": 9}}}))  # fmt: skip
    monkeypatch.setenv(PRICES_ENV, str(path))
    assert price_of("acme-llm-7").output == 20
    assert price_of("gpt-4o-mini").input == 9  # the file overrides the built-in table
    assert price_of("gpt-4o").input == 2.5  # the rest of the built-in table stays
    set_prices({"acme-llm-7": {"input": 1, "output": 1}})
    assert price_of("acme-llm-7").output == 1
    # A flat mapping (no "models" key) is accepted too.
    path.write_text(json.dumps({"acme-llm-8": {"input": 1, "output": 2}}))
    assert price_of("acme-llm-8").output == 2


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("{not json", "not valid JSON"),
     ('{"m": {"input": "cheap", "output": 1}}', "non-negative number for 'input'"),
     ('[1, 2]', "expected a JSON object")],
)  # fmt: skip
def test_bad_env_file_is_a_config_error_naming_the_variable(tmp_path, monkeypatch, content, fragment):
    path = tmp_path / "prices.json"
    path.write_text(content)
    monkeypatch.setenv(PRICES_ENV, str(path))
    with pytest.raises(ConfigError, match=fragment) as error:
        price_table()
    assert PRICES_ENV in str(error.value)


UNUSABLE_PRICES = [float("nan"), float("inf"), -float("inf"), 10**400, -1]


@pytest.mark.parametrize("value", UNUSABLE_PRICES, ids=["nan", "inf", "-inf", "10**400", "negative"])
def test_set_prices_refuses_a_price_that_is_not_a_finite_non_negative_number(value):
    from datapizza_tracing.analysis.cost import ModelPrice

    with pytest.raises(ConfigError, match="finite, non-negative number for 'output'"):
        set_prices({"gpt-4o-mini": {"input": 1.0, "output": value}})
    with pytest.raises(ConfigError, match="finite, non-negative number for 'input'"):
        set_prices({"gpt-4o-mini": ModelPrice(value, 0.5, 1.0)})
    assert price_of("gpt-4o-mini").input == 0.15  # the built-in price stays


@pytest.mark.parametrize(
    "text", ["NaN", "Infinity", "1e400", "1" + "0" * 400], ids=["NaN", "Infinity", "1e400", "10**400"]
)
def test_a_price_file_with_an_unusable_price_warns_and_is_left_out(tmp_path, monkeypatch, text):
    from datapizza_tracing.analysis.cost import PriceFileWarning

    path = tmp_path / "prices.json"
    path.write_text('{"gpt-4o-mini": {"input": ' + text + ', "output": 1}}')
    monkeypatch.setenv(PRICES_ENV, str(path))
    with pytest.warns(PriceFileWarning, match="finite, non-negative number for 'input'"):
        costs = cost_breakdown({"gpt-4o-mini": TokenUsage(1_000_000, 0, 0, 0, 1)})
    assert costs.per_model == {"gpt-4o-mini": pytest.approx(0.15)}


def test_missing_env_file_is_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setenv(PRICES_ENV, str(tmp_path / "nope.json"))
    with pytest.raises(ConfigError, match="cannot read"):
        price_table()


@needs_fifo
def test_a_price_file_that_is_a_fifo_is_refused_not_waited_on(tmp_path, monkeypatch):
    from datapizza_tracing.analysis.cost import PriceFileWarning

    fifo = tmp_path / "prices.json"
    os.mkfifo(fifo)
    monkeypatch.setenv(PRICES_ENV, str(fifo))
    with pytest.raises(ConfigError, match=r"a FIFO \(named pipe\)"):
        bounded_call(price_table, fifo)
    with pytest.warns(PriceFileWarning, match="FIFO"):
        costs = bounded_call(lambda: cost_breakdown({"gpt-4o": TokenUsage(1_000_000, 0, 0, 0, 1)}), fifo)
    assert costs.per_model == {"gpt-4o": pytest.approx(2.5)}


def test_token_table_has_cost_column_dash_and_partial_total():
    snap = snapshot(
        span(1, 0, 0, 10, "block"),
        llm(2, 1, 0, 1, "gpt-4o", 1_000, 500, cached=400),
        llm(3, 1, 1, 2, "acme-llm-7", 10, 10),
    )
    view = token_table(summarize(snap))
    assert [column.title for column in view.columns] == [
        "Model", "Calls", "Prompt Tokens", "Completion Tokens", "Cached Tokens", "Thinking Tokens", "Cost",
    ]  # fmt: skip
    text = render_text(rich_table(view), width=140)
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.startswith("│")}
    assert "$0.0070" in rows["gpt-4o"]
    assert "—" in rows["acme-llm-7"]
    assert "≥ $0.0070" in rows["Total"]
    assert "1,010" in rows["Total"]  # prompt tokens summed over models


def test_bad_env_file_warns_and_the_trace_still_shows_costs(tmp_path, monkeypatch):
    from datapizza_tracing.analysis.cost import PriceFileWarning

    monkeypatch.setenv(PRICES_ENV, str(tmp_path / "missing.json"))
    set_prices({"house-model": {"input": 1.0, "output": 2.0}})
    usage = {"house-model": TokenUsage(1_000_000, 0, 0, 0, 1), "gpt-4o": TokenUsage(1_000_000, 0, 0, 0, 1)}
    with pytest.warns(PriceFileWarning, match="missing.json"):
        costs = cost_breakdown(usage)
    # The built-in table and set_prices still price the trace.
    assert costs.per_model == {"house-model": pytest.approx(1.0), "gpt-4o": pytest.approx(2.5)}


def test_a_broken_price_file_warns_once_per_problem_not_at_every_read(tmp_path, monkeypatch):
    from datapizza_tracing.analysis.cost import PriceFileWarning

    path = tmp_path / "prices.json"
    monkeypatch.setenv(PRICES_ENV, str(path))

    def render_a_block() -> None:  # its panel and its tree both read the prices
        terminal_text(snapshot(span(1, 0, 0, 2, "block"), llm(2, 1, 0, 1, "gpt-4o", 1_000, 500)))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path.write_text("{not json")
        render_a_block()
        render_a_block()
        assert [warning.category for warning in caught] == [PriceFileWarning]
        path.write_text("{}")
        render_a_block()
        path.write_text("{not json")  # broken anew: said again
        render_a_block()
    assert [warning.category for warning in caught] == [PriceFileWarning, PriceFileWarning]


def test_tiny_costs_are_not_shown_as_zero():
    from datapizza_tracing.views.text import format_cost

    assert format_cost(0.0000001) == "<$0.000001"
    assert format_cost(0.0000006) == "$0.000001"
    assert format_cost(0.0) == "$0.00"
