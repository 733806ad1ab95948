"""datapizza-tracing: see what your LLM code did, in the terminal or inline in a notebook."""

from __future__ import annotations

from importlib import metadata

from .analysis.compare import Change, TraceComparison
from .analysis.cost import ModelPrice, PriceFileWarning, reset_prices, set_prices
from .analysis.summary import TokenUsage, TraceSummary
from .collect.flush import SlowExporterWarning
from .collect.misuse import TracingUsageWarning
from .collect.provider import TracingSetupWarning
from .config import ConfigError
from .frontends.comparison import compare
from .frontends.context import ContextTracing, last_trace
from .frontends.handle import TraceHandle, load, load_all
from .frontends.history import history
from .instrument import agent_span, generation_span, record_client_io, record_usage, tool_span
from .model.snapshot import TraceSnapshot
from .session.history import HistoryEntry, HistoryLookupError
from .storage.files import TraceFileError

__all__ = [
    "Change",
    "ConfigError",
    "ContextTracing",
    "HistoryEntry",
    "HistoryLookupError",
    "ModelPrice",
    "PriceFileWarning",
    "SlowExporterWarning",
    "TokenUsage",
    "TraceComparison",
    "TraceFileError",
    "TraceHandle",
    "TraceSnapshot",
    "TraceSummary",
    "TracingSetupWarning",
    "TracingUsageWarning",
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

try:  # the version is written once, in pyproject.toml
    __version__ = metadata.version("datapizza-tracing")
except metadata.PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"


def load_ipython_extension(ip: object) -> None:
    """``%load_ext datapizza_tracing``: registers ``%%trace`` (IPython is imported only here)."""
    from .frontends.notebook.extension import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip: object) -> None:
    """``%unload_ext datapizza_tracing`` / ``%reload_ext``: removes what loading added."""
    from .frontends.notebook.extension import unload_ipython_extension as unload

    unload(ip)
