"""``%load_ext datapizza_tracing``: what the extension adds to a shell and takes away again.

Loading must be idempotent: ``%load_ext`` twice, ``%reload_ext`` and
``%unload_ext`` + ``%load_ext`` leave one span processor (the collector is
attached once per process by ``ensure_collector``), one ``%%trace`` magic and
one copy of each transformer. Installed objects carry ``INSTALLED_TAG`` so that
a reloaded module still recognises the ones an older copy installed.
"""

from __future__ import annotations

from typing import Any

from ...collect.provider import ensure_collector
from . import history_magics
from .magic import TraceMagics
from .transformers import INSTALLED_TAG, TraceCellWrapper, mark_trace_cell


def load_ipython_extension(ip: Any) -> None:
    """Register ``%%trace`` and its transformers in ``ip`` (idempotent)."""
    ensure_collector()
    _remove_installed(ip)
    ip.register_magics(TraceMagics)
    ip.input_transformers_cleanup.append(mark_trace_cell)
    ip.ast_transformers.append(TraceCellWrapper())
    history_magics.register(ip)


def unload_ipython_extension(ip: Any) -> None:
    """Take away what ``load_ipython_extension`` added (the span processor stays: it cannot be removed)."""
    _remove_installed(ip)
    history_magics.unregister(ip)


def _is_ours(obj: Any) -> bool:
    return bool(getattr(obj, INSTALLED_TAG, False))


def _remove_installed(ip: Any) -> None:
    cleanup = ip.input_transformers_cleanup
    cleanup[:] = [t for t in cleanup if not _is_ours(t)]
    ip.ast_transformers[:] = [t for t in ip.ast_transformers if not _is_ours(t)]
    # IPython has no API to unregister a magic: drop it from the manager's tables.
    manager = ip.magics_manager
    registered = manager.magics["cell"].get("trace")
    if registered is not None and _is_trace_magic(registered):
        del manager.magics["cell"]["trace"]
    manager.registry.pop(TraceMagics.__name__, None)


def _is_trace_magic(func: Any) -> bool:
    owner = getattr(func, "__self__", None)
    return (
        owner is not None
        and type(owner).__name__ == TraceMagics.__name__
        and (type(owner).__module__ == TraceMagics.__module__)
    )
