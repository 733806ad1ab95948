"""How a family of span names reads in the time table and in a folded row of the tree."""

from __future__ import annotations

from datapizza_tracing.analysis.names import family_label, name_family
from tests.support.records import snapshot, span
from tests.support.rendering import terminal_text


def test_one_name_reads_as_itself_however_many_numbers_it_holds() -> None:
    # It read "chat gpt-#o-#-#-#": a family label for a family of one name.
    assert family_label(["chat gpt-4o-2024-08-06"] * 3) == "chat gpt-4o-2024-08-06"
    assert family_label(["GET /api/v2/users/42"]) == "GET /api/v2/users/42"


def test_names_differing_by_one_number_read_as_a_range_and_others_with_hashes() -> None:
    assert family_label(["step 9", "step 10", "step 1"]) == "step 1 … step 10"
    assert family_label(["chunk_0007", "chunk_0012"]) == "chunk_7 … chunk_12"
    assert family_label(["page 0", "page 00"]) == "page 0"  # one number written two ways
    assert family_label(["GET /v1/users/7", "GET /v2/users/8"]) == "GET /v#/users/#"
    assert family_label([]) == ""


def test_a_number_longer_than_int_reads_is_compared_and_shown_whole() -> None:
    # int() refuses more than 4,300 digits: the report raised ValueError and showed nothing.
    huge = "9" * 5_000
    assert family_label([f"item {huge}", "item 12", "item 3"]) == f"item 3 … item {huge}"
    assert name_family(f"item {huge}") == "item #"


def test_a_trace_of_spans_named_with_huge_numbers_still_prints() -> None:
    names = [f"item {digit * 4_400}" for digit in "123"]
    spans = [span(1, 0, 0, 4, "block"), *(span(2 + at, 1, at, at + 1, name) for at, name in enumerate(names))]
    text = terminal_text(snapshot(*spans), width=80)
    assert "Time by span name" in text and "item 111" in text
