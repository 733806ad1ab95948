"""One block's ties to other processes: its receiver route, its worker processes, its backends.

``RemoteLink`` lives as long as the block and a grace period after it:

* while the block runs, spans received for its trace id go into the block's
  store (``TraceStore.add_remote``: the block's span cap, each span id once);
* at the block's end it waits, at most ``DATAPIZZA_TRACING_REMOTE_WAIT_MS``,
  for the services the block called to send their spans (see ``expect``),
  reading them back from backends too, so they are in the trace the block shows;
* for the grace period after that, spans still arriving join the handle's
  final trace, whose notes say so; then the route closes, and the receiver
  with its last user.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .. import config
from ..collect.block import TraceBlock
from ..collect.collector import SpanCollector, TraceStore
from ..model.record import SpanRecord
from . import ports
from .backends import BackendReadError, TraceReader
from .child import MAX_SPANS_KEY
from .expect import unanswered_calls
from .receiver import TRACES_PATH, Accepted, OtlpReceiver, ReceiverError

_log = logging.getLogger(__name__)

# The innermost open block's link, or None when it does not follow processes.
REMOTE_LINK_KEY = otel_context.create_key("datapizza_tracing.remote_link")
POLL_S = 0.05
READ_EVERY_S = 0.5  # a backend is asked again at most this often while the block's end waits
LATE_NOTE = (
    "Spans from other processes or services arrived after the block had ended (after its summary "
    "was shown); they were added to this trace."
)
_propagator = TraceContextTextMapPropagator()


class RemoteLink:
    """What one block receives from elsewhere; see the module's docstring."""

    def __init__(
        self,
        block: TraceBlock,
        collector: SpanCollector,
        *,
        receive: bool | int,
        follow_processes: bool,
        readers: Sequence[TraceReader] = (),
    ) -> None:
        # Read now, like every setting: a bad value stops the block before its body runs.
        self._host = config.receive_host() if receive is not False or follow_processes else "127.0.0.1"
        self._max_bytes = config.receive_max_bytes()
        self._wait_s = config.remote_wait_ms() / 1000
        self._grace_s = config.remote_grace_ms() / 1000
        self._allow_non_loopback = self._host != "127.0.0.1" and not config.is_loopback_host(self._host)
        self.block = block
        self.receive = receive
        self.follow_processes = follow_processes
        self.readers = tuple(readers)
        self._collector = collector
        self._store: TraceStore | None = None
        self._receivers: list[OtlpReceiver] = []
        self._lock = threading.RLock()
        self._ended = False
        self._closed = False
        self._timer: threading.Timer | None = None
        self._notes_given: set[str] = set()
        self._endpoint: str | None = None

    # -- during the block -----------------------------------------------------
    def start(self) -> None:
        """Open the receiver asked for; call once the block is open."""
        self._store = self._collector.store_for(self.block.trace_id)
        if self._store is None:  # the trace is not recorded (sampled out, SDK off): nothing to join
            return
        if self.receive is not False:
            port = 0 if self.receive is True else int(self.receive)
            self._open_receiver(port)

    @property
    def endpoint(self) -> str | None:
        """Base URL of the block's receiver (for ``OTEL_EXPORTER_OTLP_ENDPOINT``), if it opened one."""
        return self._endpoint

    @property
    def traces_endpoint(self) -> str | None:
        """Full URL of the block's receiver (for ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``)."""
        return self._endpoint + TRACES_PATH if self._endpoint is not None else None

    def _open_receiver(self, port: int) -> OtlpReceiver | None:
        try:
            receiver = ports.acquire(self._host, port, self._max_bytes, self._allow_non_loopback)
        except ReceiverError as error:
            self.note(f"No spans from other processes: {error}.")
            _log.warning("datapizza-tracing: %s", error)
            return None
        receiver.route(self.block.trace_id, self._sink)
        self._receivers.append(receiver)
        if self._endpoint is None:
            self._endpoint = receiver.endpoint
        return receiver

    def child_endpoint(self) -> str | None:
        """Where worker processes of this block send their spans: the block's receiver, opened if needed."""
        with self._lock:
            if self._ended or self._store is None:
                return None
            if not self._receivers and self._open_receiver(0) is None:
                return None
            return self._receivers[0].traces_endpoint

    def child_carrier(self) -> dict[str, str] | None:
        """The current span's W3C context plus the endpoint: what a worker process needs to join."""
        if not self.follow_processes:
            return None
        endpoint = self.child_endpoint()
        if endpoint is None:
            return None
        carrier: dict[str, str] = {}
        _propagator.inject(carrier)
        if "traceparent" not in carrier:
            return None
        carrier["endpoint"] = endpoint
        carrier[MAX_SPANS_KEY] = str(self.block.max_spans)
        return carrier

    def note(self, text: str) -> None:
        """A line for the block's notes (once per text)."""
        with self._lock:
            if text in self._notes_given:
                return
            self._notes_given.add(text)
        self.block.add_note(text)

    def _sink(self, records: list[SpanRecord], dropped_there: int, stored: bool) -> Accepted:
        """Received spans of this block's trace (see ``receiver.Sink``)."""
        with self._lock:
            if not self._ended and self._store is not None:
                if stored:  # the open blocks of one trace share one store: it has them already
                    return Accepted(0, 0, True)
                added = self._store.add_remote(records, dropped_there)
                return Accepted(added.kept, added.dropped, True)
            closed = self._closed
        if closed:
            return Accepted(0, len(records))
        # An outer block still open on the same trace keeps them too.
        if not stored:
            stored = self._collector.add_remote(self.block.trace_id, records, dropped_there) is not None
        kept = self.block.add_late(records, LATE_NOTE if self._shown else None)
        return Accepted(kept, 0, stored)

    # -- at the block's end ---------------------------------------------------
    _shown = False

    def finish(self) -> None:
        """After the block has ended: settle what arrived, wait for expected spans, then the grace period."""
        with self._lock:
            self._ended = True
        store = self._store
        if store is None:
            return
        if store.remote_ids:  # spans added to the store while the block took its final snapshot
            final_ids = {span.span_id for span in self.block.snapshot().spans}
            remote = [record for record in store.finished_records() if record.span_id in store.remote_ids]
            self.block.add_late([record for record in remote if record.span_id not in final_ids])
        if self._receivers or self.readers:
            self._wait_for_services()
        if not self._receivers or self._grace_s <= 0:
            self.close()

    def _wait_for_services(self) -> None:
        deadline = time.monotonic() + self._wait_s
        next_read = 0.0
        failed: set[str] = set()
        while True:
            now = time.monotonic()
            if self.readers and now >= next_read:
                self._read_backends(failed, deadline)
                next_read = now + READ_EVERY_S
            if not unanswered_calls(self.block.snapshot().spans) or now >= deadline:
                return
            time.sleep(POLL_S)

    def _read_backends(self, failed: set[str], deadline: float) -> None:
        known = {span.span_id for span in self.block.snapshot().spans}
        for reader in self.readers:
            if reader.name in failed:
                continue
            try:
                records = self._read_before(deadline, reader)
            except Exception as error:  # a reader (maybe the user's own) must not break the block's end
                failed.add(reader.name)
                if not isinstance(error, BackendReadError):
                    _log.warning("datapizza-tracing: reading %r failed", reader, exc_info=True)
                self.note(f"Spans could not be read back from {reader.name}: {error}")
                continue
            self.block.add_late([record for record in records if record.span_id not in known])

    def _read_before(self, deadline: float, reader: TraceReader) -> list[SpanRecord]:
        """``reader``'s spans of this trace, or ``BackendReadError`` if it has not answered by ``deadline``.

        A reader's own time limits hold per request or per read: a backend that
        trickles its answer, or pages without end, would hold the block's end. So it
        reads on a thread of its own, left behind when late.
        """
        outcome: list[tuple[bool, Any]] = []

        def read() -> None:
            otel_context.attach(otel_context.Context())  # nothing a reader does is the block's work
            try:
                outcome.append((True, _records_read(reader, self.block.trace_id, self.block.max_spans)))
            except BaseException as error:
                outcome.append((False, error))

        thread = threading.Thread(target=read, name="datapizza-tracing-read-back", daemon=True)
        thread.start()
        thread.join(max(deadline - time.monotonic(), 0))
        if not outcome:
            wait = f"{round(self._wait_s * 1000)} ms ({config.REMOTE_WAIT_ENV})"
            raise BackendReadError(f"no answer within the block's wait of {wait}")
        succeeded, value = outcome[0]
        if not succeeded:
            raise value
        return value

    def shown(self) -> None:
        """The block's trace has been shown: spans arriving from now on come with a note."""
        self._shown = True
        with self._lock:
            if self._closed:
                return
            grace = bool(self._receivers) and self._grace_s > 0
            if grace:
                self._timer = threading.Timer(self._grace_s, self.close)
                self._timer.daemon = True
                self._timer.start()
        if not grace:  # ``finish`` was cut short (an interrupt): close what it would have closed
            self.close()

    def close(self) -> None:
        """No more spans for this block: the route closes, and the receiver with its last user."""
        with self._lock:
            if self._closed:
                return
            self._closed = self._ended = True
            receivers, self._receivers = self._receivers, []
        timer = self._timer
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join(timeout=1.0)
        for receiver in receivers:
            receiver.unroute(self.block.trace_id, self._sink)
            ports.release(receiver)


def _records_read(reader: TraceReader, trace_id: int, limit: int) -> list[SpanRecord]:
    """The spans of ``trace_id`` that ``reader`` returns; what is not a list of records is refused.

    A reader may be the user's own: it may return anything, and spans of other traces.
    """
    records = reader.read(trace_id, limit)
    if not isinstance(records, (list, tuple)):
        raise BackendReadError(f"its read() returned {type(records).__name__}, not a list of SpanRecord")
    strays = [type(record).__name__ for record in records if not isinstance(record, SpanRecord)]
    if strays:
        raise BackendReadError(f"its read() returned a list holding {strays[0]}, not only SpanRecord")
    return [record for record in records if record.trace_id == trace_id]


def current_link() -> RemoteLink | None:
    """The link of the innermost open block, if that block follows processes and its trace is current."""
    link = otel_context.get_value(REMOTE_LINK_KEY)
    if not isinstance(link, RemoteLink):
        return None
    if trace.get_current_span().get_span_context().trace_id != link.block.trace_id:
        return None
    return link
