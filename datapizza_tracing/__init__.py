"""datapizza-tracing: see what your LLM code did, in the terminal or inline in a notebook."""

from __future__ import annotations

from importlib import import_module, metadata
from typing import TYPE_CHECKING, Any

from .collect.sdk_watch import when_imported

# The public names and the module each lives in. They are imported on first use
# (PEP 562), so that merely importing the package, as pytest does for the plugin
# in every run, costs next to nothing until tracing is used.
_EXPORTS = {
    "Change": "analysis.compare",
    "TraceComparison": "analysis.compare",
    "ModelPrice": "analysis.cost",
    "PriceFileWarning": "analysis.cost",
    "reset_prices": "analysis.cost",
    "set_prices": "analysis.cost",
    "TokenUsage": "analysis.summary",
    "TraceSummary": "analysis.summary",
    "SlowExporterWarning": "collect.flush",
    "TracingUsageWarning": "collect.misuse",
    "TracingSetupWarning": "collect.provider",
    "ConfigError": "config",
    "compare": "frontends.comparison",
    "ContextTracing": "frontends.context",
    "last_trace": "frontends.context",
    "TraceHandle": "frontends.handle",
    "load": "frontends.handle",
    "load_all": "frontends.handle",
    "history": "frontends.history",
    "agent_span": "instrument",
    "generation_span": "instrument",
    "record_client_io": "instrument",
    "record_usage": "instrument",
    "tool_span": "instrument",
    "TraceSnapshot": "model.snapshot",
    "HistoryEntry": "session.history",
    "HistoryLookupError": "session.history",
    "TraceFileError": "storage.files",
}
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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


if TYPE_CHECKING:  # what type checkers and IDEs see
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

# Every SDK tracer provider built from now on must feed the collector, and the README's
# exporter snippets must work on the global provider before the first block. Both hooks
# need the OpenTelemetry SDK: they are installed the moment it is first imported (now,
# if it already is), so importing this package alone stays light.
when_imported("opentelemetry.sdk.trace", lambda: import_module(".collect.provider_hooks", __name__).install())

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
