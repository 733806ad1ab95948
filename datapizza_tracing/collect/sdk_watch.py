"""Running a function once a module is imported: now if it already is, else right after it loads.

The collector must hook the OpenTelemetry SDK's ``TracerProvider`` before any
provider is built, yet importing the SDK costs a tenth of a second that
``import datapizza_tracing`` should not pay (pytest imports the package in every
run for its plugin). A one-shot import hook waits for the SDK instead.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import logging
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

_log = logging.getLogger(__name__)
_lock = threading.Lock()


class _Watch(importlib.abc.MetaPathFinder):
    """Finds nothing itself; wraps the loader of one module so ``then`` runs after the module loads."""

    def __init__(self, name: str, then: Callable[[], object]) -> None:
        self.name = name
        self.then = then

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> Any:
        if fullname != self.name:
            return None
        _remove(self)  # one shot, and the real finders below answer the lookup
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader, then = spec.loader, self.then

        class _Loader(importlib.abc.Loader):
            def create_module(self, spec: Any) -> ModuleType | None:
                return loader.create_module(spec)

            def exec_module(self, module: ModuleType) -> None:
                loader.exec_module(module)
                _run(then)

        spec.loader = _Loader()
        return spec


def _remove(watch: _Watch) -> None:
    with _lock:
        if watch in sys.meta_path:
            sys.meta_path.remove(watch)


def _run(then: Callable[[], object]) -> None:
    try:
        then()
    except Exception:  # a hook that fails must not break the import that triggered it
        _log.warning("datapizza-tracing could not set up its OpenTelemetry hooks", exc_info=True)


def when_imported(name: str, then: Callable[[], object]) -> None:
    """Run ``then`` once module ``name`` is imported (at once, if it already is)."""
    if name in sys.modules:
        _run(then)
        return
    with _lock:
        sys.meta_path.insert(0, _Watch(name, then))
