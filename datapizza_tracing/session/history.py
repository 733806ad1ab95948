"""The last N finished blocks of this session, to list and compare.

A notebook user iterates: change a prompt, re-run the cell, look again. Each
finished block is pushed here; entries are numbered from 1 for the whole
session (numbers stay stable while old entries fall off the end), and are
looked up by number, by a negative position (-1 = latest) or by block name
(the latest run with that name).

The size is ``DATAPIZZA_TRACING_HISTORY`` (default 20; 0 keeps nothing; see
``config.history_limit``), read on each push so a change in ``os.environ``
applies at once, unless ``set_limit`` was called from Python. Every entry keeps its block's spans, so a
long history of very large blocks holds a lot of memory: lower the limit then.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union

from .. import config
from ..analysis.summary import TraceSummary, summarize
from ..model.snapshot import TraceSnapshot

Ref = Union[int, str, "HistoryEntry", TraceSnapshot, Any]  # Any: an object with .snapshot() (a TraceHandle)


class HistoryLookupError(LookupError):
    """No history entry matches a number or name."""

    def __str__(self) -> str:  # LookupError would show the message quoted
        return str(self.args[0]) if self.args else ""


@dataclass(frozen=True)
class HistoryEntry:
    number: int  # 1 for the session's first finished block
    snapshot: TraceSnapshot
    finished_at: float  # wall clock (time.time()) when it was added

    @property
    def name(self) -> str:
        return self.snapshot.name

    @property
    def label(self) -> str:
        return f"#{self.number} {self.name}"

    def summary(self) -> TraceSummary:
        return summarize(self.snapshot)


class TraceHistory:
    """A bounded, thread-safe list of finished blocks, oldest first."""

    def __init__(self, limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self._entries: deque[HistoryEntry] = deque()
        self._limit = self._checked(limit) if limit is not None else None
        self._next_number = 1

    @staticmethod
    def _checked(limit: int) -> int:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValueError(f"history limit must be an int >= 0, not {limit!r}")
        return limit

    @property
    def limit(self) -> int:
        """Entries kept: set from Python, else ``DATAPIZZA_TRACING_HISTORY``, else 20."""
        return self._limit if self._limit is not None else config.history_limit()

    def set_limit(self, limit: int | None) -> None:
        """Keep the last ``limit`` blocks (``None``: back to the environment/default)."""
        with self._lock:
            self._limit = self._checked(limit) if limit is not None else None
            if limit is not None:  # back to the environment: its limit applies on the next add
                self._trim(limit)

    def _trim(self, limit: int) -> None:
        while len(self._entries) > limit:
            self._entries.popleft()

    def add(self, snapshot: TraceSnapshot) -> HistoryEntry | None:
        """Remember a finished block; ``None`` when the limit is 0."""
        limit = self.limit
        with self._lock:
            entry = HistoryEntry(self._next_number, snapshot, time.time())
            self._next_number += 1
            if limit == 0:
                self._entries.clear()
                return None
            self._entries.append(entry)
            self._trim(limit)
            return entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(self) -> list[HistoryEntry]:
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[HistoryEntry]:
        return iter(self.entries())

    def __getitem__(self, key: int | str) -> HistoryEntry:
        return self.get(key)

    def get(self, key: int | str) -> HistoryEntry:
        """By number (``3`` or ``"3"`` or ``"#3"``), position (``-1`` = latest) or name (its latest run)."""
        entries = self.entries()
        if not entries:
            raise HistoryLookupError("the trace history is empty: no traced block has finished yet")
        number = _as_number(key)
        if number is not None:
            if number < 0:
                if -number > len(entries):
                    raise HistoryLookupError(
                        f"history holds {len(entries)} entries; {number} reaches past the oldest"
                    )
                return entries[number]
            for entry in entries:
                if entry.number == number:
                    return entry
            raise HistoryLookupError(
                f"no history entry #{number}; kept: #{entries[0].number}…#{entries[-1].number}"
                f" (the last {self.limit})"
            )
        for entry in reversed(entries):
            if entry.name == key:
                return entry
        names = ", ".join(sorted({entry.name for entry in entries})[:10])
        raise HistoryLookupError(f"no traced block named {key!r} in the history; names: {names}")

    def runs_of(self, name: str) -> list[HistoryEntry]:
        """All kept runs of the block called ``name``, oldest first."""
        return [entry for entry in self.entries() if entry.name == name]

    def resolve(self, ref: Ref) -> tuple[TraceSnapshot, str]:
        """A snapshot and a display label for a history key, an entry, a snapshot or a handle."""
        if isinstance(ref, HistoryEntry):
            return ref.snapshot, ref.label
        if isinstance(ref, TraceSnapshot):
            return ref, ref.name
        snapshot = getattr(ref, "snapshot", None)
        if callable(snapshot):
            result = snapshot()
            if isinstance(result, TraceSnapshot):
                return result, result.name
        if isinstance(ref, (int, str)) and not isinstance(ref, bool):
            entry = self.get(ref)
            return entry.snapshot, entry.label
        raise TypeError(
            f"cannot compare a {type(ref).__name__}: pass a history number or name, or a trace handle"
        )

    def __repr__(self) -> str:
        try:
            limit = str(self.limit)
        except config.ConfigError:
            limit = f"? (bad {config.HISTORY_ENV})"
        return f"<TraceHistory {len(self)} of last {limit} blocks>"


def _as_number(key: int | str) -> int | None:
    if isinstance(key, bool):
        raise TypeError("a history key is a number or a name, not a bool")
    if isinstance(key, int):
        if key == 0:
            raise HistoryLookupError("history numbers start at 1; use -1 for the latest entry")
        return key
    text = key.strip()
    digits = text.removeprefix("#")
    if digits.lstrip("-").isdigit():
        return _as_number(int(digits))
    return None


_session = TraceHistory()


def session_history() -> TraceHistory:
    """The history every finished block of this process is added to."""
    return _session
