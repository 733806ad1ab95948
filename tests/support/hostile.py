"""Hypothesis strategies for hostile input: span trees with arbitrary text, OTLP JSON valid and corrupted.

``PROPERTY`` is the settings every property test here starts from: derandomized
and without an example database, so a CI run is the same run every time, with
a deadline per example far above what one example takes (milliseconds): it only
catches a hang. Heavier variants are marked ``slow`` by the tests themselves.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from datapizza_tracing.model.record import ERROR, OK, UNSET, SpanEvent, SpanRecord
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.storage.otlp_encode import snapshot_to_otlp

PROPERTY = settings(
    max_examples=30,
    deadline=10_000,  # ms: an example takes milliseconds; this is a hang guard, not a benchmark
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C
BASE_NS = 1_700_000_000 * 1_000_000_000

# Text a hostile span name, model id or message may hold: terminal escapes (CSI, OSC title, OSC 8
# hyperlink), BEL, a C1 CSI, bidirectional overrides, HTML and rich markup.
HOSTILE_PIECES = (
    "\x1b[2J",
    "\x1b]0;pwned\x07",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x07",
    "\x9b31m",
    "\u202e",
    "\u2066",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "&amp;",
    "[bold red]markup[/]",
    "\n",
    "\r",
    "\t",
    "\x00",
)
# What a terminal must never receive raw: C0 controls but the newline, DEL, C1, bidi overrides and isolates.
RAW_TERMINAL_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# In HTML, tabs and newlines are layout; every other control character must have been made visible.
RAW_HTML_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

hostile_text = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(HOSTILE_PIECES)), max_size=4).map(
    "".join
)

# Secrets, each unique to its example so that finding it in an output is never a coincidence.
_SECRET_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
secret_token = st.text(_SECRET_CHARS, min_size=24, max_size=24).map(lambda s: "Zq" + s)
SECRET_KEYS = ("api_key", "http.request.header.authorization", "password", "OPENAI_API_KEY", "x-auth-token")


EXTRAS = ["secret key", "bearer", "secret in text", "nested secret", "call", "event"]


@st.composite
def secret_in_text(draw: st.DrawFn, secrets: list[str], texts: st.SearchStrategy[str]) -> str:
    """A credential where captured input/output or a log line carries it: inside JSON, a connection
    string, a Basic header, a key=value pair, or as a cloud key. The secret is added to ``secrets``.
    """
    shape = draw(st.sampled_from(["json", "url", "basic", "pair", "aws", "google"]))
    before, after, token = draw(texts), draw(texts), draw(secret_token)
    if shape == "basic":
        token = base64.b64encode(f"app:{token}".encode()).decode()
    elif shape == "aws":
        token = "AKIA" + draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16))
    elif shape == "google":
        token = "AIza" + draw(st.text(_SECRET_CHARS + "_-", min_size=35, max_size=35))
    secrets.append(token)
    if shape == "json":
        field = draw(st.sampled_from(["api_key", "password", "client_secret", "access_token"]))
        body = json.dumps({"model": "gpt-4o-mini", field: token, "messages": [{"role": "user"}]})
        return draw(st.sampled_from([body, json.dumps(json.loads(body), indent=2)]))
    if shape == "url":
        scheme = draw(st.sampled_from(["postgres", "postgresql+psycopg", "mysql", "redis", "amqp"]))
        return f"{before} {scheme}://app:{token}@db.internal:5432/orders {after}"
    if shape == "basic":
        return f"{before} Authorization: Basic {token} {after}"
    if shape == "pair":
        return f"{before} password={token}&user=app {after}"
    return f"{before} key {token} {after}"


@st.composite
def span_records(draw: st.DrawFn, max_spans: int = 25) -> tuple[list[SpanRecord], list[str]]:
    """Spans with ids from a small pool (repeats happen), parents anywhere (cycles happen),
    arbitrary text everywhere, some model calls, and planted secrets (returned too).

    The texts of one example are drawn once into a small pool that every span picks from: drawing
    fresh text for every field of every span made generation, not rendering, the cost of a run.
    """
    texts = st.sampled_from(draw(st.lists(hostile_text, min_size=1, max_size=6)))
    scalars = st.one_of(
        texts, st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=True, allow_infinity=True), st.booleans()
    )
    values = st.one_of(scalars, st.lists(scalars, max_size=3).map(tuple))
    count = draw(st.integers(1, max_spans))
    ids = st.integers(1, count + 3)
    secrets: list[str] = []

    def planted() -> str:
        secret = draw(secret_token)
        secrets.append(secret)
        return secret


    spans: list[SpanRecord] = []
    for index in range(count):
        start = BASE_NS + draw(st.integers(0, 10**10))
        attributes: dict[str, Any] = draw(st.dictionaries(texts, values, max_size=2))
        extras = draw(st.sets(st.sampled_from(EXTRAS), max_size=4))
        if "secret key" in extras:
            attributes[draw(st.sampled_from(SECRET_KEYS))] = planted()
        if "bearer" in extras:
            attributes["output"] = f"{draw(texts)} Bearer {planted()} {draw(texts)}"
        if "secret in text" in extras:
            attributes[draw(st.sampled_from(["input", "output", "db.statement", "note"]))] = draw(
                secret_in_text(secrets, texts)
            )
        if "nested secret" in extras:
            header = draw(st.sampled_from(["Authorization", "x-api-key", "Cookie"]))
            attributes["http"] = {"headers": {header: planted(), "accept": draw(texts)}}
        if "call" in extras:
            attributes.update(
                {
                    "type": "generation",
                    "model_name": draw(st.sampled_from(["gpt-4o-mini", "o4-mini"]) | texts),
                    "prompt_tokens_used": draw(st.integers(0, 10**6)),
                    "completion_tokens_used": draw(st.integers(0, 10**6)),
                }
            )
        status = draw(st.sampled_from([UNSET, OK, ERROR]))
        message = None
        if status == ERROR:
            message = draw(texts) + (f" sk-{planted()}" if draw(st.booleans()) else "")
        event = SpanEvent(draw(texts), start + 1_000, draw(st.dictionaries(texts, values, max_size=2)))
        spans.append(
            SpanRecord(
                name=draw(texts),
                span_id=draw(ids) if index else 1,
                parent_id=0 if index == 0 else draw(st.one_of(st.just(1), st.just(0), ids)),
                start_ns=start,
                end_ns=draw(st.one_of(st.none(), st.integers(start - 10**6, start + 10**10))),
                status=status,
                status_message=message,
                attributes=attributes,
                events=(event,) if "event" in extras else (),
                trace_id=TRACE_ID,
            )
        )
    # The shapes that hung the walks: a span repeated under its own id as its own parent (inside the
    # original's time, so a critical path walks into it), and two spans naming each other as parent.
    for shape in draw(st.sets(st.sampled_from(["self-parent copy", "two-span cycle"]), max_size=2)):
        first, second = draw(st.sampled_from(spans)), draw(st.sampled_from(spans))
        if shape == "self-parent copy":
            end = first.end_ns if first.end_ns is not None else first.start_ns + 10**6
            copy = first._replace(name="copy", parent_id=first.span_id, start_ns=first.start_ns, end_ns=end)
            spans.insert(draw(st.integers(1, len(spans))), copy)
        elif first.span_id != second.span_id and 1 not in (first.span_id, second.span_id):
            spans[spans.index(first)] = first._replace(parent_id=second.span_id)
            spans[spans.index(second)] = second._replace(parent_id=first.span_id)
    return spans, secrets


def snapshot_of(spans: list[SpanRecord], name: str = "block") -> TraceSnapshot:
    root = spans[0]
    latest = max(span.end_ns or span.start_ns for span in spans)
    return TraceSnapshot(
        name=name,
        trace_id=TRACE_ID,
        root_span_id=root.span_id,
        spans=tuple(spans),
        start_ns=root.start_ns,
        end_ns=root.end_ns,
        taken_ns=max(latest, root.start_ns),
    )


# -- OTLP JSON documents ---------------------------------------------------------------------------------

# Field names of OTLP, so that random replacements land where the reader looks.
OTLP_KEYS = (
    "resourceSpans", "scopeSpans", "spans", "traceId", "spanId", "parentSpanId", "name", "kind",
    "startTimeUnixNano", "endTimeUnixNano", "attributes", "events", "links", "status", "code", "message",
    "key", "value", "stringValue", "intValue", "doubleValue", "boolValue", "bytesValue", "arrayValue",
    "kvlistValue", "values", "resource", "scope", "version", "schemaUrl", "timeUnixNano",
)  # fmt: skip


def _nested_value(levels: int) -> dict[str, Any]:
    """An AnyValue of ``levels`` kvlists and arrays inside each other."""
    value: dict[str, Any] = {"stringValue": "leaf"}
    for level in range(levels):
        if level % 2:
            value = {"arrayValue": {"values": [value]}}
        else:
            value = {"kvlistValue": {"values": [{"key": "k", "value": value}]}}
    return value


json_values = st.recursive(
    st.one_of(
        st.integers(1, 60).map(_nested_value),
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.sampled_from(["0000000000000001", "0af7651916cd43dd8448eb211c80319c", "", "NaN", "-1", "1e400"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(OTLP_KEYS), st.text(max_size=6)), children, max_size=3),
    ),
    max_leaves=12,
)


def _places(doc: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key-or-index) of a JSON document, iteratively."""
    stack = [doc]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            yield node, key
            stack.append(value)


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    """What ``save()`` writes, from a generated trace with unique ids (the tree itself may be odd)."""
    spans, _ = draw(span_records(max_spans=8))
    unique: dict[int, SpanRecord] = {}
    for span in spans:
        unique.setdefault(span.span_id, span)
    return snapshot_to_otlp(snapshot_of(list(unique.values())))


