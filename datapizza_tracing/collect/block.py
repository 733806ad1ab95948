"""One open tracked block: its root span, its share of a trace store, its end."""

from __future__ import annotations

import time
from contextvars import Token
from types import TracebackType

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from .. import config
from ..model.record import SpanRecord
from ..model.rows import SpanRows, records_from_rows, row_offset, span_ids
from ..model.snapshot import TraceSnapshot
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
        self._first_row = 0  # rows of the shared store before this block began hold none of its spans
        self._row_offsets: dict[int, int] = {0: 0}  # live-view cursor (spans) -> offset in the store's rows
        self._final: TraceSnapshot | None = None
        self._end_ns: int | None = None  # for a root span that keeps no end time (not recording)
        self._notes: list[str] = []
        self.root: trace.Span = _tracer().start_span(name)
        context = self.root.get_span_context()
        self.trace_id = context.trace_id
        self.root_span_id = context.span_id
        self.start_ns = getattr(self.root, "start_time", None) or time.time_ns()
        self._root_has_parent = getattr(self.root, "parent", None) is not None

    def __enter__(self) -> TraceBlock:
        if self.root.is_recording():
            self._store = self._collector.track(self.trace_id, self._max_spans, self._follow_threads)
            self._owns_store = self._store.users == 1
            self._first_row = len(self._store.rows)
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
        spans: SpanRows | tuple[SpanRecord, ...] = ()
        if store is not None:
            # Running spans first, finished ones second: a span ending in between
            # is then seen twice (its running copy is dropped below), never missed.
            finished_before = len(store.rows)
            running = store.running_records()
            first = self._first_row
            rows = tuple(
                store.rows[first:] if first else store.rows
            )  # whole rows: each was added in one step
            ended_since = set(span_ids(rows[finished_before - first :]))
            # A span is kept before it leaves the running ones (see SpanCollector.on_end),
            # so one that ended on another thread may be in both: rare, and then
            # worth one pass over the row ids.
            ended = {span.span_id for span in running if span.end_ns is not None} - ended_since
            if ended:
                ended_since |= ended.intersection(span_ids(rows))
            running_now = tuple(span for span in running if span.span_id not in ended_since)
            # Records are built when the snapshot is first read, not here.
            spans = SpanRows(rows, store.table, self.trace_id, running_now)
            # The trace holds spans outside this block when the block is nested
            # or runs under a span of its caller (a web request, say).
            if not self._owns_store or self._root_has_parent:
                spans = spans.under(self.root_span_id)
        # A sampled-out or disabled root span has no end time: the block's own end stands in.
        root_end = getattr(self.root, "end_time", None) or self._end_ns
        return TraceSnapshot(
            name=self.name,
            trace_id=self.trace_id,
            root_span_id=self.root_span_id,
            spans=spans,
            start_ns=self.start_ns,
            end_ns=root_end,
            taken_ns=now,
            dropped_spans=store.dropped if store is not None and self._owns_store else 0,
            notes=tuple(self._notes),
        )

    def new_records(self, cursor: int) -> tuple[list[SpanRecord], int]:
        """Finished spans collected since ``cursor`` and the next cursor (for live views).

        A cursor counts spans; where that many rows end in the store's flat list
        is remembered for the cursors handed out, so a tick reads only new rows.
        """
        store = self._store
        if store is None:
            return [], cursor
        offset = self._row_offsets.get(cursor)
        if offset is None:  # a cursor this block did not hand out: count rows from the start
            offset = row_offset(store.rows, cursor)
        rows = store.rows[offset:]  # whole rows: each was added in one step
        records = records_from_rows(rows, store.table, self.trace_id)
        next_cursor = cursor + len(records)
        if len(self._row_offsets) > 16:  # a few live views at most read one block
            self._row_offsets.clear()
        self._row_offsets[next_cursor] = offset + len(rows)
        return records, next_cursor

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
        if provider is None or not self._owns_store or not _has_other_processors(provider):
            return
        flush_within(provider, self._flush_timeout_ms)


def _has_other_processors(provider: TracerProvider) -> bool:
    """Whether a processor besides the collector may hold spans to flush.

    With the collector alone there is nothing to flush, and the flush would
    start a thread and wait for it at every block's end (over a millisecond).
    """
    processors = getattr(getattr(provider, "_active_span_processor", None), "_span_processors", None)
    if not isinstance(processors, tuple):  # another SDK layout: flush to be safe
        return True
    return any(
        not isinstance(processor, SpanCollector)
        and not isinstance(getattr(processor, "collector", None), SpanCollector)
        for processor in processors
    )


def _tracer() -> trace.Tracer:
    """The tracer of root spans, made once per global provider (making one costs a scope each time)."""
    global _root_tracer
    provider = trace.get_tracer_provider()
    cached = _root_tracer
    if cached is None or cached[0] is not provider:
        cached = _root_tracer = (provider, trace.get_tracer(TRACER_NAME))
    return cached[1]


_root_tracer: tuple[trace.TracerProvider, trace.Tracer] | None = None
