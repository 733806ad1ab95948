"""Saving snapshots as OTLP JSON and loading them (and other producers' files) back."""

from __future__ import annotations

import dataclasses
import json
import math
import os

import pytest
from opentelemetry.trace import SpanKind

from datapizza_tracing import TraceFileError
from datapizza_tracing.model.record import ERROR, OK, SpanEvent
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.storage.files import load_snapshot, load_snapshots, save_snapshot
from datapizza_tracing.storage.otlp_encode import snapshot_to_otlp
from tests.support.fifo import bounded_call, needs_fifo
from tests.support.records import BASE_NS, TRACE_ID, snapshot, span

ATTRIBUTES = {
    "text": "héllo <b>",
    "count": 42,
    "big": 2**62 + 1,
    "ratio": 0.125,
    "flag": True,
    "off": False,
    "tags": ("a", "b"),
    "numbers": (1, 2, 3),
    "weights": (0.5, 1.5),
    "bits": (True, False),
}


def rich_snapshot() -> TraceSnapshot:
    event = SpanEvent("exception", BASE_NS + 1_500_000_000, {"exception.type": "ValueError", "attempt": 2})
    return snapshot(
        span(1, 0, 0, 4, "block", attributes={"service.step": "root"}),
        span(0xFFEEDDCCBBAA9988, 1, 0.25, 2, "generation", status=ERROR, message="ValueError: bad",
             attributes=ATTRIBUTES, events=(event, SpanEvent("retry", BASE_NS + 1_700_000_001, {}))),
        span(3, 0xFFEEDDCCBBAA9988, 0.5, 1, "tool", status=OK)._replace(kind=SpanKind.CLIENT),
        span(4, 1, 3, None, "still-running"),
        dropped_spans=7,
        notes=("a note", "another"),
    )  # fmt: skip


def test_round_trip_preserves_ids_parents_times_status_attributes_events(tmp_path):
    original = rich_snapshot()
    path = save_snapshot(original, tmp_path / "trace.json")
    loaded = load_snapshot(path)
    assert (loaded.name, loaded.trace_id, loaded.root_span_id) == ("block", TRACE_ID, 1)
    assert (loaded.start_ns, loaded.end_ns) == (original.start_ns, original.end_ns)
    assert (loaded.dropped_spans, loaded.notes) == (7, ("a note", "another"))
    by_id = {s.span_id: s for s in loaded.spans}
    assert set(by_id) == {s.span_id for s in original.spans}
    for before in original.spans:
        after = by_id[before.span_id]
        assert (after.name, after.parent_id, after.start_ns, after.end_ns) == (
            before.name, before.parent_id, before.start_ns, before.end_ns)  # fmt: skip
        assert (after.status, after.status_message, after.kind) == (
            before.status,
            before.status_message,
            before.kind,
        )
        assert dict(after.attributes) == dict(before.attributes)
        assert after.events == before.events
    generation = by_id[0xFFEEDDCCBBAA9988]
    assert type(generation.attributes["count"]) is int and type(generation.attributes["ratio"]) is float
    assert generation.attributes["flag"] is True and generation.attributes["numbers"] == (1, 2, 3)
    assert by_id[4].end_ns is None  # a running span stays running
    assert "datapizza_tracing.dropped_spans" not in by_id[1].attributes  # block metadata is taken off again


def test_file_is_the_otlp_json_mapping(tmp_path):
    document = snapshot_to_otlp(rich_snapshot())
    scope_spans = document["resourceSpans"][0]["scopeSpans"][0]
    spans = {s["name"]: s for s in scope_spans["spans"]}
    generation = spans["generation"]
    assert generation["traceId"] == format(TRACE_ID, "032x") and len(generation["traceId"]) == 32
    assert generation["spanId"] == "ffeeddccbbaa9988"
    assert generation["parentSpanId"] == "0000000000000001"
    assert spans["block"]["parentSpanId"] == ""
    assert generation["startTimeUnixNano"] == str(BASE_NS + 250_000_000)
    assert generation["status"] == {"code": 2, "message": "ValueError: bad"}
    assert spans["tool"]["kind"] == 3  # SPAN_KIND_CLIENT
    values = {kv["key"]: kv["value"] for kv in generation["attributes"]}
    assert values["count"] == {"intValue": "42"}
    assert values["ratio"] == {"doubleValue": 0.125}
    assert values["flag"] == {"boolValue": True}
    assert values["tags"] == {"arrayValue": {"values": [{"stringValue": "a"}, {"stringValue": "b"}]}}
    assert generation["events"][0]["timeUnixNano"] == str(BASE_NS + 1_500_000_000)
    path = save_snapshot(rich_snapshot(), tmp_path / "t.json")
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") == 1 and json.loads(text) == json.loads(
        json.dumps(document)
    )  # one line: JSON lines too