def _spans_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [span for rs in doc["resourceSpans"] for scope in rs["scopeSpans"] for span in scope["spans"]]


@st.composite
def _relink(draw: st.DrawFn, doc: dict[str, Any]) -> None:
    """Repeated ids and parent cycles: a span copied under its own id as its own parent, or
    a span's parent set to any span of the trace (itself or a descendant included)."""
    spans = _spans_of(doc)
    span = draw(st.sampled_from(spans))
    if draw(st.booleans()):
        copy = {**span, "parentSpanId": span["spanId"], "name": "copy"}
        spans_list = doc["resourceSpans"][0]["scopeSpans"][0]["spans"]
        spans_list.insert(draw(st.integers(0, len(spans_list))), copy)
    else:
        span["parentSpanId"] = draw(st.sampled_from(spans))["spanId"]


STRUCTURAL = ("relink", "replace", "delete")
TEXTUAL = ("truncate", "deep", "long number", "noise", "lines")


@st.composite
def corrupted_documents(draw: st.DrawFn) -> str:
    """A valid document with one to three corruptions of distinct kinds: links relinked (repeated
    ids, cycles), a value replaced by any JSON (deep AnyValues included) or a key deleted; then the
    text truncated, nested past the parser's reach, given a 5,000-digit number, noise, or repeated."""
    doc = draw(valid_documents())
    kinds = draw(st.lists(st.sampled_from(STRUCTURAL + TEXTUAL), min_size=1, max_size=3, unique=True))
    if "relink" in kinds:  # first: it needs the document's shape intact
        draw(_relink(doc))
    for kind in kinds:
        if kind in ("replace", "delete"):
            places = list(_places(doc))
            if not places:  # an earlier deletion emptied the document: nothing left to corrupt
                continue
            container, key = draw(st.sampled_from(places))
            if kind == "replace" or not isinstance(container, dict):
                container[key] = draw(json_values)
            else:
                del container[key]
    text = json.dumps(doc, allow_nan=True)
    for kind in kinds:
        if kind in TEXTUAL:
            text = draw(_text_mutation(text, kind))
    return text


