"""A snapshot as a pandas DataFrame, one row per span (pandas is optional)."""

from __future__ import annotations

from typing import Any

from ..model.snapshot import TraceSnapshot
from .cost import price_of, price_table
from .counting import snapshot_calls
from .summary import TokenUsage
from .vocabulary import llm_call, model_name, span_kind

_STATUS = ("UNSET", "OK", "ERROR")
COLUMNS = (
    "trace_id", "span_id", "parent_id", "name", "kind", "start", "end", "duration_s",
    "status", "status_message", "model", "prompt_tokens", "completion_tokens",
    "cached_tokens", "thinking_tokens", "cache_write_tokens", "cost_usd", "counted", "attributes",
)  # fmt: skip


def spans_dataframe(snapshot: TraceSnapshot) -> Any:
    """Ids in hex, times as UTC timestamps, token columns filled on spans that report usage.

    ``counted`` marks the calls the summary counts (innermost report wins), so
    ``df[df.counted].prompt_tokens.sum()`` matches the token table.
    """
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("to_dataframe() needs pandas, which is not installed: pip install pandas") from None
    prices, _ = price_table()
    counted = snapshot_calls(snapshot)
    rows = []
    for span in snapshot.spans:
        call = llm_call(span.attributes)
        price = price_of(call.model, prices) if call is not None else None
        cost = None
        if call is not None and price is not None:
            cost = price.cost(TokenUsage.of(call))
        rows.append(
            {
                "trace_id": format(span.trace_id or snapshot.trace_id, "032x"),
                "span_id": format(span.span_id, "016x"),
                "parent_id": format(span.parent_id, "016x") if span.parent_id else None,
                "name": span.name,
                "kind": span_kind(span.attributes),
                "start": span.start_ns,
                "end": span.end_ns,
                "duration_s": span.duration_ns(span.start_ns) / 1e9 if span.end_ns is not None else None,
                "status": _STATUS[span.status],
                "status_message": span.status_message,
                "model": call.model if call is not None else model_name(span.attributes),
                "prompt_tokens": call.prompt_tokens if call is not None else None,
                "completion_tokens": call.completion_tokens if call is not None else None,
                "cached_tokens": call.cached_tokens if call is not None else None,
                "thinking_tokens": call.thinking_tokens if call is not None else None,
                "cache_write_tokens": call.cache_write_tokens if call is not None else None,
                "cost_usd": cost,
                "counted": span.span_id in counted,
                "attributes": dict(span.attributes),
            }
        )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    # A file may hold times pandas cannot represent (past the year 2262): those read NaT.
    frame["start"] = pd.to_datetime(frame["start"], unit="ns", utc=True, errors="coerce")
    frame["end"] = pd.to_datetime(frame["end"], unit="ns", utc=True, errors="coerce")
    for column in (
        "prompt_tokens",
        "completion_tokens",
        "cached_tokens",
        "thinking_tokens",
        "cache_write_tokens",
    ):
        frame[column] = frame[column].astype("Int64")
    return frame
