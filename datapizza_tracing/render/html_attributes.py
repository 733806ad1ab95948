"""A span's attributes and events as a collapsed key/value table, masked, truncated and bounded.

Captured model input/output can be megabytes, and a trace has many spans, so
every value is cut at a length with an explicit "… (N more characters)" marker,
and one ``AttributeBudget`` per render caps the characters all tables together
may use: past it, spans say their details were left out instead of growing the
output without bound.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..analysis.vocabulary import INPUT_KEYS, OUTPUT_KEYS
from ..model.record import SpanRecord
from .formatting import format_duration
from .html_style import TD_LEFT, esc
from .masking import MASK, Masker

IO_KEYS = (*INPUT_KEYS, "memory", *OUTPUT_KEYS)
_IO_KEY_SET = frozenset(IO_KEYS)
IO_VALUE_LIMIT = 2_000  # characters of captured input/output shown per value
VALUE_LIMIT = 400  # characters of any other value
MAX_ROWS = 60  # attributes shown per span before "… N more attributes"
MAX_EVENTS = 20
_JSON_PRETTY_MAX = 50_000  # longer JSON is shown as it came, not re-indented


class AttributeBudget:
    """Characters of attribute HTML left for the rest of one render."""

    def __init__(self, chars: int) -> None:
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
    return str(value)


def truncated(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut at ``limit`` characters and how many characters were left out."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def _value_cell(key: str, value: Any, masker: Masker) -> str:
    if masker.is_secret_key(key):
        return f'<span class="dpt-masked">{esc(MASK)}</span>'
    is_io = key in _IO_KEY_SET
    text = value_text(value, pretty_json=is_io)
    limit = IO_VALUE_LIMIT if is_io else VALUE_LIMIT
    # Scrub a little past the cut so a credential straddling it is still caught.
    shown = masker.display_value(key, text[: limit + 64])[:limit]
    more = max(len(text) - limit, 0)
    tail = f'<span class="dpt-more">… ({more:,} more characters)</span>' if more else ""
    return f'<pre class="dpt-val">{esc(shown)}</pre>{tail}'


def _ordered_keys(attributes: Mapping[str, Any]) -> list[str]:
    """Captured input/output first (what a reader opens a span for), then the rest as written."""
    first = [key for key in IO_KEYS if key in attributes]
    return first + [key for key in attributes if key not in _IO_KEY_SET]


def _event_rows(span: SpanRecord, masker: Masker) -> list[str]:
    rows = []
    for event in span.events[:MAX_EVENTS]:
        at = format_duration(max(event.timestamp_ns - span.start_ns, 0) / 1e9)
        details = "; ".join(
            f"{key}={masker.display_value(key, truncated(value_text(value), VALUE_LIMIT)[0])}"
            if not masker.is_secret_key(key)
            else f"{key}={MASK}"
            for key, value in event.attributes.items()
        )
        rows.append(
            f"<tr>{TD_LEFT}event {esc(event.name)} +{at}</td>"
            f'{TD_LEFT}<pre class="dpt-val">{esc(truncated(details, IO_VALUE_LIMIT)[0])}</pre></td></tr>'
        )
    if len(span.events) > MAX_EVENTS:
        rows.append(f'<tr><td colspan="2" class="dpt-more">… {len(span.events) - MAX_EVENTS:,} more events</td></tr>')
    return rows


def attributes_label(span: SpanRecord) -> str:
    """"attributes (N)" plus ", events (M)" when the span has events."""
    label = f"attributes ({len(span.attributes):,})"
    return label + (f", events ({len(span.events):,})" if span.events else "")


def has_details(span: SpanRecord) -> bool:
    return bool(span.attributes or span.events)


def attributes_table(span: SpanRecord, masker: Masker, budget: AttributeBudget) -> str:
    """The key/value table of a span's attributes and events (or why it was left out)."""
    if budget.left <= 0:
        return '<div class="dpt-more">details left out: the output size cap was reached</div>'
    attributes = span.attributes
    keys = _ordered_keys(attributes)
    rows = [
        f"<tr>{TD_LEFT}{esc(key)}</td>{TD_LEFT}{_value_cell(key, attributes[key], masker)}</td></tr>"
        for key in keys[:MAX_ROWS]
    ]
    if len(keys) > MAX_ROWS:
        rows.append(f'<tr><td colspan="2" class="dpt-more">… {len(keys) - MAX_ROWS:,} more attributes</td></tr>')
    rows.extend(_event_rows(span, masker))
    table = f'<table class="dpt-table dpt-kv"><tbody>{"".join(rows)}</tbody></table>'
    budget.spend(len(table))
    return table
