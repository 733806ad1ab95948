"""The block's OTLP/HTTP receiver: real exporters get in, bad input is refused, nothing is lost.

Every request goes over loopback to the real receiver a block opens with
``trace(receive=True)``. Refused input (a trace id no block tracks, an oversized
or garbage body, a non-loopback address) must leave the block exactly as it was.
"""

from __future__ import annotations

import gzip
import select
import socket
import threading
import time

import pytest
from opentelemetry import trace

from datapizza_tracing import ConfigError, ContextTracing, TraceHandle
from datapizza_tracing.remote import ports
from datapizza_tracing.remote import receiver as receiver_module
from datapizza_tracing.remote.link import LATE_NOTE
from datapizza_tracing.remote.receiver import OtlpReceiver, ReceiverError
from tests.support.otlp_client import otlp_json, post, rejected_spans, service_provider

pytestmark = pytest.mark.timeout(60)
tracer = trace.get_tracer(__name__)


@pytest.fixture(autouse=True)
def _no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_GRACE_MS", "0")


def _names(handle: TraceHandle) -> list[str]:
    return sorted(span.name for span in handle.snapshot().spans)


def _current_span_id() -> int:
    return trace.get_current_span().get_span_context().span_id


def test_a_real_exporter_of_another_service_joins_the_block_with_its_service_name() -> None:
    with ContextTracing().trace("client", receive=True) as handle:
        provider = service_provider("inventory", handle.otlp_traces_endpoint)
        with tracer.start_as_current_span("call inventory"):
            caller = _current_span_id()
            # The service continues the trace it was handed (what a propagated traceparent does).
            with provider.get_tracer("inventory").start_as_current_span("lookup"):
                with provider.get_tracer("inventory").start_as_current_span("query"):
                    pass
        provider.shutdown()
    spans = {span.name: span for span in handle.snapshot().spans}
    assert sorted(spans) == ["call inventory", "client", "lookup", "query"]
    assert spans["lookup"].parent_id == caller
    assert spans["query"].parent_id == spans["lookup"].span_id
    assert spans["lookup"].resource.attributes["service.name"] == "inventory"
    assert handle.otlp_endpoint.startswith("http://127.0.0.1:")


def test_json_with_usage_counts_once_even_when_sent_twice() -> None:
    with ContextTracing().trace("json", receive=True) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        span = {
            "name": "remote call",
            "span_id": 0xABC,
            "parent_id": _current_span_id(),
            "attributes": {
                "gen_ai.request.model": "gpt-4o-mini",
                "gen_ai.usage.input_tokens": 30,
                "gen_ai.usage.output_tokens": 7,
            },
        }
        body = otlp_json(trace_id, [span])
        assert post(handle.otlp_traces_endpoint, body)[0] == 200
        status, answer = post(handle.otlp_traces_endpoint, body)  # an exporter's retry
        assert status == 200 and rejected_spans(answer) == 0
    assert _names(handle) == ["json", "remote call"]
    usage = handle.summary().usage["gpt-4o-mini"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (1, 30, 7)


def test_a_received_span_never_takes_the_id_of_a_running_local_span() -> None:
    with ContextTracing().trace("block", receive=True) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        root = _current_span_id()
        with tracer.start_as_current_span("local open"):
            local = _current_span_id()
            impostors = [
                {"name": "fake root", "span_id": root, "parent_id": 0},
                {"name": "fake local", "span_id": local, "parent_id": root},
            ]
            assert post(handle.otlp_traces_endpoint, otlp_json(trace_id, impostors))[0] == 200
            assert _names(handle) == ["block", "local open"]
    assert _names(handle) == ["block", "local open"]
    assert handle.summary().notes == ()


def _block_with_bad_input(send_bad) -> tuple[TraceHandle, list]:
    """A block with one local span and one good remote span around ``send_bad(endpoint, trace_id)``."""
    answers = []
    with ContextTracing().trace("guarded", receive=True) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        root = _current_span_id()
        with tracer.start_as_current_span("local"):
            pass
        good = otlp_json(trace_id, [{"name": "good before", "span_id": 1, "parent_id": root}])
        assert post(handle.otlp_traces_endpoint, good)[0] == 200
        answers.append(send_bad(handle.otlp_traces_endpoint, trace_id))
        after = otlp_json(trace_id, [{"name": "good after", "span_id": 2, "parent_id": root}])
        assert post(handle.otlp_traces_endpoint, after)[0] == 200  # the receiver still serves
    assert _names(handle) == ["good after", "good before", "guarded", "local"]
    assert handle.summary().dropped_spans == 0
    return handle, answers


def test_spans_of_a_trace_no_block_tracks_are_refused() -> None:
    def send(endpoint: str, trace_id: int):
        other = otlp_json(trace_id ^ 1, [{"name": "intruder", "span_id": 3, "parent_id": 0}])
        return post(endpoint, other)

    _, [(status, answer)] = _block_with_bad_input(send)
    assert status == 200 and rejected_spans(answer) == 1  # OTLP partial success: not retried


def test_an_oversized_body_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_RECEIVE_MAX_BYTES", "2048")

    def send(endpoint: str, trace_id: int):
        spans = [{"name": f"big {i}", "span_id": 100 + i, "parent_id": 0} for i in range(40)]
        return post(endpoint, otlp_json(trace_id, spans))

    _, [(status, answer)] = _block_with_bad_input(send)
    assert status == 413 and b"at most 2,048" in answer


def test_a_gzip_body_that_inflates_past_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_RECEIVE_MAX_BYTES", "4096")

    def send(endpoint: str, trace_id: int):
        bomb = gzip.compress(b"{" + b" " * 1_000_000 + b"}")
        assert len(bomb) < 4096
        return post(endpoint, bomb, headers={"Content-Encoding": "gzip"})

    _, [(status, _)] = _block_with_bad_input(send)
    assert status == 413


def test_a_gzip_body_within_the_limit_is_read() -> None:
    with ContextTracing().trace("gzip", receive=True) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        body = gzip.compress(otlp_json(trace_id, [{"name": "zipped", "span_id": 5, "parent_id": 0}]))
        assert post(handle.otlp_traces_endpoint, body, headers={"Content-Encoding": "gzip"})[0] == 200
    assert "zipped" in _names(handle)


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/x-protobuf", b"\xff\xfe garbage \x00\x01", 400),
        ("application/json", b"{not json", 400),
        ("application/json", b'{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 1}]}]}]}', 400),
        ("application/json", b'{"some": "other document"}', 400),
        ("text/plain", b"hello", 415),
    ],
)
def test_garbage_is_refused(content_type: str, body: bytes, status: int) -> None:
    _, [(answered, _)] = _block_with_bad_input(lambda endpoint, _: post(endpoint, body, content_type))
    assert answered == status


