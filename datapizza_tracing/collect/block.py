"""One open tracked block: its root span, its share of a trace store, its end."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from contextvars import Token
from dataclasses import replace
from types import TracebackType

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from .. import config
from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot, subtree
from .collector import SpanCollector, TraceStore
from .flush import flush_within
from .propagation import FOLLOW_THREADS_KEY
from .provider import sdk_disabled, sdk_provider

TRACER_NAME = "datapizza_tracing"


class TraceBlock:
    """Opens a root span, makes it current, and collects every span under it."""

    def __init__(self, collector: SpanCollector, name: str, max_spans: int, follow_threads: bool) -> None:
        # Read now: a bad value must stop the block before its body runs, not
        # replace the body's own exception when the block ends.
        self._flush_timeout_ms = config.flush_timeout_ms()
        self.name = name
        self._collector = collector
        self._max_spans = max_spans
        self._follow_threads = follow_threads
        self._store: TraceStore | None = None
        self._owns_store = False
        self._token: Token[otel_context.Context] | None = None
        self._final: TraceSnapshot | None = None
        self._end_ns: int | None = None  # for a root span that keeps no end time (not recording)
        self._notes: list[str] = []
        self._late_lock = threading.Lock()
        self.root: trace.Span = trace.get_tracer(TRACER_NAME).start_span(name)
        context = self.root.get_span_context()
        self.trace_id = context.trace_id
        self.root_span_id = context.span_id
        self.start_ns = getattr(self.root, "start_time", None) or time.time_ns()
        self._root_has_parent = getattr(self.root, "parent", None) is not None

    def __enter__(self) -> TraceBlock:
        if self.root.is_recording():
            self._store = self._collector.track(self.trace_id, self._max_spans, self._follow_threads)
            self._owns_store = self._store.users == 1
            # Started before we tracked it; a recording span is an SDK span.
            self._store.running[self.root_span_id] = self.root  # type: ignore[assignment]
            self._store.pinned.add(self.root_span_id)  # kept even over the span cap
        else:
            self._notes.append(self._why_not_recording())
        context = trace.set_span_in_context(self.root)
        context = otel_context.set_value(FOLLOW_THREADS_KEY, self._follow_threads, context)
        self._token = otel_context.attach(context)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._token is not None:
            otel_context.detach(self._token)
            self._token = None
        # GeneratorExit is how Python closes a generator early, not a failure.
        if exc is not None and not isinstance(exc, GeneratorExit) and self.root.is_recording():
            self.root.record_exception(exc, escaped=True)
            self.root.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
        self.root.end()
        self._end_ns = time.time_ns()
        self._final = self.snapshot()
        if self._store is not None:
            self._collector.release(self._store)
            self._store = None
        self._flush_exporters()

    # -- views ---------------------------------------------------------------
    @property
    def finished(self) -> bool:
        return self._final is not None

    def snapshot(self) -> TraceSnapshot:
        """The block's spans now: final once the block has ended."""
        if self._final is not None:
            return self._final
        now = time.time_ns()
        store = self._store
        spans: list[SpanRecord] = []
        if store is not None:
            # Running spans first, finished ones second: a span ending in between
            # is then seen twice (its running copy is dropped below), never missed.
            finished_before = len(store.records)
            running = store.running_records()
            finished = list(store.records)
            ended_since = {span.span_id for span in finished[finished_before:]}
            spans = finished + [span for span in running if span.span_id not in ended_since]
            # The trace holds spans outside this block when the block is nested
            # or runs under a span of its caller (a web request, say).
            if not self._owns_store or self._root_has_parent:
                spans = subtree(spans, self.root_span_id, keep_orphans=False)
        # A sampled-out or disabled root span has no end time: the block's own end stands in.
        root_end = getattr(self.root, "end_time", None) or self._end_ns
        return TraceSnapshot(
            name=self.name,
            trace_id=self.trace_id,
            root_span_id=self.root_span_id,
            spans=tuple(spans),
            start_ns=self.start_ns,
            end_ns=root_end,
            taken_ns=now,
            dropped_spans=store.dropped if store is not None and self._owns_store else 0,
            notes=tuple(self._notes),
        )

    @property
    def max_spans(self) -> int:
        return self._max_spans

    def add_note(self, text: str) -> None:
        """A line for the notes of the block's snapshot, during the block or after it."""
        with self._late_lock:
            if text in self._notes:
                return
            self._notes.append(text)
            if self._final is not None:
                self._final = replace(self._final, notes=(*self._final.notes, text))

    def add_late(self, records: Iterable[SpanRecord], note: str | None = None) -> int:
        """Spans from other processes that arrived after the block ended join its final snapshot.

        The rules of the block hold: only spans under its root, each span id once,
        at most ``max_spans`` in all (the rest are counted as dropped). ``note`` is
        added to the snapshot's notes, once. Returns how many spans were added.
        """
        with self._late_lock:
            final = self._final
            if final is None:
                return 0
            known = {span.span_id for span in final.spans}
            late = []
            for record in records:
                if record.span_id not in known:
                    known.add(record.span_id)
                    late.append(record)
            if self._owns_store and not self._root_has_parent:
                under = late
            else:  # a nested block keeps only what hangs under its own root
                inside = {s.span_id for s in subtree([*final.spans, *late], self.root_span_id, False)}
                under = [record for record in late if record.span_id in inside]
            room = max(self._max_spans - len(final.spans), 0)
            kept, dropped = under[:room], len(under) - min(len(under), room)
            notes = final.notes
            if note and (kept or dropped) and note not in notes:
                notes = (*notes, note)
            self._final = replace(
                final,
                spans=(*final.spans, *kept),
                notes=notes,
                dropped_spans=final.dropped_spans + (dropped if self._owns_store else 0),
            )
            return len(kept)

    def new_records(self, cursor: int) -> tuple[list[SpanRecord], int]:
        """Finished spans collected since ``cursor`` and the next cursor (for live views)."""
        store = self._store
        if store is None:
            return [], cursor
        records = store.records[cursor:]
        return records, cursor + len(records)

    def running_records(self) -> list[SpanRecord]:
        store = self._store
        return store.running_records() if store is not None else []

    # -- helpers -------------------------------------------------------------
    def _why_not_recording(self) -> str:
        if sdk_disabled():
            return (
                "OTEL_SDK_DISABLED=true: OpenTelemetry is off, so no spans were recorded "
                "(the code ran normally)."
            )
        if sdk_provider() is None:
            return (
                "The global tracer provider is not an OpenTelemetry SDK provider, so no spans were recorded."
            )
        return (
            "The sampler dropped this trace (see OTEL_TRACES_SAMPLER), so no spans were recorded; "
            "the code ran normally."
        )

    def _flush_exporters(self) -> None:
        # Batch exporters send from a background thread: flush so the spans of a
        # block are in the backend by the time the block returns.
        provider = sdk_provider()
        if provider is None or not self._owns_store:
            return
        flush_within(provider, self._flush_timeout_ms)
