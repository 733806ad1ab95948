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
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

UNKNOWN_MODEL = "unknown"
MAX_TOKEN_COUNT = 2**63 - 1  # the widest integer OTLP carries; anything above it came from a bug
IGNORED_USAGE_KEY = "datapizza.usage.ignored"  # record_usage's list of the figures it refused
_MAX_NUMBER_TEXT = 64  # characters: no token count is longer, and int() of a huge text is slow


class LlmCall(NamedTuple):
    model: str
    prompt_tokens: int  # cache reads and cache writes included
    completion_tokens: int  # thinking included
    cached_tokens: int  # prompt tokens read from a prompt cache
    thinking_tokens: int
    cache_write_tokens: int = 0  # prompt tokens written to a prompt cache (Anthropic bills them extra)
    ignored_values: int = 0  # figures present but no token count (NaN, inf, negative, text): not counted


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
    model=("llm.model_name", "embedding.model_name"),  # embeddings name their model apart
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
    "llm.token_count.total",
    IGNORED_USAGE_KEY,
}
_DETECTORS = tuple((frozenset(vocabulary.token_keys), vocabulary) for vocabulary in VOCABULARIES)


def token_count(value: Any) -> int | None:
    """``value`` as a token count, or ``None`` when it is not one.

    A token count is a finite number from 0 to ``MAX_TOKEN_COUNT`` (an int, a
    float, or text spelling one; a fraction is cut to its whole part). NaN,
    infinities (``"1e400"`` too), negatives, booleans and everything else are
    not: counting them as 0 would hide a bug, counting them at all would turn
    every total and cost into NaN.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > _MAX_NUMBER_TEXT:
            return None
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_TOKEN_COUNT else None
    if isinstance(value, float) and math.isfinite(value) and 0 <= value <= MAX_TOKEN_COUNT:
        return int(value)
    return None


_new_call = tuple.__new__  # skips NamedTuple's Python-level __new__: once per reporting span


def _figure(value: Any) -> int | None:
    """``value`` as a token count, 0 when absent, ``None`` when present but not a token count."""
    if type(value) is int and 0 <= value <= MAX_TOKEN_COUNT:  # the usual figure: token_count's answer
        return value
    return 0 if value is None else token_count(value)


def _first(attributes: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    if len(keys) == 1:  # most vocabularies name one key: no loop
        value = attributes.get(keys[0])
        return value if value not in (None, "") else None
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


def _raw_figure(raw: Mapping[str, Any], paths: tuple[tuple[str, ...], ...]) -> Any:
    for path in paths:
        value: Any = raw
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            return value
    return None


def _model_value(value: Any) -> Any:
    # MLflow stores every attribute JSON-encoded: the model arrives as '"gpt-4o-mini"'.
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class _Plan(NamedTuple):
    """How to read the spans whose attributes have one set of keys: the vocabulary, and for each
    figure its keys *present* in that set, in the vocabulary's order (an absent key reads as missing,
    so leaving it out changes nothing). Spans of one instrumentation share their keys, so a trace
    needs a handful of plans, and reading a span is then a few look-ups of keys it has."""

    vocabulary: Vocabulary
    model: tuple[str, ...]
    prompt: tuple[str, ...]
    completion: tuple[str, ...]
    cached: tuple[str, ...]
    cache_write: tuple[str, ...]
    thinking: tuple[str, ...]
    raw_usage: str | None  # the vocabulary's raw usage attribute, when present
    refused: bool  # record_usage's list of refused figures is present (and read: datapizza-ai only)
    # When the model and each figure have at most one key present and nothing else is read: the model's
    # key and the figures' keys in LlmCall's order (an absent one as ``_ABSENT``), for ``_read_plain``.
    plain: tuple[object, tuple[object, ...]] | None
    # The same keys as positions in the key set's order, for ``llm_call_of_items``: an absent figure
    # points just past the values, where a 0 is put, an absent model one further, at a None.
    plain_at: tuple[int, tuple[int, ...]] | None = None


def _plan(attributes: Mapping[str, Any], vocabulary: Vocabulary) -> _Plan:
    def present(keys: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(key for key in keys if key in attributes)

    # MLflow's token keys name fields of the JSON in ``usage_json``, not attributes: all are kept.
    figures = (lambda keys: keys) if vocabulary.usage_json else present
    raw = vocabulary.raw_usage
    plan = _Plan(
        vocabulary,
        present(vocabulary.model),
        figures(vocabulary.prompt),
        figures(vocabulary.completion),
        figures(vocabulary.cached),
        figures(vocabulary.cache_write),
        figures(vocabulary.thinking),
        raw if raw is not None and raw in attributes else None,
        vocabulary is DATAPIZZA and IGNORED_USAGE_KEY in attributes,
        None,
    )
    # In LlmCall's order; a figure without a key reads its default, 0, from a key no map has.
    figures_keys = (plan.prompt, plan.completion, plan.cached, plan.thinking, plan.cache_write)
    if (
        vocabulary.usage_json
        or plan.raw_usage
        or plan.refused
        or any(len(k) > 1 for k in (plan.model, *figures_keys))
    ):
        return plan
    model_key = plan.model[0] if plan.model else _ABSENT
    figure_keys = tuple(keys[0] if keys else _ABSENT for keys in figures_keys)
    position = {key: at for at, key in enumerate(attributes)}
    count = len(position)
    plain_at = (position.get(model_key, count + 1), tuple(position.get(key, count) for key in figure_keys))
    return plan._replace(plain=(model_key, figure_keys), plain_at=plain_at)


_ABSENT = object()  # a key no attribute map has


def _read_plain(attributes: Mapping[str, Any], plain: tuple[object, tuple[object, ...]]) -> LlmCall | None:
    """``_read`` for a span whose figures are all ints in range or absent (nearly every span), with
    no look-up of a key the span lacks; ``None`` when a figure is anything else (None, text, a bool,
    ...): ``_read`` then reads it and counts the figures it ignores."""
    model_key, (prompt_key, completion_key, cached_key, thinking_key, cache_write_key) = plain
    get = attributes.get
    return _plain_call(
        get(model_key),
        get(prompt_key, 0),
        get(completion_key, 0),
        get(cached_key, 0),
        get(thinking_key, 0),
        get(cache_write_key, 0),
    )


def _plain_call(
    model: Any, prompt: Any, completion: Any, cached: Any, thinking: Any, cache_write: Any
) -> LlmCall | None:
    """The call of ``_read_plain``'s values, or ``None`` when a figure is not an int in range."""
    if not (
        type(prompt) is int
        and type(completion) is int
        and type(cached) is int
        and type(thinking) is int
        and type(cache_write) is int
        and 0 <= prompt <= MAX_TOKEN_COUNT
        and 0 <= completion <= MAX_TOKEN_COUNT
        and 0 <= cached <= MAX_TOKEN_COUNT
        and 0 <= thinking <= MAX_TOKEN_COUNT
        and 0 <= cache_write <= MAX_TOKEN_COUNT
    ):
        return None
    if cached + cache_write > prompt:  # as in ``_read``
        prompt += cached + cache_write
    if type(model) is not str or not model or model[0] == '"':  # not a plain model name: as in ``_read``
        model = _model_value(model) if model not in (None, "") else None
        model = str(model) if model is not None else UNKNOWN_MODEL
    return _new_call(LlmCall, (model, prompt, completion, cached, thinking, cache_write, 0))