def test_non_finite_floats_survive(tmp_path):
    snap = snapshot(span(1, 0, 0, 1, "root", attributes={"nan": math.nan, "inf": math.inf, "neg": -math.inf}))
    loaded = load_snapshot(save_snapshot(snap, tmp_path / "t.json"))
    root = loaded.spans[0].attributes
    assert math.isnan(root["nan"]) and root["inf"] == math.inf and root["neg"] == -math.inf


# A file as the OpenTelemetry Collector's `file` exporter writes it: one ExportTraceServiceRequest per
# line, each batch grouped by resource and scope. Two services, two traces; trace 1 spans two lines.
T1, T2 = "5b8efff798038103d269b633813fc60c", "0123456789abcdef0123456789abcdef"
COLLECTOR_LINES = [
    {"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "frontend"}},
                                     {"key": "deployment.environment", "value": {"stringValue": "dev"}}]},
         "scopeSpans": [{"scope": {"name": "opentelemetry.instrumentation.flask", "version": "0.48b0"},
                         "spans": [{"traceId": T1, "spanId": "eee19b7ec3c1b174", "parentSpanId": "",
                                    "name": "GET /ask", "kind": 2,
                                    "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000003000000000",
                                    "attributes": [{"key": "http.status_code", "value": {"intValue": "200"}}],
                                    "status": {}}]}],
         "schemaUrl": "https://opentelemetry.io/schemas/1.21.0"},
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "llm-gateway"}}]},
         "scopeSpans": [{"scope": {"name": "openinference.instrumentation.openai"},
                         "spans": [{"traceId": T1, "spanId": "eee19b7ec3c1b175", "parentSpanId": "eee19b7ec3c1b174",
                                    "name": "ChatCompletion", "kind": 3,
                                    "startTimeUnixNano": "1700000000500000000", "endTimeUnixNano": "1700000002500000000",
                                    "attributes": [
                                        {"key": "openinference.span.kind", "value": {"stringValue": "LLM"}},
                                        {"key": "llm.model_name", "value": {"stringValue": "gpt-4o-mini"}},
                                        {"key": "llm.token_count.prompt", "value": {"intValue": 1200}},
                                        {"key": "llm.token_count.completion", "value": {"intValue": "80"}},
                                        {"key": "llm.token_count.prompt_details.cache_read", "value": {"intValue": "1000"}}],
                                    "events": [{"timeUnixNano": "1700000001000000000", "name": "first_token",
                                                "attributes": []}],
                                    "status": {"code": 1}}]}]}]},
    {"resourceSpans": [
        {"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "frontend"}}]},
         "scopeSpans": [{"scope": {"name": "manual"},
                         "spans": [{"traceId": T2, "spanId": "1111111111111111", "parentSpanId": "",
                                    "name": "GET /health", "kind": "SPAN_KIND_SERVER",
                                    "startTimeUnixNano": "1700000100000000000", "endTimeUnixNano": "1700000100001000000",
                                    "status": {"code": "STATUS_CODE_ERROR", "message": "503"}}]},
                        {"scope": {"name": "opentelemetry.instrumentation.flask"},
                         "spans": [{"traceId": T1, "spanId": "eee19b7ec3c1b176", "parentSpanId": "eee19b7ec3c1b174",
                                    "name": "render", "kind": 1,
                                    "startTimeUnixNano": "1700000002600000000", "endTimeUnixNano": "1700000002900000000"}]}]}]},
]  # fmt: skip


@pytest.fixture
def collector_file(tmp_path):
    path = tmp_path / "otel-traces.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in COLLECTOR_LINES), encoding="utf-8")
    return path


