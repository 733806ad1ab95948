"""Reading plans (one per set of attribute keys, see ``vocabulary._Plan``) read every span as the full
vocabulary does, whatever values, key orders and earlier spans of the same keys there were."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from datapizza_tracing.analysis import vocabulary
from datapizza_tracing.analysis.vocabulary import (
    DATAPIZZA,
    IGNORED_USAGE_KEY,
    VOCABULARIES,
    LlmCall,
    _Plan,
    _read,
    _vocabulary_of,
    llm_call,
    llm_call_of_items,
)

_VOCABULARY_KEYS = {
    key
    for v in VOCABULARIES
    for key in (*v.model, *v.prompt, *v.completion, *v.cached, *v.cache_write, *v.thinking)
}
_OTHER_KEYS = {
    "llm.token_count.total",
    IGNORED_USAGE_KEY,
    "gen_ai.usage.raw",
    "mlflow.chat.tokenUsage",
    "input",
}
KEYS = sorted(_VOCABULARY_KEYS | _OTHER_KEYS)
FIGURES = [0, 5, 812, 2**63 - 1, 2**63, 2**70, -3, True, False, None, "", "42", " 7 ", "nan", "1e400", "x",
           3.7, float("nan"), float("inf"), -0.0]  # fmt: skip
MODELS = ["gpt-4o-mini", '"quoted-model"', '"', "", None, 5, "  spaced  "]
RAW = [
    '{"completion_tokens_details": {"reasoning_tokens": 9}, "cache_read_input_tokens": 4}',
    "{not json",
    '{"input_tokens_details": {"cached_tokens": NaN}}',
    '{"cache_creation_input_tokens": 3}',
]
MLFLOW_USAGE = [
    '{"input_tokens": 50, "output_tokens": 7, "cache_read_input_tokens": 60}',
    '{"input_tokens": "x"}',
    "[]",
    '{"output_tokens": -1}',
]


def _value(key: str, rng: random.Random) -> Any:
    if key in {k for v in VOCABULARIES for k in v.model}:
        return rng.choice(MODELS)
    if key == "gen_ai.usage.raw":
        return rng.choice(RAW)
    if key == "mlflow.chat.tokenUsage":
        return rng.choice(MLFLOW_USAGE)
    if key == IGNORED_USAGE_KEY:
        return rng.choice([("prompt_tokens",), ["a", "b"], "prompt_tokens", (), None])
    return rng.choice(FIGURES)


def _unplanned(attributes: Mapping[str, Any]) -> LlmCall | None:
    """The span read with the vocabulary's full key lists and no fast path: no plan at work."""
    found = _vocabulary_of(attributes)
    if found is None:
        return None
    raw = found.raw_usage if found.raw_usage in attributes else None
    refused = found is DATAPIZZA and IGNORED_USAGE_KEY in attributes
    keys = (found.model, found.prompt, found.completion, found.cached, found.cache_write, found.thinking)
    return _read(attributes, _Plan(found, *keys, raw, refused, None))


def _same(a: LlmCall | None, b: LlmCall | None) -> bool:
    return a == b and (a is None or all(type(x) is type(y) for x, y in zip(a, b, strict=True)))


@pytest.fixture(autouse=True)
def no_plans_from_other_tests() -> None:
    vocabulary._PLANS.clear()


def test_spans_sharing_keys_are_each_read_with_their_own_values() -> None:
    first = {"model_name": "gpt-4o-mini", "prompt_tokens_used": 812, "completion_tokens_used": 95}
    second = {"model_name": "gpt-4o", "prompt_tokens_used": "12", "completion_tokens_used": float("nan")}
    third = {"model_name": '"mlflow-ish"', "prompt_tokens_used": 2**63, "completion_tokens_used": True}
    assert llm_call(first) == LlmCall("gpt-4o-mini", 812, 95, 0, 0)
    assert llm_call(second) == LlmCall("gpt-4o", 12, 0, 0, 0, ignored_values=1)
    assert llm_call(third) == LlmCall("mlflow-ish", 0, 0, 0, 0, ignored_values=2)
    assert llm_call(first) == LlmCall("gpt-4o-mini", 812, 95, 0, 0)
    assert len(vocabulary._PLANS) == 1  # one plan served the three