def _raw_status_line(endpoint: str, request: bytes) -> bytes:
    """Send ``request`` as is; the first line of the answer (empty if the connection closes unanswered)."""
    host, port = endpoint.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        return sock.makefile("rb").readline().strip()


@pytest.mark.parametrize("path", ["/v1/traces", "/v1/metrics"])
@pytest.mark.parametrize("length", [b"\xb2", b"\xb9\xb3", b"1_0", b"-1"])
def test_a_content_length_that_is_no_ascii_number_is_answered(path: str, length: bytes) -> None:
    # "²".isdigit() is True, and int("²") raises: the request used to go unanswered.
    def send(endpoint: str, trace_id: int):
        request = b"POST %s HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: %s\r\n\r\n{}" % (
            path.encode(),
            length,
        )
        return _raw_status_line(endpoint, request)

    _, [status_line] = _block_with_bad_input(send)
    assert status_line.startswith(b"HTTP/1.1 411 " if path == "/v1/traces" else b"HTTP/1.1 404 ")


def test_other_paths_and_methods_are_refused() -> None:
    def send(endpoint: str, trace_id: int):
        return post(endpoint.replace("/v1/traces", "/v1/metrics"), b"{}")

    _, [(status, _)] = _block_with_bad_input(send)
    assert status == 404


def test_a_client_stalling_mid_body_holds_nothing_up() -> None:
    stalled = []

    def send(endpoint: str, trace_id: int):
        host, port = endpoint.split("//")[1].split("/")[0].split(":")
        sock = socket.create_connection((host, int(port)), timeout=5)
        sock.sendall(
            b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n{"
        )
        stalled.append(sock)  # never finishes its body while the block goes on and ends
        return None

    try:
        _block_with_bad_input(send)
    finally:
        for sock in stalled:
            sock.close()


def test_a_client_trickling_its_body_is_dropped_after_the_read_time_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One byte every 0.2 s never stalls a single receive for the limit; the whole body has the limit too.
    monkeypatch.setattr(receiver_module, "READ_TIMEOUT_S", 1.0)
    with ContextTracing().trace("trickled", receive=True) as handle:
        receiver = _receiver_of(handle)
        host, port = handle.otlp_traces_endpoint.split("//")[1].split("/")[0].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 900\r\n\r\n"
            )
            started = time.monotonic()
            dropped = False
            while not dropped and time.monotonic() - started < 15:  # the old receiver read for 180 s
                try:
                    sock.sendall(b" ")
                    dropped = bool(select.select([sock], [], [], 0.2)[0]) and sock.recv(1) == b""
                except OSError:
                    dropped = True
            held_s = time.monotonic() - started
        assert dropped and held_s < 10
        _wait_for(lambda: receiver.slots._value == receiver_module.CONCURRENT_REQUESTS)  # its slot is free


