"""What a repeated span id means, and parent links made safe to walk (``model/span_graph.py``)."""

from __future__ import annotations

import pytest

from datapizza_tracing.model.build import snapshots_from_records
from datapizza_tracing.model.span_graph import (
    acyclic_parents,
    first_span_per_id,
    first_spans,
    first_spans_by_id,
    repeated_ids_note,
    unique_spans_by_id,
)
from tests.support.records import snapshot, span


def test_the_span_that_started_first_keeps_a_repeated_id_and_the_rest_are_counted():
    late = span(2, 1, 5, 6, "ended first, started late")  # collected spans arrive in end order
    early = span(2, 1, 1, 9, "started first")
    kept, repeated = first_span_per_id([span(1, 0, 0, 10, "root"), late, early, span(2, 2, 7, 8, "third")])
    assert [s.name for s in kept] == ["root", "started first"]
    assert repeated == 2


def test_equal_start_times_keep_the_span_seen_first():
    kept, repeated = first_span_per_id([span(2, 1, 1, 2, "a"), span(2, 1, 1, 2, "b")])
    assert [s.name for s in kept] == ["a"] and repeated == 1


def test_a_snapshots_first_spans_are_first_span_per_id_of_its_spans_and_index_them_by_id():
    spans = (span(1, 0, 0, 10, "root"), span(3, 1, 5, 6, "late"), span(2, 1, 1, 9), span(3, 1, 2, 3, "early"))
    block = snapshot(*spans)
    assert first_spans(block) == first_span_per_id(spans)[0]
    assert [s.name for s in first_spans(block)] == ["root", "span-2", "early"]
    by_id = first_spans_by_id(block)
    assert list(by_id) == [1, 2, 3] and by_id[3].name == "early"
    assert first_spans(block) is first_spans(block)  # worked out once per snapshot


def test_the_shared_index_stands_for_every_reading_of_an_id_only_when_ids_are_unique():
    unique = snapshot(span(1, 0, 0, 10, "root"), span(2, 1, 1, 9))
    assert unique_spans_by_id(unique) == {1: unique.spans[0], 2: unique.spans[1]}
    repeated = snapshot(span(1, 0, 0, 10, "root"), span(2, 1, 5, 6, "late"), span(2, 1, 1, 9, "early"))
    assert unique_spans_by_id(repeated) is None


def test_acyclic_parents_cut_each_cycle_above_its_earliest_span_and_keep_every_other_link():
    spans = [
        span(1, 0, 0, 10),
        span(2, 1, 1, 2),  # an ordinary link
        span(3, 4, 3, 4),  # 3 -> 4 -> 5 -> 3, and 4 started first
        span(4, 5, 2, 4),
        span(5, 3, 2.5, 4),
        span(6, 6, 5, 6),  # its own parent
        span(7, 99, 5, 6),  # unknown parent: kept as it is, the tree hangs it under the root
        span(8, 3, 6, 7),  # hangs off the cycle
    ]
    parents = acyclic_parents(spans)
    assert parents == {1: 0, 2: 1, 3: 4, 4: 0, 5: 3, 6: 0, 7: 99, 8: 3}


def test_acyclic_parents_ignore_the_block_roots_own_parent_link():
    # The block's root names its grandchild as parent: seen from the root there is no cycle.
    spans = [span(1, 3, 0, 10), span(2, 1, 1, 9), span(3, 2, 2, 8)]
    assert acyclic_parents(spans, root_span_id=1) == {1: 0, 2: 1, 3: 2}


@pytest.mark.timeout(10)
def test_a_file_whose_spans_repeat_an_id_loads_as_the_first_of_each_with_a_note():
    records = [
        span(1, 0, 0, 10, "root"),
        span(2, 1, 1, 5, "first"),
        span(2, 2, 2, 4, "repeat"),
        span(2, 1, 3, 4, "repeat again"),
    ]
    (snap,) = snapshots_from_records(records)
    assert [s.name for s in snap.spans] == ["root", "first"]
    assert snap.notes == (repeated_ids_note(2),)
    assert "2 spans" in snap.notes[0] and "left out" in snap.notes[0]


def test_a_trace_that_is_all_one_cycle_still_gets_a_root():
    (snap,) = snapshots_from_records([span(2, 3, 1, 4, "x"), span(3, 2, 2, 3, "y")])
    assert snap.root is not None and snap.root.name == "x"
