"""datapizza-tracing: see what your LLM code did, in the terminal or inline in a notebook."""

from __future__ import annotations

from .analysis.summary import TokenUsage, TraceSummary
from .config import ConfigError
from .frontends.context import ContextTracing, last_trace
from .frontends.handle import TraceHandle
from .frontends.spans import agent_span, generation_span, record_client_io, record_usage, tool_span

__all__ = [
    "ConfigError",
    "ContextTracing",
    "TokenUsage",
    "TraceHandle",
    "TraceSummary",
    "agent_span",
    "generation_span",
    "last_trace",
    "record_client_io",
    "record_usage",
    "tool_span",
]
__version__ = "0.1.0"
