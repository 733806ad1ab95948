"""Reading the rest of a trace back from a backend at the block's end: any ``TraceReader``, never a hang.

The real Arize Phoenix is read in ``test_services.py`` (a marked stage); here the
interface itself: a reader of one's own (as a Jaeger or Tempo one would be),
an unreachable Phoenix, a reader that fails, and what is refused up front.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource

from datapizza_tracing import ContextTracing
from datapizza_tracing.model.record import UNSET, SpanRecord
from datapizza_tracing.remote.backends import PhoenixReader, TraceReader

pytestmark = pytest.mark.timeout(60)
tracer = trace.get_tracer(__name__)
JAEGER = Resource({"service.name": "billing"})


class RecordedBackend:
    """A backend reader of one's own: what a Jaeger or Tempo reader would return, from memory."""

    name = "Recorded"

    def __init__(self) -> None:
        self.spans: list[SpanRecord] = []
        self.asked: list[tuple[int, int]] = []

    def read(self, trace_id: int, limit: int) -> list[SpanRecord]:
        self.asked.append((trace_id, limit))
        return self.spans[:limit]


def _remote(name: str, span_id: int, parent_id: int, trace_id: int, **attributes: object) -> SpanRecord:
    return SpanRecord(
        name=name,
        span_id=span_id,
        parent_id=parent_id,
        start_ns=1,
        end_ns=2,
        status=UNSET,
        status_message=None,
        attributes=attributes,
        trace_id=trace_id,
        resource=JAEGER,
    )


def test_a_reader_of_ones_own_joins_its_spans_once() -> None:
    backend = RecordedBackend()
    assert isinstance(backend, TraceReader)
    with ContextTracing().trace("billing run", read_back=backend, max_spans=50) as handle:
        context = trace.get_current_span().get_span_context()
        with tracer.start_as_current_span("local step") as local:
            local_id = local.get_span_context().span_id
        backend.spans = [
            # The backend also holds the block's own span (it exported there too): kept once.
            _remote("local step", local_id, context.span_id, context.trace_id),
            _remote(
                "charge card",
                0xB1,
                context.span_id,
                context.trace_id,
                **{
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.input_tokens": 8,
                    "gen_ai.usage.output_tokens": 2,
                },
            ),
            _remote("other trace", 0xB2, 0, context.trace_id ^ 1),  # never in this block
        ]
    spans = {span.name: span for span in handle.snapshot().spans}
    assert sorted(spans) == ["billing run", "charge card", "local step"]
    assert spans["charge card"].parent_id == context.span_id
    assert spans["charge card"].resource.attributes["service.name"] == "billing"
    assert backend.asked == [(context.trace_id, 50)]
    usage = handle.summary().usage["gpt-4o-mini"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (1, 8, 2)
    assert handle.summary().notes == ()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_phoenix_leaves_a_note_and_the_users_error_unchanged() -> None:
    reader = PhoenixReader(f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(KeyError, match="the user's own"):
        with ContextTracing().trace("phoenix down", read_back=reader) as handle:
            with tracer.start_as_current_span("work"):
                raise KeyError("the user's own")
    assert sorted(span.name for span in handle.snapshot().spans) == ["phoenix down", "work"]
    [note] = handle.summary().notes
    assert note.startswith(f"Spans could not be read back from Phoenix: Phoenix at {reader.base_url}")


def test_a_reader_that_breaks_is_noted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        name = "Broken"

        def read(self, trace_id: int, limit: int) -> list[SpanRecord]:
            raise RuntimeError("no such index")

    with caplog.at_level(logging.WARNING, logger="datapizza_tracing"):
        with ContextTracing().trace("broken reader", read_back=[Broken()]) as handle:
            pass
    assert handle.summary().notes == ("Spans could not be read back from Broken: no such index",)
    assert "reading" in caplog.text and "no such index" in caplog.text


@contextmanager
def _fake_phoenix(answer: Callable[[BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A loopback server answering every GET with ``answer``; its URL while open."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            answer(self)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _send_json(handler: BaseHTTPRequestHandler, page: object) -> None:
    body = json.dumps(page).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_phoenix_pages_without_spans_end_the_read() -> None:
    # A backend (or a proxy) that gives a next cursor with every empty page: no end of pages.
    requests = []

    def empty_pages_forever(handler: BaseHTTPRequestHandler) -> None:
        requests.append(handler.path)
        _send_json(handler, {"data": [], "next_cursor": "again" if len(requests) < 50 else None})

    with _fake_phoenix(empty_pages_forever) as url:
        assert PhoenixReader(url).read(0xABC, 100) == []
    assert len(requests) == 1


def test_a_phoenix_that_trickles_its_answer_holds_the_block_end_no_longer_than_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_WAIT_MS", "300")
    stop = threading.Event()

    def one_byte_at_a_time(handler: BaseHTTPRequestHandler) -> None:
        body = json.dumps({"data": [], "next_cursor": None}).encode() + b" " * 100
        handler.send_response(200)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        for byte in body:  # each byte well within urlopen's timeout, the whole far past the wait
            if stop.wait(0.3):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    with _fake_phoenix(one_byte_at_a_time) as url:
        try:
            with ContextTracing().trace("slow phoenix", read_back=PhoenixReader(url)) as handle:
                body_done = time.monotonic()
            block_end_s = time.monotonic() - body_done
        finally:
            stop.set()
    assert block_end_s < 10  # it used to wait for the whole answer: 30 s
    [note] = handle.summary().notes
    assert note.startswith("Spans could not be read back from Phoenix: no answer within the block's wait")


@pytest.mark.parametrize(
    ("returned", "named"),
    [(None, "NoneType"), (5, "int"), ([{"name": "x"}], "a list holding dict"), ("spans", "str")],
)
def test_a_reader_returning_no_list_of_records_is_noted_and_the_others_still_read(
    returned: object, named: str
) -> None:
    class Odd:
        name = "Odd"

        def read(self, trace_id: int, limit: int) -> object:
            return returned

    backend = RecordedBackend()
    with ContextTracing().trace("odd reader", read_back=[Odd(), backend]) as handle:
        context = trace.get_current_span().get_span_context()
        backend.spans = [_remote("from backend", 0xC1, context.span_id, context.trace_id)]
    assert sorted(span.name for span in handle.snapshot().spans) == ["from backend", "odd reader"]
    [note] = handle.summary().notes
    assert note.startswith("Spans could not be read back from Odd: ") and named in note


@pytest.mark.parametrize("read_back", [object(), ["http://127.0.0.1:6006"]])
def test_what_is_not_a_reader_is_refused_before_the_body_runs(read_back: object) -> None:
    ran = []
    with pytest.raises(TypeError, match="read_back takes TraceReader objects"):
        with ContextTracing().trace("never", read_back=read_back):
            ran.append(True)
    assert ran == []


@pytest.mark.parametrize(
    ("url", "project"), [("ftp://127.0.0.1", "default"), ("http://127.0.0.1:6006", "a/b")]
)
def test_a_phoenix_reader_refuses_a_bad_url_or_project(url: str, project: str) -> None:
    with pytest.raises(ValueError):
        PhoenixReader(url, project)
