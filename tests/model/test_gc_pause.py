"""The garbage collector paused around a bulk build, and always left as it was found."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from datapizza_tracing import TraceFileError
from datapizza_tracing.model.gc_pause import gc_paused
from datapizza_tracing.storage import files
from tests.support.gc_watch import gc_states_seen_by
from tests.support.records import snapshot, span


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_the_collector_is_on_again_when_the_build_raises() -> None:
    with pytest.raises(RuntimeError, match="build failed"), gc_paused():
        raise RuntimeError("build failed")
    assert gc.isenabled()


def test_a_program_that_turned_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_loading_a_file_pauses_the_collector_and_turns_it_back_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = files.save_snapshot(
        snapshot(span(1, 0, 0, 2, "block"), span(2, 1, 0.5, 1, "step")), tmp_path / "t.json"
    )
    seen = gc_states_seen_by(monkeypatch, files, "snapshots_from_records")
    assert [s.name for s in files.load_snapshots(path)] == ["block"]
    assert seen == [False] and gc.isenabled()


def test_saving_a_file_masks_and_encodes_with_the_collector_paused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    masked = gc_states_seen_by(monkeypatch, files, "mask_snapshot")
    encoded = gc_states_seen_by(monkeypatch, files, "snapshot_to_otlp")
    path = files.save_snapshot(snapshot(span(1, 0, 0, 2, "block")), tmp_path / "t.json")
    assert masked == [False] and encoded == [False] and gc.isenabled()
    assert [s.name for s in files.load_snapshots(path)] == ["block"]


def test_the_collector_is_on_again_after_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"resourceSpans": [')
    with pytest.raises(TraceFileError):
        files.load_snapshots(bad)
    assert gc.isenabled()


def test_a_snapshots_records_are_built_from_its_rows_with_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datapizza_tracing import ContextTracing
    from datapizza_tracing.model import rows
    from tests.support.handle_spans import make_span

    with ContextTracing().trace("rows", display="off") as handle:
        make_span("step")
    spans = handle.snapshot().spans
    assert isinstance(spans, rows.SpanRows)
    seen = gc_states_seen_by(monkeypatch, rows, "records_from_rows")
    assert sorted(span.name for span in spans) == ["rows", "step"]
    assert seen == [False] and gc.isenabled()
