"""The block a ``%%trace`` cell runs in, however the cell reached us (rewritten cell or magic call)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..context import ContextTracing
from ..handle import TraceHandle
from .options import TraceOptions


@contextmanager
def cell_trace(options: TraceOptions, namespace: dict[str, Any] | None) -> Iterator[TraceHandle]:
    """A trace block, plus ``-o VAR`` in the user's namespace."""
    display = "off" if options.no_display else None
    with ContextTracing().trace(options.name, display=display, receive=options.receive) as handle:
        if options.output is not None and namespace is not None:
            namespace[options.output] = handle
        yield handle


def running_cell_number(shell: Any) -> int | None:
    """The prompt number of the cell being run (``shell.execution_count`` already points at the next one)."""
    result = getattr(getattr(shell, "displayhook", None), "exec_result", None)
    count = getattr(result, "execution_count", None)
    return count if count is not None else getattr(shell, "execution_count", None)