def _stalled_connection(endpoint: str) -> socket.socket:
    """A client that sends half a request and then nothing."""
    host, port = endpoint.split("//")[1].split("/")[0].split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(b"POST /v1/traces HTTP/1.1\r\nContent-Type: application/json\r\nContent-Len")
    return sock


def _receiver_of(handle: TraceHandle) -> OtlpReceiver:
    [receiver] = [r for r in ports.open_receivers() if r.traces_endpoint == handle.otlp_traces_endpoint]
    return receiver


def _wait_for(condition) -> None:
    while not condition():  # bounded by the test's timeout
        time.sleep(0.01)


def test_closing_the_block_ends_the_threads_of_stalled_connections() -> None:
    stalled = []
    try:
        with ContextTracing().trace("stalled", receive=True) as handle:
            receiver = _receiver_of(handle)
            stalled = [_stalled_connection(handle.otlp_traces_endpoint) for _ in range(3)]
            _wait_for(lambda: len(receiver._handlers) == 3)
            threads = list(receiver._handlers.values())
        # The block's end closed the port and the connections: no thread of its receiver lives on.
        assert receiver.closed and not any(thread.is_alive() for thread in threads)
        assert all(sock.recv(1) == b"" for sock in stalled)
    finally:
        for sock in stalled:
            sock.close()


def test_connections_over_the_limit_are_closed_and_the_block_loses_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(receiver_module, "OPEN_CONNECTIONS", 4)
    monkeypatch.setattr(receiver_module._Handler, "timeout", 120)  # stalled ones stay for the whole test

    def send(endpoint: str, trace_id: int):
        receiver = next(r for r in ports.open_receivers() if r.traces_endpoint == endpoint)
        _wait_for(lambda: not receiver._handlers)  # the earlier request's connection is gone
        stalled = [_stalled_connection(endpoint) for _ in range(6)]
        closed: set[int] = set()
        while len(closed) < 2:  # the two over the limit are closed unanswered (bounded by the timeout)
            readable, _, _ = select.select([s for i, s in enumerate(stalled) if i not in closed], [], [], 1)
            closed |= {i for i, s in enumerate(stalled) if s in readable and s.recv(1) == b""}
        assert closed == {4, 5}
        for sock in stalled:
            sock.close()
        _wait_for(lambda: not receiver._handlers)  # their threads end as the clients go away
        return None

    _block_with_bad_input(send)


def test_a_non_loopback_address_is_refused() -> None:
    with pytest.raises(ReceiverError, match="not a loopback address"):
        OtlpReceiver("0.0.0.0")


def test_a_non_loopback_setting_fails_before_the_body_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_RECEIVE_HOST", "0.0.0.0")
    ran = []
    with pytest.raises(ConfigError, match="DATAPIZZA_TRACING_RECEIVE_HOST"):
        with ContextTracing().trace("never", receive=True):
            ran.append(True)
    assert ran == []


def test_remote_spans_honour_the_span_cap_exactly() -> None:
    with ContextTracing().trace("capped", receive=True, max_spans=5) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        with tracer.start_as_current_span("local"):
            pass
        spans = [{"name": f"remote {i}", "span_id": 10 + i, "parent_id": 0} for i in range(6)]
        status, answer = post(handle.otlp_traces_endpoint, otlp_json(trace_id, spans))
        assert status == 200 and rejected_spans(answer) == 3
    snapshot = handle.snapshot()
    assert len(snapshot.spans) == 5 and "capped" in _names(handle)
    assert snapshot.dropped_spans == 3 and handle.summary().total_spans == 8


def test_the_port_closes_with_the_block() -> None:
    with ContextTracing().trace("closing", receive=True) as handle:
        endpoint = handle.otlp_traces_endpoint
        assert post(endpoint, b"{}")[0] == 400
    with pytest.raises(ConnectionRefusedError):
        post(endpoint, b"{}")


def test_a_fixed_port_is_used_and_freed(monkeypatch: pytest.MonkeyPatch) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    monkeypatch.setenv("DATAPIZZA_TRACING_RECEIVE", str(port))
    with ContextTracing().trace("fixed") as handle:
        assert handle.otlp_endpoint == f"http://127.0.0.1:{port}"
    with ContextTracing().trace("fixed again") as again:  # the port is free again
        assert again.otlp_endpoint == f"http://127.0.0.1:{port}"


