"""A traced block as one JSON line, printed by scenario processes for the calling test."""

from __future__ import annotations

import json
from typing import Any

from datapizza_tracing import TraceHandle
from tests.support.scenario_process import RESULT_PREFIX


def plain(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return str(value)


def span_entry(span: Any) -> dict[str, Any]:
    """One OpenTelemetry ``ReadableSpan`` as plain JSON values."""
    return {
        "name": span.name,
        "trace_id": format(span.context.trace_id, "032x"),
        "span_id": format(span.context.span_id, "016x"),
        "parent_id": format(span.parent.span_id, "016x") if span.parent else None,
        "start_ns": span.start_time,
        "end_ns": span.end_time,
        "scope": span.instrumentation_scope.name if span.instrumentation_scope else None,
        "attributes": {key: plain(value) for key, value in (span.attributes or {}).items()},
    }


def usage_entry(usage: Any) -> dict[str, int]:
    return {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cached_tokens": usage.cached_tokens,
        "thinking_tokens": usage.thinking_tokens,
        "calls": usage.calls,
        "cache_write_tokens": usage.cache_write_tokens,
    }


def describe(handle: TraceHandle) -> dict[str, Any]:
    """What the calling test checks: the summary and every span of the block."""
    summary = handle.summary()
    spans = handle.get_spans()
    return {
        "trace_id": handle.trace_id,
        "total_spans": summary.total_spans,
        "notes": list(summary.notes),
        "usage": {model: usage_entry(usage) for model, usage in summary.usage.items()},
        "spans": [span_entry(span) for span in spans],
        "resource": {
            key: plain(value) for key, value in (spans[0].resource.attributes.items() if spans else ())
        },
    }


def emit(result: dict[str, Any]) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)
