"""datapizza-tracing: see what your LLM code did, in the terminal or inline in a notebook."""

from __future__ import annotations

from .analysis.compare import TraceComparison, compare
from .analysis.cost import reset_prices, set_prices
from .analysis.history import session_history as history
from .analysis.summary import TokenUsage, TraceSummary
from .collect.provider import install as _install_provider_hooks
from .config import ConfigError
from .frontends.context import ContextTracing, last_trace
from .frontends.handle import TraceHandle, load, load_all
from .frontends.spans import agent_span, generation_span, record_client_io, record_usage, tool_span
from .storage.otlp_json import TraceFileError

__all__ = [
    "ConfigError",
    "ContextTracing",
    "TokenUsage",
    "TraceComparison",
    "TraceFileError",
    "TraceHandle",
    "TraceSummary",
    "agent_span",
    "compare",
    "generation_span",
    "history",
    "last_trace",
    "load",
    "load_all",
    "record_client_io",
    "record_usage",
    "reset_prices",
    "set_prices",
    "tool_span",
]
__version__ = "0.1.0"

# Every SDK tracer provider built from now on feeds the collector, and the
# README's exporter snippets work on the global provider before the first block.
_install_provider_hooks()


def load_ipython_extension(ip: object) -> None:
    """``%load_ext datapizza_tracing``: registers ``%%trace`` (IPython is imported only here)."""
    from .frontends.notebook.extension import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip: object) -> None:
    """``%unload_ext datapizza_tracing`` / ``%reload_ext``: removes what loading added."""
    from .frontends.notebook.extension import unload_ipython_extension as unload

    unload(ip)
