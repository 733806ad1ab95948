"""One open tracked block: its root span, its share of a trace store, its end."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterable
from contextvars import Token
from dataclasses import replace
from types import TracebackType

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from .. import config
from ..model.record import SpanRecord
from ..model.rows import InternTable, RowBatch, SpanRows, records_from_rows, row_offset, span_ids
from ..model.snapshot import TraceSnapshot, subtree
from ..model.span_graph import first_span_per_id, repeated_ids_note
from .collector import SpanCollector, TraceStore
from .context_token import detach_quietly
from .exceptions import exception_attributes, exception_text
from .flush import flush_within, note_slow_span_end
from .misuse import warn_usage
from .propagation import FOLLOW_THREADS_KEY
from .provider import sdk_disabled, sdk_provider

TRACER_NAME = "datapizza_tracing"

_log = logging.getLogger(__name__)


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
        self._attached: otel_context.Context | None = None  # the context the block made current
        self._carried: dict[str, object] = {}  # context values for the code the block runs
        self._first_row = 0  # rows of the shared store before this block began hold none of its spans
        self._row_offsets: dict[int, int] = {0: 0}  # live-view cursor (spans) -> offset in the store's rows
        self._final: TraceSnapshot | None = None
        self._end_ns: int | None = None  # for a root span that keeps no end time (not recording)
        self._notes: list[str] = []
        self._late_lock = threading.Lock()
        self.root: trace.Span = _tracer().start_span(name)
        context = self.root.get_span_context()
        self.trace_id = context.trace_id
        self.root_span_id = context.span_id
        self.start_ns = getattr(self.root, "start_time", None) or time.time_ns()
        self._root_has_parent = getattr(self.root, "parent", None) is not None

    def carry(self, key: str, value: object) -> None:
        """A value the block's context holds for the code run inside it (before the block is entered).

        One context, attached and detached by the block alone, is what lets the block tell at its
        end whether something entered inside it is still current.
        """
        self._carried[key] = value

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
        for key, value in self._carried.items():
            context = otel_context.set_value(key, value, context)
        self._attached = context
        self._token = otel_context.attach(context)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever happens here, the root ends and the store is released: the
        # caller's own exception must come out of the block unchanged.
        try:
            self._detach()
            # GeneratorExit is how Python closes a generator early, not a failure.
            if exc is not None and not isinstance(exc, GeneratorExit) and self.root.is_recording():
                self._record_failure(exc)
        finally:
            self._end()

    def _detach(self) -> None:
        token, self._token = self._token, None
        if token is None:
            return
        current = otel_context.get_current()
        inner = trace.get_current_span(current)
        # Something entered inside this block is still current: interleaved generators, or a
        # context attached in the body and not detached. (Not when what is current is what a block
        # exited that way went back to: that is the rest of the same interleaving.)
        out_of_order = current is not self._attached and not _LEFT_OPEN.went_back_to(current)
        if not detach_quietly(token):  # the token belongs to another thread's or task's context
            warn_usage(
                f"trace({self.name!r}) was exited in another thread or asyncio task than the one that "
                "entered it. The block has ended and its report is complete, but the thread or task that "
                "entered it still has the block's ended root span as its current span: spans it starts "
                "from now on join that ended trace and are not shown. Enter and exit a trace() block in "
                "the same thread and task."
            )
            return
        if out_of_order:
            # When the inner one ends it brings back this block's context, whose root span has ended:
            # remember what came before this block, to go back to it then.
            _LEFT_OPEN.remember(self.root_span_id, otel_context.get_current())
            warn_usage(
                f"trace({self.name!r}) was exited while {getattr(inner, 'name', 'a span')!r}, entered "
                "inside it, was still open (interleaved generators do this). Spans made in between may "
                "be shown in the wrong block. Exit blocks in the reverse order of entering them."
            )
        else:
            _LEFT_OPEN.skip_ended_blocks()

    def _record_failure(self, exc: BaseException) -> None:
        # OpenTelemetry's record_exception calls str(exc), which the exception may make raise. The
        # status takes the message the event holds: str() of a user's exception may be slow.
        try:
            self.root.record_exception(exc, escaped=True)
        except Exception:
            attributes = exception_attributes(exc)
            self.root.add_event("exception", attributes)
            message = attributes["exception.message"]
        else:
            message = _recorded_message(self.root)
        if message is None:
            message = exception_text(exc)
        self.root.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {message}"))

    def _end(self) -> None:
        ending = time.monotonic()
        try:
            self.root.end()  # a SimpleSpanProcessor exports the root span right here
        except Exception:  # a span processor of the application raised in on_end
            _log.warning("a span processor failed while the block %r ended", self.name, exc_info=True)
        self._end_ns = time.time_ns()
        ending_s = time.monotonic() - ending
        try:
            self._final = self.snapshot()
        finally:
            if self._store is not None:
                self._collector.release(self._store)
                self._store = None
        self._flush_exporters()
        # Last: a warning turned into an error (-W error) then leaves nothing half done.
        note_slow_span_end(sdk_provider(), ending_s, self._flush_timeout_ms)

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
        notes = list(self._notes)
        if store is not None:
            # Running spans first, finished ones second: a span ending in between
            # is then seen twice (its running copy is dropped below), never missed.
            finished_before = len(store.rows)
            running = store.running_records()
            first = self._first_row
            rows = tuple(store.rows[first:] if first else store.rows)  # whole rows: each added in one step
            ids = span_ids(rows)
            known = set(ids)
            ended_since = set(span_ids(rows[finished_before - first :]))
            # A span is kept before it leaves the running ones (see SpanCollector.on_end),
            # so one that ended on another thread may be in both.
            ended_since |= known.intersection(span.span_id for span in running if span.end_ns is not None)
            running_now = tuple(span for span in running if span.span_id not in ended_since)
            nested = not self._owns_store or self._root_has_parent
            if len(known) == len(ids) and known.isdisjoint(span.span_id for span in running_now):
                # Records are built when the snapshot is first read, not here.
                spans = SpanRows(rows, store.table, self.trace_id, running_now)
                # The trace holds spans outside this block when the block is nested
                # or runs under a span of its caller (a web request, say).
                if nested:
                    spans = spans.under(self.root_span_id)
            else:
                # A custom IdGenerator repeated ids: each id keeps the span that started first.
                records = [*records_from_rows(rows, store.table, self.trace_id), *running_now]
                kept, repeated = first_span_per_id(records)
                notes.append(repeated_ids_note(repeated))
                spans = tuple(subtree(kept, self.root_span_id, keep_orphans=False) if nested else kept)
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
            notes=tuple(notes),
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

    def new_spans(self, cursor: int) -> tuple[RowBatch, int]:
        """Finished spans collected since ``cursor``, and the next cursor (for live views).

        A cursor counts spans; where that many rows end in the store's flat list
        is remembered for the cursors handed out, so a tick reads only new rows.
        """
        store = self._store
        if store is None:
            return RowBatch((), InternTable(), self.trace_id), cursor
        offset = self._row_offsets.get(cursor)
        if offset is None:  # a cursor this block did not hand out: count rows from the start
            offset = row_offset(store.rows, cursor)
        rows = store.rows[offset:]  # whole rows: each was added in one step
        batch = RowBatch(rows, store.table, self.trace_id)
        next_cursor = cursor + len(batch)
        if len(self._row_offsets) > 16:  # a few live views at most read one block
            self._row_offsets.clear()
        self._row_offsets[next_cursor] = offset + len(rows)
        return batch, next_cursor

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


def _recorded_message(span: trace.Span) -> str | None:
    """The message of the exception event just recorded on ``span``, if the SDK kept it."""
    try:
        message = span.events[-1].attributes["exception.message"]  # type: ignore[attr-defined]
    except Exception:  # not an SDK span, no event kept (limits), or no message in it
        return None
    return message if isinstance(message, str) else None


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


class _LeftOpen:
    """Blocks exited while something entered inside them was still current: root span id -> the
    context current before the block. Bounded: an inner block that never ends leaves one entry."""

    LIMIT = 64

    def __init__(self) -> None:
        self._before: dict[int, otel_context.Context] = {}

    def remember(self, root_span_id: int, before: otel_context.Context) -> None:
        if len(self._before) >= self.LIMIT:
            with contextlib.suppress(RuntimeError, StopIteration, KeyError):  # another thread got there first
                self._before.pop(next(iter(self._before)))
        self._before[root_span_id] = before

    def went_back_to(self, context: otel_context.Context) -> bool:
        # A copy taken in one step: blocks of other threads may change the entries meanwhile.
        return any(context is before for before in tuple(self._before.values()))

    def skip_ended_blocks(self) -> None:
        """After a block's exit: if that brought back the root span of a block exited out of order,
        go back to what was current before that block (each in turn)."""
        while self._before:
            span_id = trace.get_current_span().get_span_context().span_id
            before = self._before.pop(span_id, None)
            if before is None:
                return
            otel_context.attach(before)  # never detached: it stands for that block's own reset


_LEFT_OPEN = _LeftOpen()
