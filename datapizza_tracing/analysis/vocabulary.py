"""One reading of the three attribute vocabularies LLM spans are written in.

* datapizza-ai clients: ``type=generation``, ``model_name``, ``*_tokens_used``.
* OpenTelemetry GenAI semantic conventions: ``gen_ai.*`` (current and deprecated names).
* OpenInference (Arize): ``openinference.span.kind``, ``llm.*``.

All three use the OpenAI token semantics shown in the summary table: prompt
tokens include cached ones, completion tokens include thinking ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

UNKNOWN_MODEL = "unknown"


class LlmCall(NamedTuple):
    model: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    thinking_tokens: int


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


def _first(attributes: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = attributes.get(key)
        if value not in (None, ""):
            return value
    return None


def _model(attributes: Mapping[str, Any], *keys: str) -> str:
    value = _first(attributes, *keys)
    return str(value) if value is not None else UNKNOWN_MODEL


_DATAPIZZA_TOKENS = ("prompt_tokens_used", "completion_tokens_used")
_GENAI_TOKENS = (
    "gen_ai.usage.input_tokens",
    "gen_ai.usage.output_tokens",
    "gen_ai.usage.prompt_tokens",
    "gen_ai.usage.completion_tokens",
)
_OPENINFERENCE_TOKENS = ("llm.token_count.prompt", "llm.token_count.completion", "llm.token_count.total")


# Any key that can carry token usage: spans without one skip the full parse (one C-level check).
USAGE_KEYS = frozenset(_DATAPIZZA_TOKENS + _GENAI_TOKENS + _OPENINFERENCE_TOKENS)


def llm_call(attributes: Mapping[str, Any]) -> LlmCall | None:
    """The model call a span reports token usage for, or ``None`` if it reports none."""
    if USAGE_KEYS.isdisjoint(attributes):  # most spans: one C-level check
        return None
    if any(key in attributes for key in _DATAPIZZA_TOKENS):
        return LlmCall(
            _model(attributes, "model_name"),
            _int(attributes.get("prompt_tokens_used")),
            _int(attributes.get("completion_tokens_used")),
            _int(attributes.get("cached_tokens_used")),
            _int(attributes.get("thinking_tokens_used")),
        )
    if any(key in attributes for key in _GENAI_TOKENS):
        return LlmCall(
            _model(attributes, "gen_ai.request.model", "gen_ai.response.model"),
            _int(_first(attributes, "gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")),
            _int(_first(attributes, "gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")),
            _int(
                _first(
                    attributes,
                    "gen_ai.usage.cache_read.input_tokens",
                    "gen_ai.usage.cache_read_input_tokens",
                )
            ),
            _int(
                _first(
                    attributes,
                    "gen_ai.usage.reasoning.output_tokens",
                    "gen_ai.usage.reasoning_tokens",
                )
            ),
        )
    if any(key in attributes for key in _OPENINFERENCE_TOKENS):
        return LlmCall(
            _model(attributes, "llm.model_name"),
            _int(attributes.get("llm.token_count.prompt")),
            _int(attributes.get("llm.token_count.completion")),
            _int(attributes.get("llm.token_count.prompt_details.cache_read")),
            _int(attributes.get("llm.token_count.completion_details.reasoning")),
        )
    return None


def span_kind(attributes: Mapping[str, Any]) -> str | None:
    """A short role label for a span (generation, agent, tool, ...) in any vocabulary."""
    value = _first(attributes, "type", "gen_ai.operation.name", "openinference.span.kind")
    return str(value).lower() if value is not None else None


def model_name(attributes: Mapping[str, Any]) -> str | None:
    value = _first(
        attributes, "model_name", "gen_ai.request.model", "gen_ai.response.model", "llm.model_name"
    )
    return str(value) if value is not None else None


INPUT_KEYS = ("input", "gen_ai.input.messages", "gen_ai.prompt", "input.value")
OUTPUT_KEYS = ("output", "gen_ai.output.messages", "gen_ai.completion", "output.value")
