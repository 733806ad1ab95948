"""``load()`` over generated OTLP JSON, valid and corrupted: it returns a handle or raises
``TraceFileError``, never anything else and never hangs; what it returns shows and renders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given

from datapizza_tracing import TraceFileError, load
from datapizza_tracing.storage.files import save_snapshot
from tests.support.hostile import PROPERTY, corrupted_documents, snapshot_of, span_records, valid_documents
from tests.support.html_check import assert_safe
from tests.support.rendering import report_html, terminal_text

# A hang inside an example would be retried by Hypothesis's shrinker forever: the thread method ends the
# run instead (the default signal method's failure is caught and shrunk like any other).
pytestmark = pytest.mark.timeout(300, method="thread")


@pytest.fixture(scope="module")
def trace_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("load_properties") / "trace.json"


def _load_and_show(path: Path, text: str):
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        handle = load(path)
    except TraceFileError as error:
        assert str(path) in str(error)
        return None
    snapshot = handle.snapshot()
    terminal_text(snapshot)
    assert_safe(report_html(snapshot))
    return handle


@PROPERTY
@given(doc=valid_documents())
def test_every_document_save_writes_loads_and_renders(trace_file: Path, doc) -> None:
    handle = _load_and_show(trace_file, json.dumps(doc, allow_nan=True))
    assert handle is not None
    written = sum(len(scope["spans"]) for rs in doc["resourceSpans"] for scope in rs["scopeSpans"])
    assert handle.summary().total_spans == written


@PROPERTY
@given(text=corrupted_documents())
def test_a_corrupted_document_loads_or_raises_trace_file_error_and_nothing_else(
    trace_file: Path, text
) -> None:
    _load_and_show(trace_file, text)


@pytest.mark.slow
@PROPERTY.__class__(PROPERTY, max_examples=600)
@given(text=corrupted_documents())
def test_many_corrupted_documents_load_or_raise_trace_file_error(trace_file: Path, text) -> None:
    _load_and_show(trace_file, text)


@PROPERTY
@given(tree=span_records(max_spans=10))
def test_a_saved_file_of_any_span_tree_holds_no_planted_secret_and_loads_back(trace_file: Path, tree) -> None:
    spans, secrets = tree
    text = save_snapshot(snapshot_of(spans), trace_file).read_text(encoding="utf-8")
    for secret in secrets:
        assert secret not in text
    assert load(trace_file).summary().total_spans >= 1