def test_absent_empty_and_none_figures_read_as_zero_and_are_not_counted_as_ignored() -> None:
    shape = {"gen_ai.request.model": "m", "gen_ai.usage.input_tokens": 10, "gen_ai.usage.output_tokens": 2}
    assert llm_call(shape) == LlmCall("m", 10, 2, 0, 0)
    assert llm_call({**shape, "gen_ai.usage.output_tokens": None}) == LlmCall("m", 10, 0, 0, 0)
    assert llm_call({**shape, "gen_ai.usage.output_tokens": ""}) == LlmCall("m", 10, 0, 0, 0)
    # A second key of one figure is read when the first is empty, as without plans.
    both = {**shape, "gen_ai.usage.input_tokens": "", "gen_ai.usage.prompt_tokens": 33}
    assert llm_call(both) == LlmCall("m", 33, 2, 0, 0)
    # So is the second model key when the first is empty.
    models = {**shape, "gen_ai.request.model": "", "gen_ai.response.model": "gpt-4o-2024-08-06"}
    assert llm_call(models) == LlmCall("gpt-4o-2024-08-06", 10, 2, 0, 0)
    assert llm_call({**models, "gen_ai.request.model": None}) == LlmCall("gpt-4o-2024-08-06", 10, 2, 0, 0)


def test_cache_figures_above_the_prompt_are_added_to_it_on_every_path() -> None:
    anthropic = {"llm.model_name": "claude", "llm.token_count.prompt": 10, "llm.token_count.completion": 5,
                 "llm.token_count.prompt_details.cache_read": 100,
                 "llm.token_count.prompt_details.cache_write": 20}  # fmt: skip
    assert llm_call(anthropic) == LlmCall("claude", 130, 5, 100, 0, 20)
    as_text = {**anthropic, "llm.token_count.prompt_details.cache_read": "100"}
    assert llm_call(as_text) == LlmCall("claude", 130, 5, 100, 0, 20)


def test_key_order_does_not_change_a_reading() -> None:
    rng = random.Random(7)
    for _ in range(200):
        keys = rng.sample(KEYS, rng.randint(1, 8))
        attributes = {key: _value(key, rng) for key in keys}
        expected = llm_call(attributes)
        reordered = dict(reversed(list(attributes.items())))
        assert _same(llm_call(reordered), expected), attributes


def test_random_spans_read_through_plans_as_through_the_full_vocabulary() -> None:
    rng = random.Random(12)
    shapes = [rng.sample(KEYS, rng.randint(1, 9)) for _ in range(60)]  # few shapes: plans are reused
    for _ in range(4000):
        attributes = {key: _value(key, rng) for key in rng.choice(shapes)}
        assert _same(llm_call(attributes), _unplanned(attributes)), attributes


def test_the_plans_stay_bounded_when_every_span_has_keys_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vocabulary, "_MAX_PLANS", 16)
    for index in range(100):
        attributes = {f"custom.{index}": index, "prompt_tokens_used": index, "completion_tokens_used": 1}
        assert llm_call(attributes) == LlmCall("unknown", index, 1, 0, 0)
        assert len(vocabulary._PLANS) <= 16


def _of_items(attributes: Mapping[str, Any]) -> LlmCall | None:
    return llm_call_of_items(tuple(attributes), list(attributes.values()))


def test_keys_and_values_read_by_position_as_their_dict_is_read() -> None:
    rng = random.Random(31)
    shapes = [rng.sample(KEYS, rng.randint(1, 9)) for _ in range(60)]
    for _ in range(4000):
        attributes = {key: _value(key, rng) for key in rng.choice(shapes)}
        if rng.random() < 0.1:  # a shape seen for the first time, read as items or as a dict
            vocabulary._PLANS.pop(tuple(attributes), None)
        assert _same(_of_items(attributes), llm_call(attributes)), attributes


def test_a_plain_shape_read_by_position_takes_each_figure_from_its_own_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attributes = {
        "i": 7,
        "model_name": "gpt-4o-mini",
        "prompt_tokens_used": 812,
        "completion_tokens_used": 95,
        "cached_tokens_used": 256,
        "thinking_tokens_used": 0,
    }
    sparse = {"i": 1, "prompt_tokens_used": 3}
    assert _of_items(attributes) == LlmCall("gpt-4o-mini", 812, 95, 256, 0)  # makes the plans
    assert _of_items(sparse) == LlmCall("unknown", 3, 0, 0, 0)

    def no_dict(_: Mapping[str, Any]) -> LlmCall | None:
        raise AssertionError("read through a dict, not by position")

    monkeypatch.setattr(vocabulary, "llm_call", no_dict)
    swapped = {**attributes, "prompt_tokens_used": 300, "completion_tokens_used": 812, "model_name": "m"}
    assert _of_items(swapped) == LlmCall("m", 300, 812, 256, 0)
    # Absent figures read as 0 and an absent model as unknown, through the padding past the values.
    assert _of_items({**sparse, "prompt_tokens_used": 4}) == LlmCall("unknown", 4, 0, 0, 0)
    assert _of_items({"i": 1}) is None and _of_items({}) is None


def test_keys_and_values_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        llm_call_of_items(("prompt_tokens_used", "model_name"), [3])
