"""An OTLP/HTTP trace receiver on loopback that keeps every span it is sent.

It stands in for a backend where a framework insists on exporting somewhere
(MLflow without a tracking server, say): the spans land here, on 127.0.0.1,
and a test can check what the framework's own exporter delivered.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


class _Handler(BaseHTTPRequestHandler):
    server: OtlpSink
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = ExportTraceServiceRequest()
        try:
            request.ParseFromString(body)
        except DecodeError:  # not OTLP protobuf: answer like a collector would
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with self.server.lock:
            for resource_spans in request.resource_spans:
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        self.server.spans.append(
                            {
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "span_id": span.span_id.hex(),
                            }
                        )
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # anything else a client probes for: "not here"
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()


class OtlpSink(ThreadingHTTPServer):
    """``with OtlpSink() as sink:`` — ``sink.traces_endpoint`` for ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.spans: list[dict[str, str]] = []
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    @property
    def traces_endpoint(self) -> str:
        return f"{self.base_url}/v1/traces"

    def received(self) -> list[dict[str, str]]:
        with self.lock:
            return list(self.spans)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
