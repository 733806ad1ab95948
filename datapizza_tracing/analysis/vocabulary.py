"""One reading of the attribute vocabularies LLM spans are written in.

``VOCABULARIES`` is the one table of attribute names: for each vocabulary, the
keys that name the model and carry prompt, completion, cache-read, cache-write
and thinking tokens, first key found wins. The README's "Which attributes are
read" table is this table. Who writes which vocabulary:

* datapizza-ai clients: ``type=generation``, ``model_name``, ``*_tokens_used``.
* OpenTelemetry GenAI semantic conventions, current and deprecated names, as
  written by opentelemetry-instrumentation-openai, OpenLLMetry (whose older
  ``gen_ai.usage.cache_*_input_tokens`` / ``reasoning_tokens`` spellings are
  listed too), pydantic-ai (``gen_ai.usage.details.*``), logfire (thinking and
  cache figures only inside the JSON of ``gen_ai.usage.raw``) and Anthropic
  instrumentations (cache creation).
* OpenInference (Arize): ``llm.*``, as written by its openai, langchain,
  openai-agents and anthropic instrumentations.
* MLflow tracing: one JSON attribute, ``mlflow.chat.tokenUsage``, and the model
  as a JSON string in ``mlflow.llm.model`` (MLflow records no thinking tokens).

All use the OpenAI token semantics shown in the summary table: prompt tokens
*include* cache reads and cache writes, completion tokens include thinking
ones. Anthropic's API reports ``input_tokens`` *without* the cached parts, and
every instrumentation above adds them back before writing the prompt figure;
a span whose cache figures exceed its prompt figure cannot be in OpenAI
semantics, so it is read as Anthropic's and the cache figures are added.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

UNKNOWN_MODEL = "unknown"


class LlmCall(NamedTuple):
    model: str
    prompt_tokens: int  # cache reads and cache writes included
    completion_tokens: int  # thinking included
    cached_tokens: int  # prompt tokens read from a prompt cache
    thinking_tokens: int
    cache_write_tokens: int = 0  # prompt tokens written to a prompt cache (Anthropic bills them extra)


@dataclass(frozen=True)
class Vocabulary:
    """The attribute names one family of instrumentations writes for an LLM call."""

    name: str
    model: tuple[str, ...]
    prompt: tuple[str, ...]
    completion: tuple[str, ...]
    cached: tuple[str, ...] = ()
    cache_write: tuple[str, ...] = ()
    thinking: tuple[str, ...] = ()
    # A JSON attribute with the provider's own usage object, read for the
    # figures the keys above leave out (logfire keeps thinking tokens only there).
    raw_usage: str | None = None
    # When set, the token keys above are keys of the JSON object in this
    # attribute rather than attributes (MLflow).
    usage_json: str | None = None

    @property
    def token_keys(self) -> tuple[str, ...]:
        """The attributes whose presence says a span reports a call in this vocabulary."""
        return (self.usage_json,) if self.usage_json else self.prompt + self.completion


DATAPIZZA = Vocabulary(
    name="datapizza-ai",
    model=("model_name",),
    prompt=("prompt_tokens_used",),
    completion=("completion_tokens_used",),
    cached=("cached_tokens_used",),
    thinking=("thinking_tokens_used",),
)

GEN_AI = Vocabulary(
    name="OpenTelemetry GenAI",
    model=("gen_ai.request.model", "gen_ai.response.model"),
    prompt=("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    completion=("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    cached=(
        "gen_ai.usage.cache_read.input_tokens",  # semantic conventions
        "gen_ai.usage.cache_read_input_tokens",  # OpenLLMetry before semconv-ai 0.5
        "gen_ai.usage.details.cache_read_tokens",  # pydantic-ai
    ),
    cache_write=(
        "gen_ai.usage.cache_creation.input_tokens",  # semantic conventions, pydantic-ai
        "gen_ai.usage.cache_creation_input_tokens",  # OpenLLMetry before semconv-ai 0.5
        "gen_ai.usage.details.cache_write_tokens",  # pydantic-ai
    ),
    thinking=(
        "gen_ai.usage.reasoning.output_tokens",  # semantic conventions
        "gen_ai.usage.reasoning_tokens",  # OpenLLMetry
        "llm.usage.reasoning_tokens",  # OpenLLMetry before semconv-ai 0.5
        "gen_ai.usage.details.reasoning_tokens",  # pydantic-ai
    ),
    raw_usage="gen_ai.usage.raw",  # logfire
)

OPENINFERENCE = Vocabulary(
    name="OpenInference",
    model=("llm.model_name",),
    prompt=("llm.token_count.prompt",),
    completion=("llm.token_count.completion",),
    cached=("llm.token_count.prompt_details.cache_read", "llm.token_count.prompt_details.cache_input"),
    cache_write=("llm.token_count.prompt_details.cache_write",),
    thinking=("llm.token_count.completion_details.reasoning",),
)

MLFLOW = Vocabulary(
    name="MLflow",
    model=("mlflow.llm.model",),
    prompt=("input_tokens",),
    completion=("output_tokens",),
    cached=("cache_read_input_tokens",),
    cache_write=("cache_creation_input_tokens",),
    usage_json="mlflow.chat.tokenUsage",
)

# First match wins: a span carrying two vocabularies is read in this order.
VOCABULARIES: tuple[Vocabulary, ...] = (DATAPIZZA, GEN_AI, OPENINFERENCE, MLFLOW)

# Keys of the provider usage objects found in ``raw_usage`` (OpenAI chat, OpenAI
# Responses, Anthropic Messages), as paths into the JSON.
RAW_CACHED = (
    ("prompt_tokens_details", "cached_tokens"),
    ("input_tokens_details", "cached_tokens"),
    ("cache_read_input_tokens",),
)
RAW_CACHE_WRITE = (("cache_creation_input_tokens",),)
RAW_THINKING = (
    ("completion_tokens_details", "reasoning_tokens"),
    ("output_tokens_details", "reasoning_tokens"),
)

# A span reports a call when it has one of these (``llm.token_count.total``
# alone too: OpenInference writes it even when the parts are missing).
USAGE_KEYS = frozenset(key for vocabulary in VOCABULARIES for key in vocabulary.token_keys) | {
    "llm.token_count.total"
}
_DETECTORS = tuple((frozenset(vocabulary.token_keys), vocabulary) for vocabulary in VOCABULARIES)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float):
        return max(int(value), 0)
    if isinstance(value, str):
        try:
            return max(int(float(value)), 0)
        except ValueError:
            return 0
    return 0


def _first(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = attributes.get(key)
        if value not in (None, ""):
            return value
    return None


def _raw_usage(value: Any) -> Mapping[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, Mapping) else {}


def _raw_figure(raw: Mapping[str, Any], paths: tuple[tuple[str, ...], ...]) -> int | None:
    for path in paths:
        value: Any = raw
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            return _int(value)
    return None


def _model_value(value: Any) -> Any:
    # MLflow stores every attribute JSON-encoded: the model arrives as '"gpt-4o-mini"'.
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _read(attributes: Mapping[str, Any], vocabulary: Vocabulary) -> LlmCall:
    model = _model_value(_first(attributes, vocabulary.model))
    figures = _raw_usage(attributes.get(vocabulary.usage_json)) if vocabulary.usage_json else attributes
    prompt = _int(_first(figures, vocabulary.prompt))
    completion = _int(_first(figures, vocabulary.completion))
    cached = _first(figures, vocabulary.cached)
    cache_write = _first(figures, vocabulary.cache_write)
    thinking = _first(figures, vocabulary.thinking)
    if vocabulary.raw_usage is not None and vocabulary.raw_usage in attributes:
        raw = _raw_usage(attributes[vocabulary.raw_usage])
        cached = cached if cached is not None else _raw_figure(raw, RAW_CACHED)
        cache_write = cache_write if cache_write is not None else _raw_figure(raw, RAW_CACHE_WRITE)
        thinking = thinking if thinking is not None else _raw_figure(raw, RAW_THINKING)
    cached, cache_write = _int(cached), _int(cache_write)
    if cached + cache_write > prompt:
        # Only Anthropic's own semantics (input without the cached parts) allow this.
        prompt += cached + cache_write
    return LlmCall(
        str(model) if model is not None else UNKNOWN_MODEL,
        prompt,
        completion,
        cached,
        _int(thinking),
        cache_write,
    )


def llm_call(attributes: Mapping[str, Any]) -> LlmCall | None:
    """The model call a span reports token usage for, or ``None`` if it reports none."""
    if USAGE_KEYS.isdisjoint(attributes):  # most spans: one C-level check
        return None
    for keys, vocabulary in _DETECTORS:
        if not keys.isdisjoint(attributes):
            return _read(attributes, vocabulary)
    if "llm.token_count.total" in attributes:
        return _read(attributes, OPENINFERENCE)
    return None


def span_kind(attributes: Mapping[str, Any]) -> str | None:
    """A short role label for a span (generation, agent, tool, ...) in any vocabulary."""
    value = _first(attributes, ("type", "gen_ai.operation.name", "openinference.span.kind"))
    return str(value).lower() if value is not None else None


def model_name(attributes: Mapping[str, Any]) -> str | None:
    value = _model_value(_first(attributes, tuple(key for v in VOCABULARIES for key in v.model)))
    return str(value) if value is not None else None


INPUT_KEYS = ("input", "gen_ai.input.messages", "gen_ai.prompt", "input.value")
OUTPUT_KEYS = ("output", "gen_ai.output.messages", "gen_ai.completion", "output.value")
