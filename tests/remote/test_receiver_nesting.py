"""Bodies nested deeper than the decoders follow get a 400 like other garbage, and the receiver serves on.

Deep JSON used to raise ``RecursionError`` past the decoder's handling: the connection closed with no
answer at all. Each body goes over loopback to the real receiver a block opens.
"""

from __future__ import annotations

import pytest

from tests.remote.test_receiver import _block_with_bad_input
from tests.support.otlp_client import post

pytestmark = pytest.mark.timeout(60)

PROTOBUF = "application/x-protobuf"


@pytest.fixture(autouse=True)
def _no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_REMOTE_GRACE_MS", "0")


def _varint(number: int) -> bytes:
    out = bytearray()
    while number > 0x7F:
        out.append(number & 0x7F | 0x80)
        number >>= 7
    out.append(number)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _protobuf_with_nested_attribute(trace_id: int, depth: int) -> bytes:
    """An ``ExportTraceServiceRequest`` whose one span has an attribute of ``depth`` nested arrays."""
    value = _field(1, b"leaf")  # AnyValue.string_value
    for _ in range(depth):
        value = _field(5, _field(1, value))  # AnyValue.array_value { values: [value] }
    span = (
        _field(1, trace_id.to_bytes(16, "big"))
        + _field(2, (77).to_bytes(8, "big"))
        + _field(5, b"deep")
        + _varint(7 << 3 | 1) + (1_000).to_bytes(8, "little")  # start_time_unix_nano, fixed64
        + _varint(8 << 3 | 1) + (2_000).to_bytes(8, "little")  # end_time_unix_nano
        + _field(9, _field(1, b"nested") + _field(2, value))  # attributes: KeyValue
    )
    return _field(1, _field(2, _field(2, span)))  # resource_spans { scope_spans { spans } }


# Well past the interpreter's recursion limit (1,000) whatever the receiver thread's own stack: near the
# limit, the parse succeeds or not depending on that stack (and a list is then refused as not an object).
@pytest.mark.parametrize("depth", [5_000, 200_000])
def test_json_nested_deeper_than_the_parser_reads_gets_400(depth: int) -> None:
    body = b"[" * depth + b"]" * depth
    _, [(status, answer)] = _block_with_bad_input(lambda endpoint, _: post(endpoint, body))
    assert status == 400 and b"nested too deep" in answer


def test_deep_json_inside_resource_spans_gets_400() -> None:
    body = b'{"resourceSpans": [' + b"[" * 5_000 + b"]" * 5_000 + b"]}"
    _, [(status, _)] = _block_with_bad_input(lambda endpoint, _: post(endpoint, body))
    assert status == 400


@pytest.mark.parametrize("depth", [150, 5_000])
def test_protobuf_nested_deeper_than_the_parser_reads_gets_400(depth: int) -> None:
    def send(endpoint: str, trace_id: int) -> tuple[int, bytes]:
        return post(endpoint, _protobuf_with_nested_attribute(trace_id, depth), PROTOBUF)

    _, [(status, answer)] = _block_with_bad_input(send)
    assert status == 400 and b"not an OTLP protobuf trace request" in answer


@pytest.mark.parametrize(
    "body",
    [
        b"\x0b" * 100_000,  # group starts, each one level deeper
        b"\x0a\xff\xff\xff\xff\x0f",  # a length far past the end
        _field(1, _field(2, _field(2, _field(5, b"\xff\xfe")))),  # a span name that is not UTF-8
    ],
    ids=["nested-groups", "length-past-end", "name-not-utf8"],
)
def test_malformed_protobuf_gets_400(body: bytes) -> None:
    _, [(status, _)] = _block_with_bad_input(lambda endpoint, _: post(endpoint, body, PROTOBUF))
    assert status == 400

