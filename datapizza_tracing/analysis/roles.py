"""What a span is in an LLM application (a model call, a tool, an agent, anything else), in any vocabulary."""

from __future__ import annotations

from typing import Literal

from ..model.record import SpanRecord
from .vocabulary import llm_call, span_kind

Role = Literal["llm", "tool", "agent", "other"]
ROLES: tuple[Role, ...] = ("llm", "tool", "agent", "other")

# Role labels as datapizza-ai (type), OpenTelemetry GenAI (gen_ai.operation.name)
# and OpenInference (openinference.span.kind) write them, lower-cased.
_LLM_KINDS = frozenset(
    {"generation", "llm", "chat", "text_completion", "generate_content", "embedding", "embeddings"}
)
_TOOL_KINDS = frozenset({"tool", "execute_tool", "function", "retriever", "reranker"})
_AGENT_KINDS = frozenset({"agent", "invoke_agent", "create_agent", "chain", "workflow", "graph"})


def span_role(span: SpanRecord) -> Role:
    kind = span_kind(span.attributes)
    if llm_call(span.attributes) is not None or kind in _LLM_KINDS:
        return "llm"
    if kind in _TOOL_KINDS:
        return "tool"
    if kind in _AGENT_KINDS:
        return "agent"
    return "other"