def test_collector_file_exporter_output_loads_with_every_trace(collector_file):
    snapshots = load_snapshots(collector_file)
    assert [s.trace_id_hex for s in snapshots] == [T1, T2]  # order of first appearance
    first = snapshots[0]
    assert first.name == "GET /ask" and first.root_span_id == 0xEEE19B7EC3C1B174
    assert {s.name for s in first.spans} == {
        "GET /ask",
        "ChatCompletion",
        "render",
    }  # across lines and resources
    assert first.duration_ns == 3_000_000_000
    llm = next(s for s in first.spans if s.name == "ChatCompletion")
    assert (
        llm.attributes["llm.token_count.prompt"] == 1200 and llm.kind is SpanKind.CLIENT and llm.status == OK
    )
    assert llm.resource.attributes["service.name"] == "llm-gateway"
    assert llm.scope.name == "openinference.instrumentation.openai"
    assert llm.events[0].name == "first_token"
    second = snapshots[1]
    assert second.spans[0].status == ERROR and second.spans[0].status_message == "503"
    assert second.spans[0].kind is SpanKind.SERVER


def test_pretty_printed_requests_written_back_to_back_load_like_json_lines(tmp_path, collector_file):
    # `jq . otel-traces.jsonl > pretty.json`: read line by line, it was called "truncated".
    path = tmp_path / "pretty.json"
    path.write_text("".join(json.dumps(line, indent=2) + "\n" for line in COLLECTOR_LINES), encoding="utf-8")
    assert load_snapshots(path) == load_snapshots(collector_file)
    error = bad(tmp_path, path.read_text(encoding="utf-8")[:-40], "cut.json")  # the second one cut short
    second_starts_on = json.dumps(COLLECTOR_LINES[0], indent=2).count("\n") + 2
    assert error.problem.startswith(f"line {second_starts_on}:") and "truncated" in error.problem


def test_null_attribute_values_are_unset_as_protobuf_reads_them(tmp_path):
    # {"stringValue": null} loaded as the text "None"; {"value": null} was refused.
    request = snapshot_to_otlp(snapshot(span(1, 0, 0, 1, "root")))
    attributes = request["resourceSpans"][0]["scopeSpans"][0]["spans"][0].setdefault("attributes", [])
    attributes += [
        {"key": "text", "value": {"stringValue": None}},
        {"key": "nothing", "value": None},
        {"key": "kept", "value": {"stringValue": None, "intValue": "7"}},
    ]
    path = tmp_path / "nulls.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    root = load_snapshot(path).spans[0]
    assert "text" not in root.attributes and "nothing" not in root.attributes
    assert root.attributes["kept"] == 7


def test_several_traces_load_the_latest_unless_one_is_named(collector_file):
    latest = load_snapshot(collector_file)
    assert latest.trace_id_hex == T2  # its root started last
    assert any("holds 2 traces" in note and "trace_id=" in note for note in latest.notes)
    chosen = load_snapshot(collector_file, trace_id=T1.upper())
    assert chosen.trace_id_hex == T1 and not chosen.notes
    with pytest.raises(TraceFileError, match="no trace 'ffff'"):
        load_snapshot(collector_file, trace_id="ffff")


def test_snake_case_fields_base64_ids_and_partial_traces_load(tmp_path):
    # protobuf JSON parsers accept the proto field names; some producers write ids in base64.
    document = {"resource_spans": [{"resource": {}, "scope_spans": [{"scope": {"name": "x"}, "spans": [
        {"trace_id": "W47/95gDgQPSabYzgT/GDA==", "span_id": "7uGbfsPBsXU=", "parent_span_id": "7uGbfsPBsXQ=",
         "name": "child-of-missing-parent", "start_time_unix_nano": 5, "end_time_unix_nano": 9}]}]}]}  # fmt: skip
    path = tmp_path / "snake.json"
    path.write_text(json.dumps(document))
    loaded = load_snapshot(path)
    assert loaded.trace_id_hex == T1
    assert loaded.root_span_id == 0xEEE19B7EC3C1B175  # parent not in the file: it is the root
    assert loaded.spans[0].parent_id == 0xEEE19B7EC3C1B174 and loaded.duration_ns == 4


