"""``datapizza_tracing.history()``: the session history, shown as a table in a notebook or a terminal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..render.rich.table import rich_table
from ..session.history import HistoryEntry, TraceHistory, session_history
from ..views.history import history_table
from .show import show_history


class HistoryView:
    """The session's ``TraceHistory`` with its methods, plus a table when displayed."""

    def __init__(self, store: TraceHistory) -> None:
        self._store = store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def __len__(self) -> int:
        return len(self._store)

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self._store)

    def __getitem__(self, key: int | str) -> HistoryEntry:
        return self._store[key]

    def show(self) -> None:
        """Show the history: an HTML table in a notebook, rich output in a terminal."""
        show_history(self._store.entries(), self._store.limit)

    def __rich__(self) -> Any:
        return rich_table(history_table(self._store.entries(), self._store.limit))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        from .notebook.bundles import history_bundle

        return history_bundle(self._store.entries(), self._store.limit)

    def __repr__(self) -> str:
        return repr(self._store)


def history() -> HistoryView:
    """The finished blocks of this session (the last ``DATAPIZZA_TRACING_HISTORY``), oldest first."""
    return HistoryView(session_history())
