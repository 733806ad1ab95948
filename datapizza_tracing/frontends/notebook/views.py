"""Opening the notebook view of a block: live widget or static snapshot."""

from __future__ import annotations

from ...collect.block import TraceBlock
from ..display import TraceView
from .live import LiveNotebookView
from .static import StaticNotebookView


def _has_kernel() -> bool:
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def open_notebook_view(block: TraceBlock, live: bool) -> TraceView:
    """A live widget view (``live``) or a static one; call on the thread running the block.

    A widget needs a kernel to talk to its frontend: in a shell without one
    (terminal IPython asked for ``widget``), the static view is used instead.
    """
    if live and _has_kernel():
        return LiveNotebookView(block)
    return StaticNotebookView()
