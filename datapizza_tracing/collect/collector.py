"""The one span processor: keeps spans of tracked traces, ignores the rest.

It runs on whatever thread starts or ends a span, so both hooks are a dict
lookup for untracked spans, and for tracked ones a ticket, a row build and a
``list.extend`` (atomic under the GIL). It never raises into the traced code.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable
from typing import Any, NamedTuple

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from ..model.record import SpanRecord
from ..model.rows import InternTable, records_from_rows, span_ids
from .sdk_spans import SPAN_ID, TRACE_ID, record_from_span, row_from_ended_span, row_from_record

_log = logging.getLogger(__name__)


class RemoteAdded(NamedTuple):
    """What ``add_remote`` did with the spans it was given."""

    kept: int
    duplicates: int  # span ids the store already held
    dropped: int  # over the span cap


class TraceStore:
    """Spans of one tracked trace id, shared by the (nested) blocks that track it."""

    __slots__ = (
        "_lock",
        "follow_threads",
        "max_spans",
        "pinned",
        "pinned_over",
        "remote_dropped",
        "remote_ids",
        "room",
        "rows",
        "running",
        "table",
        "tickets",
        "trace_id",
        "users",
    )

    def __init__(self, trace_id: int, max_spans: int, follow_threads: bool) -> None:
        self.trace_id = trace_id
        self.max_spans = max_spans
        # The outermost block's choice; thread propagation reads the innermost
        # block's from the context instead (see propagation.FOLLOW_THREADS_KEY).
        self.follow_threads = follow_threads
        self.rows: list[Any] = []  # finished spans, as rows laid end to end (see model.rows)
        self.table = InternTable()
        # span_id -> live SDK span, so views can show what is still running.
        self.running: dict[int, Span] = {}
        self.users = 0
        # Root spans of the blocks sharing this store: kept even over the cap,
        # since a root ends last and the summary needs it (status, duration).
        self.pinned: set[int] = set()
        # Span ids of spans that arrived from other processes (see ``add_remote``).
        self.remote_ids: set[int] = set()
        # Spans other processes dropped over the cap before sending the rest (see ``add_remote``).
        self.remote_dropped = 0
        # Every span that ends here takes a ticket, and the first ``room`` are kept.
        # ``next`` on an itertools.count is one C call, atomic under the GIL, so the
        # cap is exact however threads interleave, with no lock for kept spans. (A
        # check of ``len(records)`` followed by an append let a thread held up in
        # between add a span past a full cap.) One slot stays free for the
        # outermost root span, which ends last. The ticket is also all a span over
        # the cap costs: the tickets past ``room`` count them.
        self.room = max(max_spans - 1, 0)
        self.tickets = itertools.count()
        self.pinned_over = itertools.count()  # pinned spans kept past ``room``: not dropped
        self._lock = threading.Lock()

    @property
    def dropped(self) -> int:
        """Spans that ended over the cap, here or in a worker before it sent the rest: counted, not kept."""
        over = max(_next_value(self.tickets) - self.room - _next_value(self.pinned_over), 0)
        return over + self.remote_dropped

    def finished_records(self) -> list[SpanRecord]:
        """The finished spans as records, in the order they ended."""
        return records_from_rows(tuple(self.rows), self.table, self.trace_id)  # whole rows: see on_end

    def add_remote(self, records: Iterable[SpanRecord], dropped_there: int = 0) -> RemoteAdded:
        """Keep spans that other processes sent for this trace, under the same cap as local ones.

        ``dropped_there`` counts the spans the sender dropped over the cap itself: dropped here too.

        A span id already held (sent twice, read back from a backend that also has
        the local spans, or the id of a local span still running) is skipped: the
        local span keeps its id. Not on the hot path: it takes the lock once.
        """
        kept = duplicates = dropped = 0
        with self._lock:
            self.remote_dropped += dropped_there
            known = self.remote_ids | self.pinned | set(self.running) | set(span_ids(tuple(self.rows)))
            for record in records:
                if record.span_id in known:
                    duplicates += 1
                elif next(self.tickets) < self.room:  # the cap rule of ``on_end``
                    self.rows.extend(row_from_record(record, self.table))
                    self.remote_ids.add(record.span_id)
                    known.add(record.span_id)
                    kept += 1
                else:  # its ticket counts it
                    dropped += 1
        return RemoteAdded(kept, duplicates, dropped)

    def running_records(self) -> list[SpanRecord]:
        """Records of spans started and not collected yet as finished.

        A span that has just ended is still here until ``on_end`` has kept it:
        readers dedupe against the finished records, so it is never missed.
        """
        records = []
        for span in list(self.running.values()):
            try:
                records.append(record_from_span(span))
            except Exception:  # a span ending on another thread right now
                continue
        return records


def _next_value(count: itertools.count[int]) -> int:
    """The value ``next`` would take, read from the count's repr ("count(7)") without taking it."""
    return int(repr(count)[6:-1])


