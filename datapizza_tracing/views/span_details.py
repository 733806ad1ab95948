"""A span's attributes and events as key/value rows: masked, cut to length, bounded per render.

Captured model input/output can be megabytes, and a trace has many spans, so
every value is cut at a length with an explicit "… (N more characters)" count,
and one ``DetailsBudget`` per render caps the characters all spans' details
together may use: past it, a span says its details were left out instead of
growing the output without bound.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..analysis.conversation import Conversation, Message, conversation
from ..analysis.errors import exception_of
from ..analysis.masking import MASK, Masker
from ..analysis.vocabulary import INPUT_KEYS, OUTPUT_KEYS
from ..model.record import SpanRecord
from .exception import ExceptionView, exception_view, masked_elided
from .text import NAME_MAX, format_duration, more_line, multi_line, one_line, shown_name, truncated

IO_KEYS = (*INPUT_KEYS, "memory", *OUTPUT_KEYS)
_IO_KEY_SET = frozenset(IO_KEYS)
IO_VALUE_LIMIT = 2_000  # characters of captured input/output shown per value
VALUE_LIMIT = 400  # characters of any other value
MAX_ROWS = 60  # attributes shown per span before "… N more attributes"
MAX_EVENTS = 20
DETAILS_BUDGET_CHARS = 450_000  # all spans' details of one render together
ROW_OVERHEAD_CHARS = 250  # the markup a renderer adds around each row's text, counted against the budget
MESSAGE_TEXT_LIMIT = 2_000  # characters of one conversation message before it folds
MESSAGES_SHOWN = 40  # per side of a conversation; the earliest are left out first
_JSON_PRETTY_MAX = 50_000  # longer JSON is shown as it came, not re-indented


@dataclass(frozen=True)
class DetailRow:
    key: str
    value: str  # empty when masked
    masked: bool = False
    more_chars: int = 0  # characters cut off the value


@dataclass(frozen=True)
class MessageView:
    role: str
    text: str  # masked, cut at MESSAGE_TEXT_LIMIT
    more_chars: int
    tool_calls: tuple[tuple[str, str], ...]  # (name, arguments), masked and cut


@dataclass(frozen=True)
class ConversationView:
    input: tuple[MessageView, ...]
    output: tuple[MessageView, ...]
    input_more: int  # earlier input messages left out


@dataclass(frozen=True)
class SpanDetails:
    label: str  # "attributes (3), events (1)"
    rows: tuple[DetailRow, ...]
    more: str | None  # "… N more attributes" / "… N more events" lines, joined
    left_out: bool = False  # the render's size budget was spent before this span
    conversation: ConversationView | None = None  # what the model saw and said, by role
    exception: ExceptionView | None = None  # the exception recorded on the span


class DetailsBudget:
    """Characters of details left for the rest of one render."""

    def __init__(self, chars: int = DETAILS_BUDGET_CHARS) -> None:
        self.left = chars

    def spend(self, chars: int) -> None:
        self.left -= chars


def value_text(value: Any, pretty_json: bool = False) -> str:
    """An attribute value as text: sequences as JSON, JSON strings re-indented when asked."""
    if isinstance(value, str):
        if pretty_json and len(value) <= _JSON_PRETTY_MAX and value[:1] in ("[", "{"):
            try:
                return json.dumps(json.loads(value), indent=2, ensure_ascii=False)
            except ValueError:
                return value
        return value
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False, default=str)
    if isinstance(value, Mapping):  # a kvlist value from a loaded file
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def details_label(span: SpanRecord) -> str:
    """ "attributes (N), events (M), exception", naming only what the span has.

    The exception event is named on its own: it is shown as an exception, not as an event row.
    """
    events = sum(1 for event in span.events if event.name != "exception")
    parts = [f"attributes ({len(span.attributes):,})"] if span.attributes or not span.events else []
    if events:
        parts.append(f"events ({events:,})")
    if events < len(span.events):
        parts.append("exception")
    return ", ".join(parts)


def _message_view(message: Message, masker: Masker) -> MessageView:
    text, more = masker.head(message.text, MESSAGE_TEXT_LIMIT)
    calls = tuple(
        (one_line(call.name), multi_line(masker.head(call.arguments, VALUE_LIMIT)[0]))
        for call in message.tool_calls
    )
    return MessageView(one_line(message.role), multi_line(text), more, calls)


def _conversation_view(captured: Conversation, masker: Masker) -> ConversationView:
    inputs = captured.input[-MESSAGES_SHOWN:]
    return ConversationView(
        tuple(_message_view(message, masker) for message in inputs),
        tuple(_message_view(message, masker) for message in captured.output[:MESSAGES_SHOWN]),
        len(captured.input) - len(inputs),
    )


def has_details(span: SpanRecord) -> bool:
    return bool(span.attributes or span.events)


def _ordered_keys(attributes: Mapping[str, Any]) -> list[str]:
    """Captured input/output first (what a reader opens a span for), then the rest as written."""
    first = [key for key in IO_KEYS if key in attributes]
    return first + [key for key in attributes if key not in _IO_KEY_SET]


def _attribute_row(key: str, value: Any, masker: Masker) -> DetailRow:
    if masker.is_secret_key(key):
        return DetailRow(shown_name(key), "", masked=True)
    is_io = key in _IO_KEY_SET
    if not isinstance(value, str):
        value = masker.mask_value(key, value)  # mappings inside are judged key by key
    text = value_text(value, pretty_json=is_io)
    limit = IO_VALUE_LIMIT if is_io else VALUE_LIMIT
    shown, more = masker.head(text, limit)
    return DetailRow(shown_name(key), multi_line(shown), more_chars=more)


def _event_value(key: str, value: Any, masker: Masker) -> str:
    if masker.is_secret_key(key):
        return MASK
    if not isinstance(value, str):
        value = masker.mask_value(key, value)  # mappings inside are judged key by key
    return masker.head(value_text(value), VALUE_LIMIT)[0]


def _event_row(span: SpanRecord, index: int, masker: Masker) -> DetailRow:
    event = span.events[index]
    at = format_duration(max(event.timestamp_ns - span.start_ns, 0) / 1e9)
    details = "; ".join(
        f"{key}={_event_value(key, value, masker)}" for key, value in event.attributes.items()
    )
    shown, more = truncated(details, IO_VALUE_LIMIT)
    name = masked_elided(event.name, NAME_MAX, masker)  # "retry with Bearer …": names carry text too
    return DetailRow(f"event {name} +{at}", multi_line(shown), more_chars=more)


def span_details(span: SpanRecord, masker: Masker, budget: DetailsBudget) -> SpanDetails:
    """The rows of one span's details, or a note that the render's budget is spent."""
    label = details_label(span)
    if budget.left <= 0:
        return SpanDetails(label, (), None, left_out=True)
    attributes = span.attributes
    keys = _ordered_keys(attributes)
    rows = [_attribute_row(key, attributes[key], masker) for key in keys[:MAX_ROWS]]
    more = []
    if len(keys) > MAX_ROWS:
        more.append(more_line(len(keys) - MAX_ROWS, "attribute"))
    # The exception event reads better as an exception (see ``exception``) than as a row of text.
    events = [i for i, event in enumerate(span.events) if event.name != "exception"]
    rows.extend(_event_row(span, index, masker) for index in events[:MAX_EVENTS])
    if len(events) > MAX_EVENTS:
        more.append(more_line(len(events) - MAX_EVENTS, "event"))
    captured = conversation(attributes)
    talk = _conversation_view(captured, masker) if captured is not None else None
    info = exception_of(span)
    spent = sum(len(row.key) + len(row.value) + ROW_OVERHEAD_CHARS for row in rows)
    if talk is not None:
        spent += sum(len(m.text) + ROW_OVERHEAD_CHARS for m in (*talk.input, *talk.output))
    budget.spend(spent)
    return SpanDetails(
        label,
        tuple(rows),
        " · ".join(more) or None,
        conversation=talk,
        exception=exception_view(info, masker) if info is not None else None,
    )
