"""One OTLP/HTTP trace request body → ``SpanRecord``s, and the answer to send back.

Both encodings of OTLP/HTTP are read: protobuf (``application/x-protobuf``, what
OpenTelemetry's exporters send by default) through ``opentelemetry-proto``, and
JSON (``application/json``) through the same validating decoder as trace files.
A gzip body is inflated at most to the size limit, so a small compressed body
cannot grow without bound.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from ..model.record import SpanRecord
from ..storage.otlp_decode import OtlpShapeError, records_from_request

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
# Sent by a followed worker: "<trace id, 32 hex digits> <count>", the spans it dropped over the block's cap.
DROPPED_HEADER = "X-Datapizza-Tracing-Dropped-Spans"


class BodyError(ValueError):
    """A request the receiver refuses: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def inflate(body: bytes, encoding: str | None, max_bytes: int) -> bytes:
    """The body without its ``Content-Encoding``, refused past ``max_bytes`` once inflated."""
    encoding = (encoding or "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise BodyError(415, f"Content-Encoding {encoding!r} is not supported (use gzip or none)")
    inflater = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    try:
        plain = inflater.decompress(body, max_bytes + 1)
    except zlib.error as error:
        raise BodyError(400, f"the {encoding} body does not inflate: {error}") from None
    if len(plain) > max_bytes or inflater.unconsumed_tail:
        raise BodyError(413, f"the body inflates past {max_bytes:,} bytes")
    return plain


def records_from_body(body: bytes, content_type: str | None) -> list[SpanRecord]:
    """Every span of one ``ExportTraceServiceRequest``, in either encoding."""
    kind = media_type(content_type)
    if kind == JSON:
        try:
            request = json.loads(body)
        except (UnicodeDecodeError, ValueError) as error:
            raise BodyError(400, f"the body is not JSON: {error}") from None
        except RecursionError:  # arrays or objects nested deeper than the parser follows
            raise BodyError(400, "the body is not JSON the receiver reads: nested too deep") from None
    elif kind == PROTOBUF:
        request = _protobuf_as_json(body)
    else:
        raise BodyError(415, f"Content-Type {kind or 'none'!r} is not OTLP (use {PROTOBUF} or {JSON})")
    try:
        return records_from_request(request)
    except OtlpShapeError as error:
        raise BodyError(400, f"not an OTLP trace request: {error}") from None
    except RecursionError:  # a JSON value nested deeper than the decoder follows
        raise BodyError(400, "not an OTLP trace request: values nested too deep") from None


def _protobuf_as_json(body: bytes) -> dict[str, Any]:
    try:
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.message import DecodeError
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
    except ImportError:
        raise BodyError(
            415,
            f"{PROTOBUF} needs opentelemetry-proto in the receiving process "
            "(pip install 'datapizza-tracing[remote]'), or send OTLP JSON",
        ) from None
    try:
        request = ExportTraceServiceRequest.FromString(body)
        # The protobuf JSON mapping (base64 ids, int64 as strings) is what the JSON decoder reads.
        return MessageToDict(request)
    # upb stops at 100 levels with a DecodeError; the pure-Python parser may recurse, and raises
    # UnicodeDecodeError (a ValueError) on a string field that is not UTF-8.
    except (DecodeError, RecursionError, ValueError) as error:
        raise BodyError(400, f"the body is not an OTLP protobuf trace request: {error}") from None


def success_body(kind: str, rejected: int, message: str) -> bytes:
    """An ``ExportTraceServiceResponse``; ``partialSuccess`` says how many spans were refused and why."""
    partial = {"rejectedSpans": str(rejected), "errorMessage": message} if rejected or message else None
    if kind == PROTOBUF:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse

        response = ExportTraceServiceResponse()
        if partial is not None:
            response.partial_success.rejected_spans = rejected
            response.partial_success.error_message = message
        return response.SerializeToString()
    return json.dumps({"partialSuccess": partial} if partial is not None else {}).encode()
