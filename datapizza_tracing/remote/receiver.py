"""An OTLP/HTTP trace receiver on a loopback port, feeding the blocks that registered their trace ids.

Services and worker processes export to it like to any collector
(``POST /v1/traces``). It keeps spans only of trace ids a block registered
(``route``); every other span is refused and counted in the answer's
``partialSuccess``, never stored. Bodies are bounded (``Content-Length``
required and at most ``max_bytes``, also once inflated), reading a body has a
time limit, and at most a few requests are decoded at once: a misbehaving
client cannot hold memory or threads. The receiver runs on threads of its own;
the traced code never waits for it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from opentelemetry import context as otel_context

from ..config import is_loopback_host
from ..model.record import SpanRecord
from .otlp_body import (
    DROPPED_HEADER,
    JSON,
    PROTOBUF,
    BodyError,
    inflate,
    media_type,
    records_from_body,
    success_body,
)

_log = logging.getLogger(__name__)

TRACES_PATH = "/v1/traces"
READ_TIMEOUT_S = 10.0  # a client that stops sending, or has not sent its whole body, is dropped after this
CONCURRENT_REQUESTS = 4  # bodies decoded at once; more wait for a slot, then get 503
SLOT_WAIT_S = 5.0
OPEN_CONNECTIONS = 64  # connections served at once (a thread each); more are closed unanswered
REQUEST_THREAD_NAME = "datapizza-tracing-otlp-request"
CLOSE_WAIT_S = 2.0  # closing waits at most this long for the threads of open connections


class Accepted(NamedTuple):
    """What a sink did with the spans of its trace."""

    kept: int
    refused: int  # over the block's span cap, or arrived too late
    stored: bool = False  # put in the trace's open store, which the other sinks then need not do


# sink(spans, dropped_there, stored): ``dropped_there`` counts spans the sender dropped over its cap;
# ``stored`` says an earlier sink of this delivery already put them in the trace's open store.
Sink = Callable[[list[SpanRecord], int, bool], Accepted]


class ReceiverError(OSError):
    """The receiver could not be opened (a non-loopback address not allowed, a port in use)."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: exporters reuse one connection
    timeout = READ_TIMEOUT_S

    def log_message(self, format: str, *args: Any) -> None:  # no stderr lines in the user's program
        pass

    def do_POST(self) -> None:
        receiver = self.server.receiver
        if self.path.split("?", 1)[0] != TRACES_PATH:
            self._drain_or_close()
            self._answer(404, f"only POST {TRACES_PATH} is served here")
            return
        size = self._content_length()
        if size is None:
            self.close_connection = True  # a chunked or unknown-length body is never read
            self._answer(411, "a Content-Length header of ASCII digits is required")
            return
        if size > receiver.max_bytes:
            self.close_connection = True  # the body is left unread: the connection goes with it
            receiver.count_refused_request()
            self._answer(
                413, f"the body has {size:,} bytes; this receiver takes at most {receiver.max_bytes:,}"
            )
            return
        if not receiver.slots.acquire(timeout=SLOT_WAIT_S):
            self.close_connection = True
            self._answer(503, "busy: try again")
            return
        try:
            body = self._read_body(size)
            if body is None:
                self.close_connection = True
                return  # the client went away or took too long: nothing to answer
            kind = media_type(self.headers.get("Content-Type"))
            try:
                plain = inflate(body, self.headers.get("Content-Encoding"), receiver.max_bytes)
                del body
                records = records_from_body(plain, kind)
            except BodyError as error:
                receiver.count_refused_request()
                self._answer(error.status, str(error))
                return
            except Exception:  # a body the decoders did not foresee: answer, and keep serving
                _log.debug("datapizza-tracing's OTLP receiver could not read a request", exc_info=True)
                receiver.count_refused_request()
                self.close_connection = True
                self._answer(500, "the receiver could not read this request")
                return
            rejected, message = receiver.deliver(records, _dropped_there(self.headers.get(DROPPED_HEADER)))
            answer_kind = PROTOBUF if kind == PROTOBUF else JSON
            self._answer(200, success_body(answer_kind, rejected, message), answer_kind)
        finally:
            receiver.slots.release()

    def do_GET(self) -> None:
        self._answer(405 if self.path.split("?", 1)[0] == TRACES_PATH else 404, "POST OTLP traces here")

    do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self, size: int) -> bytes | None:
        """The body, or None unless all of it arrives within ``READ_TIMEOUT_S``.

        The socket's timeout holds per receive: a client sending a byte now and
        then would hold a decode slot for as long as it liked.
        """
        deadline = time.monotonic() + READ_TIMEOUT_S
        chunks: list[bytes] = []
        left = size
        try:
            while left > 0:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self.connection.settimeout(remaining)
                chunk = self.rfile.read1(min(left, 1 << 16))
                if not chunk:
                    return None
                chunks.append(chunk)
                left -= len(chunk)
        except TimeoutError:
            return None
        finally:
            self.connection.settimeout(self.timeout)
        return b"".join(chunks)

    def _content_length(self) -> int | None:
        """The body's declared size, or None when absent or not plain ASCII digits.

        ``str.isdigit`` also takes "²" and other digits ``int`` refuses.
        """
        length = (self.headers.get("Content-Length") or "").strip()
        return int(length) if length.isascii() and length.isdigit() else None

    def _drain_or_close(self) -> None:
        size = self._content_length()
        if size is not None and size <= 65_536:
            self.rfile.read(size)
        else:
            self.close_connection = True

    def _answer(
        self, status: int, body: str | bytes, content_type: str = "text/plain; charset=utf-8"
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client hung up first
            self.close_connection = True


def _dropped_there(header: str | None) -> dict[int, int]:
    """The spans a worker dropped over its cap, by trace id, from its header (ignored when malformed)."""
    trace_hex, _, count = (header or "").strip().partition(" ")
    if len(trace_hex) != 32 or not count.isascii() or not count.isdigit() or len(count) > 12:
        return {}
    try:
        return {int(trace_hex, 16): int(count)}
    except ValueError:
        return {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    receiver: OtlpReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        _log.debug("datapizza-tracing's OTLP receiver: a request failed", exc_info=True)

    def process_request(self, request: Any, client_address: Any) -> None:
        # A thread per connection, but not without limit: idle or stalled connections each hold one.
        if not self.receiver.connections.acquire(blocking=False):
            self.receiver.count_refused_request()
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread started: give the slot back here
            self.receiver.connections.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        receiver = self.receiver
        thread = threading.current_thread()
        thread.name = REQUEST_THREAD_NAME
        with receiver._lock:
            receiver._handlers[request] = thread
        try:
            super().process_request_thread(request, client_address)
        finally:
            with receiver._lock:
                receiver._handlers.pop(request, None)
            receiver.connections.release()


class _Server6(_Server):
    address_family = socket.AF_INET6


def _server_class(host: str) -> type[_Server]:
    """IPv6 for an IPv6 address, or a name that has only IPv6 addresses (``ip6-localhost``)."""
    if ":" in host:
        return _Server6
    try:
        families = {info[0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except OSError:  # binding says what is wrong with the name
        return _Server
    return _Server6 if families == {socket.AF_INET6} else _Server


def _deliver_to_sinks(sinks: tuple[Sink, ...], spans: list[SpanRecord], dropped_there: int) -> int:
    """Offer ``spans`` to every sink, the last routed first; the spans the first one refused."""
    refused: int | None = None
    stored = False
    for sink in reversed(sinks):
        try:
            accepted = sink(spans, 0 if stored else dropped_there, stored)
        except Exception:
            _log.debug("datapizza-tracing could not keep received spans", exc_info=True)
            accepted = Accepted(0, len(spans))
        stored = stored or accepted.stored
        if refused is None:
            refused = accepted.refused
    return refused or 0


_open_receivers: weakref.WeakSet[OtlpReceiver] = weakref.WeakSet()


class OtlpReceiver:
    """``POST /v1/traces`` on ``host:port`` (port 0: a free one); ``close()`` frees the port."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_bytes: int = 16 * 1024 * 1024,
        allow_non_loopback: bool = False,
    ) -> None:
        if not is_loopback_host(host) and not allow_non_loopback:
            raise ReceiverError(
                f"refusing to receive spans on {host!r}: not a loopback address, so other machines could "
                "send spans to it (allow it explicitly to do so)"
            )
        self.max_bytes = max_bytes
        self.slots = threading.BoundedSemaphore(CONCURRENT_REQUESTS)
        self.connections = threading.BoundedSemaphore(OPEN_CONNECTIONS)
        self.refused_requests = 0
        self.refused_spans = 0
        self._routes: dict[int, tuple[Sink, ...]] = {}
        self._lock = threading.Lock()
        self._handlers: dict[socket.socket, threading.Thread] = {}  # open connections and their threads
        host = host.strip().strip("[]")  # "[::1]", as URLs write it
        try:
            self._server = _server_class(host)((host, port), _Handler)
        except OSError as error:
            raise ReceiverError(
                error.errno, f"cannot receive spans on {host}:{port}: {error.strerror}"
            ) from None
        self._server.receiver = self
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._serve, name="datapizza-tracing-otlp-receiver", daemon=True
        )
        self._thread.start()
        self.closed = False
        _open_receivers.add(self)

    @property
    def endpoint(self) -> str:
        """The base URL, as ``OTEL_EXPORTER_OTLP_ENDPOINT`` takes it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def traces_endpoint(self) -> str:
        """The full URL, as ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` and ``OTLPSpanExporter`` take it."""
        return self.endpoint + TRACES_PATH

    def _serve(self) -> None:
        # Started inside a block, this thread would carry the block's context into every
        # request thread; nothing the receiver does belongs to the traced work.
        otel_context.attach(otel_context.Context())
        self._server.serve_forever(poll_interval=0.1)

    # -- routes ---------------------------------------------------------------
    def route(self, trace_id: int, sink: Sink) -> None:
        """Send the spans of ``trace_id`` to ``sink`` from now on (nested blocks stack their sinks)."""
        with self._lock:
            self._routes = {**self._routes, trace_id: (*self._routes.get(trace_id, ()), sink)}

    def unroute(self, trace_id: int, sink: Sink) -> None:
        """Stop sending to ``sink``; the sink routed before it, if any, takes the spans again."""
        with self._lock:
            sinks = tuple(s for s in self._routes.get(trace_id, ()) if s is not sink)
            routes = dict(self._routes)
            if sinks:
                routes[trace_id] = sinks
            else:
                routes.pop(trace_id, None)
            self._routes = routes

    @property
    def routed(self) -> int:
        return len(self._routes)

    def deliver(
        self, records: Iterable[SpanRecord], dropped_there: dict[int, int] | None = None
    ) -> tuple[int, str]:
        """Hand each trace's spans to every sink of the trace; returns the spans refused and why.

        Every block routed on the trace gets them, an ended one in its grace period
        too (its late spans must not go to a later block alone). Sinks are asked
        from the last routed on; the first that answers decides what was refused.
        """
        dropped_there = dropped_there or {}
        by_trace: dict[int, list[SpanRecord]] = {trace_id: [] for trace_id in dropped_there}
        for record in records:
            by_trace.setdefault(record.trace_id, []).append(record)
        routes = self._routes
        unknown = over = 0
        for trace_id, spans in by_trace.items():
            sinks = routes.get(trace_id)
            if not sinks:
                unknown += len(spans)
                continue
            over += _deliver_to_sinks(sinks, spans, dropped_there.get(trace_id, 0))
        reasons = []
        if unknown:
            reasons.append(f"{unknown} span(s) of trace ids no open block tracks")
        if over:
            reasons.append(f"{over} span(s) over the block's span cap or past its end")
        with self._lock:
            self.refused_spans += unknown + over
        return unknown + over, "; ".join(reasons)

    def count_refused_request(self) -> None:
        with self._lock:
            self.refused_requests += 1

    # -- lifetime -------------------------------------------------------------
    def close(self) -> None:
        """Stop serving, free the port and end the threads of open connections (a bounded wait)."""
        if self.closed:
            return
        self.closed = True
        self._routes = {}
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=CLOSE_WAIT_S)
        with self._lock:
            handlers = dict(self._handlers)
        for connection in handlers:  # an idle keep-alive or a stalled client: its read returns now
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        deadline = time.monotonic() + CLOSE_WAIT_S
        for thread in handlers.values():
            thread.join(timeout=max(deadline - time.monotonic(), 0))

    def forget_in_child(self) -> None:
        """In a forked child: close the inherited socket without touching the parent's serving thread."""
        self.closed = True
        self._routes = {}
        try:
            self._server.socket.close()
        except OSError:
            pass


def _close_inherited_sockets() -> None:
    for receiver in list(_open_receivers):
        receiver.forget_in_child()


# A forked child (a process pool's worker) must not keep the parent's ports open.
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_sockets)
