"""Opening the notebook view of a block: live widget or static snapshot."""

from __future__ import annotations

import threading

from ...collect.block import TraceBlock
from ..output import TraceView
from .live import LiveNotebookView
from .static import StaticNotebookView


def _has_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def open_notebook_view(block: TraceBlock, live: bool) -> TraceView:
    """A live widget view (``live``) or a static one.

    The live view needs a kernel to talk to its frontend, and it displays from
    the thread that opens it, which must be the kernel's main thread (where
    cells run): a block opened in terminal IPython or in a worker thread gets
    the static snapshot instead.
    """
    if live and _has_kernel() and threading.current_thread() is threading.main_thread():
        return LiveNotebookView(block)
    return StaticNotebookView()
