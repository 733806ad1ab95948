"""``%trace_history`` and ``%trace_compare``: the session's finished blocks, listed and compared.

The extension loader calls ``register(ip)`` on ``%load_ext datapizza_tracing``
and ``unregister(ip)`` on unload. Output is a static HTML + text bundle in a
notebook (it stays in the saved file) and rich text in a terminal.
"""

from __future__ import annotations

import shlex
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class

from ...session.compare import compare
from ...session.history import HistoryLookupError, session_history
from ..show import show_comparison, show_history

LINE_MAGICS = ("trace_history", "trace_compare")


def _arguments(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as error:
        raise UsageError(f"cannot read the arguments {line!r}: {error}") from None


def _key(arg: str) -> int | str:
    text = arg.removeprefix("#")
    return int(text) if text.lstrip("-").isdigit() else arg


def trace_history(line: str = "") -> None:
    """List the finished traced blocks of this session.

    ``--limit N`` keeps the last N; ``--clear`` empties the history.
    """
    args = _arguments(line)
    history = session_history()
    while args:
        arg = args.pop(0)
        if arg == "--clear":
            history.clear()
        elif arg == "--limit" and args:
            value = args.pop(0)
            if not value.isdigit():
                raise UsageError(f"--limit takes a number >= 0, not {value!r}")
            history.set_limit(int(value))
        else:
            raise UsageError(f"unknown argument {arg!r}; usage: %trace_history [--limit N] [--clear]")
    show_history(history.entries(), history.limit)


def trace_compare(line: str = "") -> None:
    """Compare two runs: ``%trace_compare A B`` by number (3, #3, -1) or name; one name = its last two runs;
    no argument = the last two blocks."""
    args = _arguments(line)
    if len(args) > 2:
        raise UsageError("usage: %trace_compare [A [B]] with A, B a history number (3, -1) or a block name")
    keys = [_key(arg) for arg in args]
    try:
        if len(keys) == 1 and isinstance(keys[0], int):
            raise UsageError("%trace_compare N: give two runs (e.g. %trace_compare 3 5) or a block name")
        comparison = compare(*keys)
    except (HistoryLookupError, TypeError) as error:
        raise UsageError(str(error)) from None
    show_comparison(comparison)


@magics_class
class HistoryMagics(Magics):
    @line_magic("trace_history")
    def trace_history(self, line: str = "") -> None:
        """%trace_history [--limit N] [--clear]: list the finished traced blocks of this session."""
        trace_history(line)

    @line_magic("trace_compare")
    def trace_compare(self, line: str = "") -> None:
        """%trace_compare [A [B]]: what changed between two runs (history number, -1 or block name)."""
        trace_compare(line)


def register(ip: Any) -> None:
    """Add ``%trace_history`` and ``%trace_compare`` to ``ip`` (idempotent)."""
    unregister(ip)
    ip.register_magics(HistoryMagics)


def unregister(ip: Any) -> None:
    """Remove them again (IPython has no API for it: drop them from the manager's tables)."""
    manager = ip.magics_manager
    for name in LINE_MAGICS:
        registered = manager.magics["line"].get(name)
        owner = getattr(registered, "__self__", None)
        if owner is not None and type(owner).__name__ == HistoryMagics.__name__:
            del manager.magics["line"][name]
    manager.registry.pop(HistoryMagics.__name__, None)