def test_a_fixed_port_still_closing_is_waited_for_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # One block's end closes the fixed port's receiver while another thread's block opens it.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    closing = threading.Event()
    close = OtlpReceiver.close

    def slow_close(receiver: OtlpReceiver) -> None:
        closing.set()
        time.sleep(0.3)  # the port stays bound meanwhile
        close(receiver)

    monkeypatch.setattr(OtlpReceiver, "close", slow_close)
    first = ports.acquire("127.0.0.1", port, max_bytes=1024)
    releasing = threading.Thread(target=ports.release, args=(first,))
    releasing.start()
    assert closing.wait(timeout=10)
    second = ports.acquire("127.0.0.1", port, max_bytes=1024)
    try:
        assert second is not first and second.port == port and not second.closed
    finally:
        ports.release(second)
        releasing.join(timeout=10)


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
@pytest.mark.parametrize("host", ["::1", "[::1]"])
def test_the_ipv6_loopback_receives(monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_RECEIVE_HOST", host)
    with ContextTracing().trace("over ipv6", receive=True) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        body = otlp_json(trace_id, [{"name": "v6 span", "span_id": 6, "parent_id": _current_span_id()}])
        assert post(handle.otlp_traces_endpoint, body)[0] == 200
    assert handle.otlp_endpoint.startswith("http://[::1]:")
    assert _names(handle) == ["over ipv6", "v6 span"]
    assert handle.summary().notes == ()


def test_a_port_in_use_leaves_the_block_running_with_a_note() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with ContextTracing().trace("busy", receive=busy.getsockname()[1]) as handle:
            with tracer.start_as_current_span("work"):
                pass
    assert _names(handle) == ["busy", "work"]
    assert handle.otlp_endpoint is None
    assert any("cannot receive spans" in note for note in handle.summary().notes)


def test_late_spans_within_the_grace_period_join_the_handle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_GRACE_MS", "30000")
    with ContextTracing().trace("late", receive=True) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        root = _current_span_id()
    assert handle.finished and handle.summary().notes == ()
    status, answer = post(
        handle.otlp_traces_endpoint,
        otlp_json(trace_id, [{"name": "straggler", "span_id": 7, "parent_id": root}]),
    )
    assert status == 200 and rejected_spans(answer) == 0
    assert _names(handle) == ["late", "straggler"]
    assert handle.summary().notes == (LATE_NOTE,)
    handle.stop_receiving()
    with pytest.raises(ConnectionRefusedError):
        post(handle.otlp_traces_endpoint, b"{}")


def test_late_spans_reach_their_ended_block_while_a_later_block_of_the_trace_is_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two blocks one after the other under one request span share its trace id (and the free port).
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_GRACE_MS", "30000")
    with ContextTracing().trace("set-up"):  # the first block sets up the provider the request span needs
        pass
    with tracer.start_as_current_span("POST /ask"):
        with ContextTracing().trace("first", receive=True) as first:
            trace_id = trace.get_current_span().get_span_context().trace_id
            root = _current_span_id()
        with ContextTracing().trace("second", receive=True) as second:
            assert trace.get_current_span().get_span_context().trace_id == trace_id
            late = otlp_json(trace_id, [{"name": "late for first", "span_id": 0xA2, "parent_id": root}])
            assert post(first.otlp_traces_endpoint, late)[0] == 200
    try:
        assert _names(first) == ["first", "late for first"]
        assert _names(second) == ["second"]
    finally:
        first.stop_receiving()
        second.stop_receiving()


def test_the_block_end_waits_for_a_called_service_then_stops_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    # A client span to a loopback service with no answer yet: the end waits (bounded) for the service's spans.
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_WAIT_MS", "20000")

    def service_answers_late(endpoint: str, trace_id: int, parent: int) -> None:
        time.sleep(0.3)
        post(endpoint, otlp_json(trace_id, [{"name": "server side", "span_id": 77, "parent_id": parent}]))

    with ContextTracing().trace("waits", receive=True) as handle:
        trace_id = trace.get_current_span().get_span_context().trace_id
        with tracer.start_as_current_span("GET /items", kind=trace.SpanKind.CLIENT) as client:
            client.set_attribute("server.address", "127.0.0.1")
            parent = client.get_span_context().span_id
        threading.Thread(
            target=service_answers_late, args=(handle.otlp_traces_endpoint, trace_id, parent)
        ).start()
    assert _names(handle) == ["GET /items", "server side", "waits"]
    assert handle.summary().notes == ()  # arrived within the end's wait: not late
