"""Where the time went, per span name family: count, own time, total, mean, max, errors, model calls.

Spans are grouped by name family (``step 0`` … ``step 39`` are one row, see
``names``) and ranked by *self* time, their own time outside their children:
the root and the agent span last as long as the whole block, but they are not
where the time went. Totals add up the spans' durations, so parallel spans
overlap there; self times never do. Time a span spends holding other spans of
its own family (recursion: an agent calling itself, ``level 1`` under
``level 0``) is counted once, as profilers count recursive calls: otherwise a
3,000-level chain would add up to minutes in a block of a second. So a total
is at least the family's own time and its longest span, and at most its
summed durations; the mean is still the mean duration of one span.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

from ..model.record import ERROR, SpanRecord
from ..model.snapshot import TraceSnapshot
from ..model.span_graph import first_spans, first_spans_by_id
from .counting import snapshot_calls
from .names import family_label, name_family
from .self_time import covered_ns, self_times
from .services import other_service, own_service
from .tree import tree_children, tree_parents


@dataclass(frozen=True)
class SpanTiming:
    """All spans of one name family. Durations are in seconds; running spans count up to the snapshot."""

    name: str  # the family's label: its one name, or "first … last"
    count: int
    self_s: float
    total_s: float  # durations added up, time inside another span of the family counted once
    mean_s: float  # of one span's duration, nested ones included
    max_s: float
    errors: int
    calls: int = 0  # model calls the token table counts among these spans
    running: int = 0
    service: str | None = None  # the service that made these spans, when it is not the block's own


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
    # (service, family) -> [names, count, self_ns, summed_ns, max_ns, errors, calls, running]
    acc: dict[tuple[str | None, str], list] = {}
    members: dict[tuple[str | None, str], list[list[int]]] = {}  # the span ids of each group
    family_of: dict[tuple[int, str], tuple[str | None, str]] = {}  # group -> family
    services: dict[int, str | None] = {}  # by resource: spans of one provider share one
    for (resource, name), group in groups.items():
        service = services.get(resource, _UNSEEN)
        if service is _UNSEEN:
            service = services[resource] = other_service(group[0], own)
        family = family_of[resource, name] = (service, name_family(name))
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
        members.setdefault(family, []).append(ids)
        row[0].append(name)  # family_label reads the first name and the numbers: once each is enough
        row[1] += len(group)
        row[2] += sum(map(own_ns.__getitem__, ids))  # self_times has every span of ``first_spans``
        row[3] += sum(durations)
        row[4] = max(row[4], max(durations))
        row[5] += list(map(_STATUS, group)).count(ERROR)
        row[6] += len(calls.keys() & ids)  # one span per id: no id counted twice
        row[7] += running
    twice = _counted_twice(snapshot, acc, members, family_of)
    rows = [
        SpanTiming(
            family_label(names),
            count,
            self_ns / 1e9,
            (summed - twice.get(family, 0)) / 1e9,
            summed / count / 1e9,
            longest / 1e9,
            errors,
            n_calls,
            running,
            family[0],
        )
        for family, (names, count, self_ns, summed, longest, errors, n_calls, running) in acc.items()
    ]
    rows.sort(key=lambda row: (-row.self_s, -row.total_s, -row.count, row.name))
    return rows


def _counted_twice(
    snapshot: TraceSnapshot,
    acc: dict[tuple[str | None, str], list],
    members: dict[tuple[str | None, str], list[list[int]]],
    family_of: dict[tuple[int, str], tuple[str | None, str]],
) -> dict[tuple[str | None, str], int]:
    """Per family, the time its summed durations count twice because a span of it holds others
    of it (as the tree shows parents). Only a family with two spans or more, one of which has
    children, can: most traces have few such families, and their walk starts from the spans' parents."""
    children = tree_children(snapshot)
    by_id = first_spans_by_id(snapshot)
    holding = {
        family_of[id(span.resource), span.name] for span in map(by_id.get, children) if span is not None
    }
    twice: dict[tuple[str | None, str], int] = {}
    for family in holding:
        if acc[family][1] < 2:
            continue
        ids = {span_id for group_ids in members[family] for span_id in group_ids}
        holders = _nearest_holders(ids, tree_parents(snapshot))
        if holders:
            twice[family] = _held_time(snapshot, holders)
    return twice


def _nearest_holders(ids: set[int], parents: dict[int, int]) -> dict[int, int]:
    """Each span of ``ids`` with another span of ``ids`` above it -> the nearest such span.

    ``parents`` leads every span to the root, whose parent is 0. The walk starts from the spans'
    distinct parents (an agent's thousand calls share one) and looks at each span above once, so a
    deep chain stays linear.
    """
    nearest: dict[int, int] = {0: 0}  # a span -> the nearest span of ids at or above it, or 0
    for start in set(map(parents.__getitem__, ids)):
        path = []
        node = start
        while node not in nearest and node not in ids:
            path.append(node)
            node = parents.get(node, 0)  # 0 too for a root missing from the spans (a partial file)
        holder = node if node in ids else nearest[node]
        for above in path:
            nearest[above] = holder
        nearest[start] = holder
    if not any(nearest.values()):
        return {}
    holders = {}
    for span_id in ids:
        holder = nearest[parents[span_id]]
        if holder:
            holders[span_id] = holder
    return holders


def _held_time(snapshot: TraceSnapshot, holders: dict[int, int]) -> int:
    """For each span holding others of its family, the time they run inside it, but never more than
    its children cover: its own time stays in the total, so no family's own time exceeds its total."""
    now = snapshot.end_ns or snapshot.taken_ns
    by_id = first_spans_by_id(snapshot)
    own = self_times(snapshot)
    held: dict[int, list[SpanRecord]] = {}
    for span_id, holder in holders.items():
        held.setdefault(holder, []).append(by_id[span_id])
    twice = 0
    for holder, inside in held.items():
        span = by_id[holder]
        end = span.end_ns if span.end_ns is not None else now
        inside.sort(key=_START)
        twice += min(covered_ns(inside, span.start_ns, end, now), max(end - span.start_ns, 0) - own[holder])
    return twice
