"""Hand-built spans and snapshots for pure tests: times in whole seconds, ids small ints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from datapizza_tracing.model.record import OK, UNSET, SpanEvent, SpanRecord
from datapizza_tracing.model.snapshot import TraceSnapshot

SECOND = 1_000_000_000
BASE_NS = 1_700_000_000 * SECOND  # a realistic epoch, so times look like real ones
TRACE_ID = 0x0AF7651916CD43DD8448EB211C80319C


def span(
    span_id: int,
    parent_id: int,
    start_s: float,
    end_s: float | None,
    name: str | None = None,
    *,
    status: int = UNSET,
    message: str | None = None,
    attributes: Mapping[str, Any] | None = None,
    events: tuple[SpanEvent, ...] = (),
) -> SpanRecord:
    return SpanRecord(
        name=name or f"span-{span_id}",
        span_id=span_id,
        parent_id=parent_id,
        start_ns=BASE_NS + int(start_s * SECOND),
        end_ns=BASE_NS + int(end_s * SECOND) if end_s is not None else None,
        status=status,
        status_message=message,
        attributes=dict(attributes or {}),
        events=events,
        trace_id=TRACE_ID,
    )


def snapshot(*spans: SpanRecord, name: str = "block", root_span_id: int = 1, **extra: Any) -> TraceSnapshot:
    root = next(s for s in spans if s.span_id == root_span_id)
    end = root.end_ns
    return TraceSnapshot(
        name=name,
        trace_id=TRACE_ID,
        root_span_id=root_span_id,
        spans=tuple(spans),
        start_ns=root.start_ns,
        end_ns=end,
        **{"taken_ns": end if end is not None else max(s.end_ns or s.start_ns for s in spans), **extra},
    )


def llm(
    span_id: int,
    parent_id: int,
    start_s: float,
    end_s: float,
    model: str,
    prompt: int,
    completion: int,
    cached: int = 0,
) -> SpanRecord:
    """A datapizza-style generation span reporting one model call."""
    return span(
        span_id, parent_id, start_s, end_s, "generation", status=OK,
        attributes={
            "type": "generation", "model_name": model, "prompt_tokens_used": prompt,
            "completion_tokens_used": completion, "cached_tokens_used": cached,
        },
    )  # fmt: skip