def _text_mutation(text: str, kind: str) -> st.SearchStrategy[str]:
    at = st.integers(0, len(text))
    if kind == "truncate":
        return at.map(lambda i: text[:i])
    if kind == "noise":
        return st.tuples(at, st.text(max_size=3)).map(lambda p: text[: p[0]] + p[1] + text[p[0] :])
    if kind == "lines":  # JSON lines holding the same trace twice: every span id repeated
        return st.just(text + "\n" + text)
    if kind == "deep":  # arrays nested past the JSON parser's reach where a value starts (invalid after)
        values = [m.end() for m in re.finditer(r'": ', text)] or [0]
        return st.sampled_from(values).map(lambda i: text[:i] + "[" * 3_000 + "]" * 3_000 + text[i:])
    # A number (or quoted number) replaced by 5,000 digits, bare or quoted.
    numbers = [m.start() for m in re.finditer(r'(?<=": )"?-?\d', text)]
    if not numbers:
        return st.just(text)
    return st.tuples(st.sampled_from(numbers), st.booleans()).map(
        lambda p: (
            text[: p[0]]
            + ('"' + "7" * 5_000 + '"' if p[1] else "7" * 5_000)
            + re.sub(r'^"?-?\d*"?', "", text[p[0] :], count=1)
        )
    )
