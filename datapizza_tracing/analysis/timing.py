"""Where the time went, per span name family: count, own time, total, mean, max, errors, model calls.

Spans are grouped by name family (``step 0`` … ``step 39`` are one row, see
``names``) and ranked by *self* time, their own time outside their children:
the root and the agent span last as long as the whole block, but they are not
where the time went. Totals add up the spans' durations, so nested or
parallel spans overlap there; self times never do.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from ..model.record import ERROR, SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import first_spans
from .names import family_label, name_family
from .self_time import self_times
from .services import other_service, own_service
from .summary import snapshot_calls


@dataclass(frozen=True)
class SpanTiming:
    """All spans of one name family. Durations are in seconds; running spans count up to the snapshot."""

    name: str  # the family's label: its one name, or "first … last"
    count: int
    self_s: float
    total_s: float
    max_s: float
    errors: int
    calls: int = 0  # model calls the token table counts among these spans
    running: int = 0
    service: str | None = None  # the service that made these spans, when it is not the block's own

    @property
    def mean_s(self) -> float:
        return self.total_s / self.count if self.count else 0.0


def span_timings(snapshot: TraceSnapshot) -> list[SpanTiming]:
    """One row per name family, the largest self time first (ties: larger total, more spans, then name)."""
    return snapshot.derived("span_timings", lambda: _span_timings(snapshot))


_UNSEEN = "\0unseen"
_ID = operator.attrgetter("span_id")
_START = operator.attrgetter("start_ns")
_END = operator.attrgetter("end_ns")
_STATUS = operator.attrgetter("status")


def _span_timings(snapshot: TraceSnapshot) -> list[SpanTiming]:
    now = snapshot.end_ns or snapshot.taken_ns
    own_ns = self_times(snapshot)
    calls = snapshot_calls(snapshot)
    own = own_service(snapshot)
    # The spans of one resource (so one service) and one name together first: a trace has few such
    # groups, and every figure is a whole-number sum or a max, so adding up group by group is exact.
    # Groups come in the order of their first span, so each family's first name and rank are kept.
    groups: dict[tuple[int, str], list[SpanRecord]] = {}
    for span in first_spans(snapshot):  # a repeated id counts its earliest-started span, as in the tree
        key = (id(span.resource), span.name)
        group = groups.get(key)
        if group is None:
            groups[key] = [span]
        else:
            group.append(span)
    # (service, family) -> [names, count, self_ns, total_ns, max_ns, errors, calls, running]
    acc: dict[tuple[str | None, str], list] = {}
    services: dict[int, str | None] = {}  # by resource: spans of one provider share one
    for (resource, name), group in groups.items():
        service = services.get(resource, _UNSEEN)
        if service is _UNSEEN:
            service = services[resource] = other_service(group[0], own)
        family = (service, name_family(name))
        row = acc.get(family)
        if row is None:
            row = acc[family] = [[], 0, 0, 0, 0, 0, 0, 0]
        # Each figure of the group in C-level passes over its columns, not one Python step per span.
        ids = list(map(_ID, group))
        ends = list(map(_END, group))
        running = ends.count(None)
        if running:
            ends = [now if end is None else end for end in ends]
        durations = list(map(operator.sub, ends, map(_START, group)))
        if min(durations) < 0:
            durations = [duration if duration > 0 else 0 for duration in durations]
        row[0].append(name)  # family_label reads the first name and the numbers: once each is enough
        row[1] += len(group)
        row[2] += sum(map(own_ns.__getitem__, ids))  # self_times has every span of ``first_spans``
        row[3] += sum(durations)
        row[4] = max(row[4], max(durations))
        row[5] += list(map(_STATUS, group)).count(ERROR)
        row[6] += len(calls.keys() & ids)  # one span per id: no id counted twice
        row[7] += running
    rows = [
        SpanTiming(
            family_label(names),
            count,
            self_ns / 1e9,
            total / 1e9,
            longest / 1e9,
            errors,
            n_calls,
            running,
            service,
        )
        for (service, _), (names, count, self_ns, total, longest, errors, n_calls, running) in acc.items()
    ]
    rows.sort(key=lambda row: (-row.self_s, -row.total_s, -row.count, row.name))
    return rows
