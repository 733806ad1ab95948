"""Where the time went, per span name: count, total, mean, max, errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model.record import SpanRecord
from ..model.snapshot import TraceSnapshot


@dataclass(frozen=True)
class SpanTiming:
    """All spans of one name. Durations are in seconds; running spans count up to the snapshot."""

    name: str
    count: int
    total_s: float
    max_s: float
    errors: int
    running: int = 0

    @property
    def mean_s(self) -> float:
        return self.total_s / self.count if self.count else 0.0


def span_timings(snapshot: TraceSnapshot) -> list[SpanTiming]:
    """One row per span name, the largest total time first (ties: more spans, then name).

    Totals add up the spans' own durations, so nested or parallel spans overlap:
    a parent's total includes its children's time, and ten parallel 1 s calls
    total 10 s inside a 1 s block. That is the question "which operation costs
    the most time overall"; the critical path answers "what made the block slow".
    """
    now = snapshot.end_ns or snapshot.taken_ns
    return timings_of(snapshot.spans, now)


def timings_of(spans: Iterable[SpanRecord], now_ns: int) -> list[SpanTiming]:
    # name -> [count, total_ns, max_ns, errors, running]
    acc: dict[str, list[int]] = {}
    for span in spans:
        duration = max((span.end_ns if span.end_ns is not None else now_ns) - span.start_ns, 0)
        row = acc.get(span.name)
        if row is None:
            row = acc[span.name] = [0, 0, 0, 0, 0]
        row[0] += 1
        row[1] += duration
        row[2] = max(row[2], duration)
        if span.status == 2:
            row[3] += 1
        if span.end_ns is None:
            row[4] += 1
    rows = [
        SpanTiming(name, count, total / 1e9, longest / 1e9, errors, running)
        for name, (count, total, longest, errors, running) in acc.items()
    ]
    rows.sort(key=lambda row: (-row.total_s, -row.count, row.name))
    return rows