class SpanCollector(SpanProcessor):
    """Collects spans whose trace id some open block tracks."""

    def __init__(self) -> None:
        self._stores: dict[int, TraceStore] = {}
        self._lock = threading.Lock()
        self._failed = False

    # -- SpanProcessor -------------------------------------------------------
    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        stores = self._stores
        if not stores:
            return
        try:
            context = span._context  # SDK spans only reach a processor; skips a method call
            store = stores.get(context[TRACE_ID])
            if store is not None:
                store.running[context[SPAN_ID]] = span
        except Exception:
            self._report_failure()

    def on_end(self, span: ReadableSpan) -> None:
        stores = self._stores
        if not stores:
            return
        try:
            context = span._context
            trace_id = context[TRACE_ID]
            store = stores.get(trace_id)
            if store is None:
                return
            # Runs once per span of every tracked block: no helper calls but the row.
            span_id = context[SPAN_ID]
            # Kept before it leaves the running spans: a reader sees it in one place or both, never none.
            if next(store.tickets) < store.room:
                store.rows.extend(row_from_ended_span(span, span_id, store.table))  # one atomic step
            elif span_id in store.pinned:
                store.rows.extend(row_from_ended_span(span, span_id, store.table))
                next(store.pinned_over)
            # else: over the cap, and its ticket counts it
            store.running.pop(span_id, None)
        except Exception:
            self._report_failure()

    def shutdown(self) -> None:
        with self._lock:
            self._stores.clear()

    def forget_after_fork(self) -> None:
        """In a forked child: drop the parent's blocks, taking no lock.

        Another thread of the parent may have held the lock at the fork; in the
        child that thread is gone and the lock would stay held forever.
        """
        self._lock = threading.Lock()
        self._stores = {}

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    # -- blocks --------------------------------------------------------------
    def track(self, trace_id: int, max_spans: int, follow_threads: bool = True) -> TraceStore:
        """Start (or join, for a nested block) collecting spans of ``trace_id``."""
        with self._lock:
            store = self._stores.get(trace_id)
            if store is None:
                store = TraceStore(trace_id, max_spans, follow_threads)
                # Copy-on-write keeps the hooks' lookups lock-free.
                self._stores = {**self._stores, trace_id: store}
            store.users += 1
            return store

    def release(self, store: TraceStore) -> None:
        """A block is done with ``store``; the last one out frees it."""
        with self._lock:
            store.users -= 1
            if store.users <= 0:
                stores = dict(self._stores)
                stores.pop(store.trace_id, None)
                self._stores = stores

    def store_for(self, trace_id: int) -> TraceStore | None:
        return self._stores.get(trace_id)

    def add_remote(
        self, trace_id: int, records: Iterable[SpanRecord], dropped_there: int = 0
    ) -> RemoteAdded | None:
        """Spans of ``trace_id`` from another process; ``None`` when no open block tracks it."""
        store = self._stores.get(trace_id)
        if store is None:
            return None
        return store.add_remote((record for record in records if record.trace_id == trace_id), dropped_there)

    @property
    def tracked_count(self) -> int:
        return len(self._stores)

    def _report_failure(self) -> None:
        if not self._failed:
            self._failed = True
            _log.exception("datapizza-tracing could not record a span; tracing goes on without it")
