"""The seed's Zipkin snippet, pointed at a Zipkin receiver on loopback.

The receiver keeps every JSON body POSTed to ``/api/v2/spans``; the test checks
the Zipkin v2 spans against the spans the traced block kept in memory.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.support.fake_openai import FakeOpenAI
from tests.support.scenario_process import run_client_scenario


class _ZipkinHandler(BaseHTTPRequestHandler):
    server: _ZipkinReceiver
    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.posts.append((self.path, self.headers.get("Content-Type", ""), body))
        self.send_response(202)  # what Zipkin answers
        self.send_header("Content-Length", "0")
        self.end_headers()


class _ZipkinReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ZipkinHandler)
        self.lock = threading.Lock()
        self.posts: list[tuple[str, str, bytes]] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v2/spans"


@pytest.fixture
def zipkin() -> Iterator[_ZipkinReceiver]:
    receiver = _ZipkinReceiver()
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join(timeout=5)


def test_zipkin_exporter_posts_the_blocks_spans(fake_api: FakeOpenAI, zipkin: _ZipkinReceiver) -> None:
    run = run_client_scenario("pipeline", fake_api.base_url, "--export", f"zipkin={zipkin.endpoint}")

    # SimpleSpanProcessor exports each span as it ends, before the process exits.
    with zipkin.lock:
        posts = list(zipkin.posts)
    assert posts, "nothing reached the Zipkin receiver"
    assert {path for path, _, _ in posts} == {"/api/v2/spans"}
    assert {content_type for _, content_type, _ in posts} == {"application/json"}
    posted: list[dict[str, Any]] = [span for _, _, body in posts for span in json.loads(body)]

    in_memory = {span["span_id"]: span for span in run.result["spans"]}
    by_id = {span["id"]: span for span in posted}
    assert len(posted) == len(by_id) == len(in_memory) == 5  # root, retrieve, embed, answer, client.invoke
    assert set(by_id) == set(in_memory)
    assert {span["traceId"] for span in posted} == {run.result["trace_id"]}

    resource = {key: str(value) for key, value in run.result["resource"].items()}
    assert resource["service.name"] == "interop-tests"
    for span_id, span in by_id.items():
        expected = in_memory[span_id]
        assert span["name"] == expected["name"]
        assert span.get("parentId") == expected["parent_id"]
        assert span["localEndpoint"]["serviceName"] == "interop-tests"
        # Zipkin tags are strings (the block writes no booleans or sequences here); the
        # exporter adds the resource and its own otel.* tags next to the span's attributes.
        tags = span.get("tags", {})
        assert {key: tags[key] for key in resource} == resource
        own_tags = {
            key: value for key, value in tags.items() if not key.startswith("otel.") and key not in resource
        }
        assert own_tags == {key: str(value) for key, value in expected["attributes"].items()}
        assert tags["otel.scope.name"] == expected["scope"]

    [root] = [span for span in posted if "parentId" not in span]
    assert root["name"] == "pipeline"
    names = {span["name"]: span for span in posted}
    assert names["embed"]["parentId"] == names["retrieve"]["id"]
    assert names["client.invoke"]["parentId"] == names["answer"]["id"]
    assert names["retrieve"]["tags"]["documents"] == "3"
    assert names["client.invoke"]["tags"]["model_name"] == "gpt-5-mini"
    assert names["client.invoke"]["tags"]["prompt_tokens_used"] == "42"
    assert names["client.invoke"]["tags"]["cached_tokens_used"] == "16"
    assert run.usage["gpt-5-mini"]["completion_tokens"] == 19
