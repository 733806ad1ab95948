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


def load_ipython_extension(ip: object) -> None:
    """``%load_ext datapizza_tracing``: registers ``%%trace`` (IPython is imported only here)."""
    from .frontends.notebook.extension import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip: object) -> None:
    """``%unload_ext datapizza_tracing`` / ``%reload_ext``: removes what loading added."""
    from .frontends.notebook.extension import unload_ipython_extension as unload

    unload(ip)