def _read(attributes: Mapping[str, Any], plan: _Plan) -> LlmCall:
    model = _model_value(_first(attributes, plan.model))
    usage_json = plan.vocabulary.usage_json
    figures = _raw_usage(attributes.get(usage_json)) if usage_json else attributes
    cached = _first(figures, plan.cached)
    cache_write = _first(figures, plan.cache_write)
    thinking = _first(figures, plan.thinking)
    if plan.raw_usage is not None:
        raw = _raw_usage(attributes[plan.raw_usage])
        cached = cached if cached is not None else _raw_figure(raw, RAW_CACHED)
        cache_write = cache_write if cache_write is not None else _raw_figure(raw, RAW_CACHE_WRITE)
        thinking = thinking if thinking is not None else _raw_figure(raw, RAW_THINKING)
    counts = [
        _figure(_first(figures, plan.prompt)),
        _figure(_first(figures, plan.completion)),
        _figure(cached),
        _figure(cache_write),
        _figure(thinking),
    ]
    ignored = counts.count(None)  # figures present but no token count: read as 0, and counted
    if ignored:
        counts = [count or 0 for count in counts]
    prompt, completion, cached, cache_write, thinking = counts
    if cached + cache_write > prompt:
        # Only Anthropic's own semantics (input without the cached parts) allow this.
        prompt += cached + cache_write
    if plan.refused:
        refused = attributes[IGNORED_USAGE_KEY]
        if refused:
            ignored += len(refused) if isinstance(refused, (tuple, list)) else 1
    return _new_call(
        LlmCall,
        (
            str(model) if model is not None else UNKNOWN_MODEL,
            prompt,
            completion,
            cached,
            thinking,
            cache_write,
            ignored,
        ),
    )


def _vocabulary_of(attributes: Mapping[str, Any]) -> Vocabulary | None:
    for keys, vocabulary in _DETECTORS:
        if not keys.isdisjoint(attributes):
            return vocabulary
    if "llm.token_count.total" in attributes:
        return OPENINFERENCE
    if IGNORED_USAGE_KEY in attributes:  # record_usage refused every token figure: still one call
        return DATAPIZZA
    return None


