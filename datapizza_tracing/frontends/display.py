"""Choosing where a block's output goes: terminal, notebook widget, static snapshot or nowhere."""

from __future__ import annotations

import logging

from .. import config
from ..collect.block import TraceBlock
from .output import TraceView, in_jupyter_kernel, shell_name
from .terminal import TerminalView

_log = logging.getLogger(__name__)


def resolve_mode(mode: str | None) -> str:
    """The concrete display mode for ``mode`` (``None`` reads the environment)."""
    if mode is None:
        mode = config.display_mode()
    elif mode not in config.DISPLAY_MODES:
        raise ValueError(
            f"display={mode!r} is not a display mode; use one of {', '.join(config.DISPLAY_MODES)}"
        )
    if mode == "auto":
        return "widget" if in_jupyter_kernel() else "terminal"
    if mode in ("widget", "static") and shell_name() is None:
        return "terminal"  # no IPython display to write to
    return mode


def open_view(block: TraceBlock, mode: str) -> TraceView | None:
    """A view for ``block`` in a concrete ``mode`` (see ``resolve_mode``)."""
    if mode == "off":
        return None
    if mode in ("widget", "static"):
        try:
            from .notebook.views import open_notebook_view  # IPython and widgets only when asked for

            return open_notebook_view(block, live=mode == "widget")
        except Exception:
            _log.warning("datapizza-tracing could not open a notebook view; printing instead", exc_info=True)
    return TerminalView()