def bad(tmp_path, content: str | bytes, name: str = "bad.json"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(TraceFileError) as error:
        load_snapshot(path)
    assert str(path) in str(error.value)
    return error.value


def test_truncated_file_says_so(tmp_path):
    good = save_snapshot(rich_snapshot(), tmp_path / "good.json").read_text()
    error = bad(tmp_path, good[: len(good) // 2])
    assert "truncated" in error.problem
    lines = "".join(json.dumps(line) + "\n" for line in COLLECTOR_LINES)
    error = bad(tmp_path, lines[:-40], "cut.jsonl")
    assert error.problem.startswith("line 2:") and "truncated" in error.problem


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("", "the file is empty"),
        ("   \n", "the file is empty"),
        ("hello there", "not valid JSON"),
        (b"\x0a\x8f\x01\xff\xfe", "not a text file"),
        ('{"resourceLogs": []}', "not OTLP trace data: no 'resourceSpans' (top-level keys: resourceLogs)"),
        ("[1, 2]", "expected a JSON object, found list"),
        ('{"resourceSpans": {}}', "'resourceSpans' must be a list"),
        ('{"resourceSpans": []}', "the file holds no spans"),
        ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "zz", "spanId": "0000000000000001"}]}]}]}',
         "resourceSpans[0].scopeSpans[0].spans[0]: traceId 'zz' is not 32 hex digits"),
        ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "' + T1 + '", "spanId": "0000000000000001"}]}]}]}',
         "startTimeUnixNano is missing"),
        ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "' + T1 + '", "spanId": "0000000000000001", '
         '"startTimeUnixNano": "soon"}]}]}]}', "startTimeUnixNano must be an integer, found 'soon'"),
        ('{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "' + T1 + '", "spanId": "0000000000000001", '
         '"startTimeUnixNano": "1", "attributes": [{"key": "k", "value": {"intValue": "x"}}]}]}]}]}',
         "attributes[0] (k): intValue must be an integer"),
    ],
)  # fmt: skip
def test_wrong_files_give_a_clear_trace_file_error(tmp_path, content, fragment):
    error = bad(tmp_path, content)
    assert fragment in str(error)
    assert error.__cause__ is None and (
        error.__context__ is None or error.__suppress_context__
    )  # no deep traceback


def test_missing_file(tmp_path):
    with pytest.raises(TraceFileError, match="No such file"):
        load_snapshot(tmp_path / "nowhere.json")


def test_another_producers_trace_renders_with_tokens_cost_and_critical_path(collector_file):
    from datapizza_tracing.analysis.critical_path import critical_path
    from tests.support.rendering import terminal_text

    snap = load_snapshot(collector_file, trace_id=T1)
    text = terminal_text(snap, width=140)
    # OpenInference usage: 1,200 prompt (1,000 of them cached) + 80 completion tokens of gpt-4o-mini.
    assert "$0.000153" in text  # (200 * 0.15 + 1000 * 0.075 + 80 * 0.60) / 1e6
    # ChatCompletion ended at 2.5 s, before render started at 2.6 s: both are on the path.
    assert [span.name for span in critical_path(snap)] == ["GET /ask", "ChatCompletion", "render"]
    assert "Critical path: GET /ask → ChatCompletion" in text


@needs_fifo
def test_a_fifo_is_refused_at_once_not_waited_on(tmp_path):
    fifo = tmp_path / "trace.json"
    os.mkfifo(fifo)
    with pytest.raises(TraceFileError, match=r"it is a FIFO \(named pipe\), not a regular file"):
        bounded_call(lambda: load_snapshot(fifo), fifo)


def test_a_folder_is_refused_as_not_a_regular_file(tmp_path):
    with pytest.raises(TraceFileError) as error:
        load_snapshot(tmp_path)
    assert str(tmp_path) in str(error.value)


@pytest.mark.parametrize("mask_secrets", [True, False])
def test_the_note_on_how_a_file_was_loaded_is_not_saved_into_a_new_file(
    tmp_path, collector_file, mask_secrets
):
    latest = load_snapshot(collector_file)
    (load_note,) = latest.notes
    own = dataclasses.replace(latest, notes=(load_note, "a note of the block"))
    save_snapshot(own, tmp_path / "one.json", mask_secrets=mask_secrets)
    assert load_snapshot(tmp_path / "one.json").notes == ("a note of the block",)