# Attribute keys in their order -> the plan for them (None: no vocabulary). Plans never change, and
# one dict operation is atomic, so threads share them. A trace of hostile spans, each with keys of its
# own, could grow the dict without end: it starts over when full.
_PLANS: dict[tuple[str, ...], _Plan | None] = {}
_MAX_PLANS = 1024


def _new_plan(attributes: Mapping[str, Any], shape: tuple[str, ...]) -> _Plan | None:
    vocabulary = _vocabulary_of(attributes)
    plan = _plan(attributes, vocabulary) if vocabulary is not None else None
    if len(_PLANS) >= _MAX_PLANS:
        _PLANS.clear()
    _PLANS[shape] = plan
    return plan


def llm_call(attributes: Mapping[str, Any]) -> LlmCall | None:
    """The model call a span reports token usage for, or ``None`` if it reports none."""
    if USAGE_KEYS.isdisjoint(attributes):  # most spans: one C-level check
        return None
    shape = tuple(attributes)
    try:
        plan = _PLANS[shape]
    except KeyError:
        plan = _new_plan(attributes, shape)
    if plan is None:
        return None
    if plan.plain is not None:
        call = _read_plain(attributes, plan.plain)
        if call is not None:
            return call
    return _read(attributes, plan)


def llm_call_of_items(keys: tuple[str, ...], values: Sequence[Any]) -> LlmCall | None:
    """``llm_call(dict(zip(keys, values)))`` for attributes kept as keys and values (a span's row),
    read by position without making the dict when the keys' plan allows it (the live view reads
    every new span that reports usage, four times a second)."""
    if USAGE_KEYS.isdisjoint(keys):
        return None
    try:
        plan = _PLANS[keys]
    except KeyError:  # the first span of these keys: reading it makes their plan
        return llm_call(dict(zip(keys, values, strict=True)))
    if plan is None:
        return None
    if plan.plain_at is not None:
        model_at, (prompt_at, completion_at, cached_at, thinking_at, cache_write_at) = plan.plain_at
        padded = (*values, 0, None)
        call = _plain_call(
            padded[model_at],
            padded[prompt_at],
            padded[completion_at],
            padded[cached_at],
            padded[thinking_at],
            padded[cache_write_at],
        )
        if call is not None:
            return call
    return llm_call(dict(zip(keys, values, strict=True)))


def span_kind(attributes: Mapping[str, Any]) -> str | None:
    """A short role label for a span (generation, agent, tool, ...) in any vocabulary."""
    value = _first(attributes, ("type", "gen_ai.operation.name", "openinference.span.kind"))
    return str(value).lower() if value is not None else None


_MODEL_KEYS = tuple(dict.fromkeys(key for vocabulary in VOCABULARIES for key in vocabulary.model))


def model_name(attributes: Mapping[str, Any]) -> str | None:
    value = _model_value(_first(attributes, _MODEL_KEYS))
    return str(value) if value is not None else None


def model_names(attributes: Mapping[str, Any]) -> tuple[str, ...]:
    """Every model a span names, requested and answering (``fast`` and ``gpt-4o-mini-2024-07-18``
    behind a proxy alias): two reports of one request share at least one of them."""
    names = []
    for key in _MODEL_KEYS:  # a plain loop: this runs for every nested or sibling report
        value = attributes.get(key)
        if value is not None and value != "":
            names.append(value if type(value) is str and value[0] != '"' else str(_model_value(value)))
    return tuple(names)


# Where a response's provider id is written: the GenAI attribute, else the response JSON captured as
# the span's output (OpenInference's ``output.value``, MLflow's ``mlflow.spanOutputs``).
RESPONSE_ID_KEY = "gen_ai.response.id"
_OUTPUT_JSON_KEYS = ("output.value", "mlflow.spanOutputs")


def response_id(attributes: Mapping[str, Any]) -> str | None:
    """The provider's id of the response a span reports (``chatcmpl-...``), or ``None`` if unknown."""
    value = attributes.get(RESPONSE_ID_KEY)
    if value not in (None, ""):
        return str(value)
    for key in _OUTPUT_JSON_KEYS:
        output = attributes.get(key)
        if isinstance(output, str) and output.startswith("{"):  # a JSON object: parse nothing else
            found = _output_response_id(_raw_usage(output))
            if found:
                return found
    return None


def _output_response_id(output: Mapping[str, Any]) -> str | None:
    # An OpenAI response object has its id on top; LangChain's LLMResult keeps it in ``llm_output``.
    llm_output = output.get("llm_output")
    found = output.get("id") or (llm_output.get("id") if isinstance(llm_output, Mapping) else None)
    return found if isinstance(found, str) else None


INPUT_KEYS = ("input", "gen_ai.input.messages", "gen_ai.prompt", "input.value")
OUTPUT_KEYS = ("output", "gen_ai.output.messages", "gen_ai.completion", "output.value")
