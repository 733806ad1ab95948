"""A real OTLP backend: spans exported as the seed shows reach Arize Phoenix intact.

Phoenix starts once for the module. Each test runs a traced block in its own
process with the exporter under test behind a ``BatchSpanProcessor`` whose
schedule delay (60 s) is far longer than the test, then leaves with
``os._exit`` (no atexit flush): only the flush at the end of the block can have
delivered the spans. The trace read back from Phoenix's REST API must match the
one kept in memory: trace id, span count, parent/child tree, token attributes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from datapizza_tracing.analysis.summary import summarize
from datapizza_tracing.analysis.tree import build_tree, walk
from datapizza_tracing.model.record import SpanRecord
from datapizza_tracing.model.snapshot import TraceSnapshot
from tests.support.fake_openai import FakeOpenAI
from tests.support.phoenix import PhoenixServer, running_phoenix
from tests.support.scenario_process import ScenarioRun, run_client_scenario

pytestmark = [pytest.mark.phoenix, pytest.mark.slow]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
LATE_SPAN = "late span, after the block"


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhoenixServer]:
    with running_phoenix(tmp_path_factory.mktemp("phoenix")) as server:
        print(f"\nPhoenix started in {server.startup_s:.1f}s")
        yield server


def _ns(timestamp: str) -> int:
    return (datetime.fromisoformat(timestamp) - EPOCH) // _MICROSECOND * 1000


_MICROSECOND = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - EPOCH


def _records_from_memory(run: ScenarioRun) -> list[SpanRecord]:
    return [
        SpanRecord(
            span["name"],
            int(span["span_id"], 16),
            int(span["parent_id"] or "0", 16),
            span["start_ns"],
            span["end_ns"],
            0,
            None,
            span["attributes"],
        )
        for span in run.result["spans"]
    ]


def _records_from_phoenix(spans: list[dict[str, Any]]) -> list[SpanRecord]:
    return [
        SpanRecord(
            span["name"],
            int(span["context"]["span_id"], 16),
            int(span["parent_id"] or "0", 16),
            _ns(span["start_time"]),
            _ns(span["end_time"]),
            0,
            None,
            span["attributes"],
        )
        for span in spans
    ]


def _snapshot(records: list[SpanRecord], trace_id: str) -> TraceSnapshot:
    [root] = [record for record in records if record.parent_id == 0]
    return TraceSnapshot(
        name=root.name,
        trace_id=int(trace_id, 16),
        root_span_id=root.span_id,
        spans=tuple(records),
        start_ns=root.start_ns,
        end_ns=root.end_ns,
        taken_ns=time.time_ns(),
    )


def _tree_shape(snapshot: TraceSnapshot) -> list[tuple[int, str, int]]:
    root = build_tree(snapshot)
    assert root is not None
    return [(depth, node.span.name, node.span.span_id) for depth, node, _ in walk(root)]


@pytest.mark.parametrize("exporter", ["otlp-http", "otlp-grpc"])
def test_spans_in_phoenix_match_the_block(
    phoenix: PhoenixServer, fake_api: FakeOpenAI, exporter: str
) -> None:
    endpoint = phoenix.otlp_http_endpoint if exporter == "otlp-http" else phoenix.otlp_grpc_endpoint
    started = time.monotonic()
    run = run_client_scenario(
        "pipeline",
        fake_api.base_url,
        "--export",
        f"{exporter}={endpoint}",
        "--batch-delay-ms",
        "60000",
        "--exit-without-flushing",
    )
    trace_id = run.result["trace_id"]
    in_memory = _records_from_memory(run)
    assert len(in_memory) == run.result["total_spans"] == 5

    stored = phoenix.wait_for_spans(trace_id, len(in_memory))
    print(f"\n{exporter}: block run + spans readable in Phoenix after {time.monotonic() - started:.1f}s")
    assert stored, f"no span of trace {trace_id} reached Phoenix\n{phoenix.log_tail()}"

    # Same trace id and span count; the span ended after the block stayed in the batch queue.
    assert {span["context"]["trace_id"] for span in stored} == {trace_id}
    assert LATE_SPAN not in {span["name"] for span in stored}
    assert len(stored) == len(in_memory)

    # Same tree: parent/child links, names, sibling order.
    from_phoenix = _records_from_phoenix(stored)
    memory_snapshot, phoenix_snapshot = _snapshot(in_memory, trace_id), _snapshot(from_phoenix, trace_id)
    assert _tree_shape(phoenix_snapshot) == _tree_shape(memory_snapshot)
    assert [(depth, name) for depth, name, _ in _tree_shape(phoenix_snapshot)] == [
        (0, "pipeline"),
        (1, "retrieve"),
        (2, "embed"),
        (1, "answer"),
        (2, "client.invoke"),
    ]
    memory_by_id = {record.span_id: record for record in in_memory}
    for record in from_phoenix:
        expected = memory_by_id[record.span_id]
        assert (
            abs(record.start_ns - expected.start_ns) <= 1000 and abs(record.end_ns - expected.end_ns) <= 1000
        )
        # Every attribute arrived with its value (Phoenix may add derived ones of its own).
        assert {key: record.attributes.get(key) for key in expected.attributes} == dict(expected.attributes)

    # Same token figures, read by our own summary from what Phoenix stored.
    usage = summarize(phoenix_snapshot).usage
    assert {model: vars(figures) for model, figures in usage.items()} == {
        "gpt-5-mini": {
            "prompt_tokens": 42,
            "completion_tokens": 19,
            "cached_tokens": 16,
            "thinking_tokens": 5,
            "calls": 1,
            "cache_write_tokens": 0,
        }
    }
    assert {model: vars(figures) for model, figures in usage.items()} == run.usage


def test_phoenix_keeps_its_data_in_the_tests_temp_folder(phoenix: PhoenixServer) -> None:
    # PHOENIX_WORKING_DIR points at a fresh temp folder: no state shared with ~/.phoenix or other runs.
    databases = [path.name for path in phoenix.working_dir.iterdir() if path.suffix == ".db"]
    assert databases, sorted(path.name for path in phoenix.working_dir.iterdir())
