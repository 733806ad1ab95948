"""Reading the rest of a trace back from a backend at the block's end: any ``TraceReader``, never a hang.

The real Arize Phoenix is read in ``test_services.py`` (a marked stage); here the
interface itself: a reader of one's own (as a Jaeger or Tempo one would be),
an unreachable Phoenix, a reader that fails, and what is refused up front.
"""

from __future__ import annotations

import logging
import socket

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource

from datapizza_tracing import ContextTracing
from datapizza_tracing.model.record import UNSET, SpanRecord
from datapizza_tracing.remote.backends import PhoenixReader, TraceReader

pytestmark = pytest.mark.timeout(60)
tracer = trace.get_tracer(__name__)
JAEGER = Resource({"service.name": "billing"})


class RecordedBackend:
    """A backend reader of one's own: what a Jaeger or Tempo reader would return, from memory."""

    name = "Recorded"

    def __init__(self) -> None:
        self.spans: list[SpanRecord] = []
        self.asked: list[tuple[int, int]] = []

    def read(self, trace_id: int, limit: int) -> list[SpanRecord]:
        self.asked.append((trace_id, limit))
        return self.spans[:limit]


def _remote(name: str, span_id: int, parent_id: int, trace_id: int, **attributes: object) -> SpanRecord:
    return SpanRecord(
        name=name,
        span_id=span_id,
        parent_id=parent_id,
        start_ns=1,
        end_ns=2,
        status=UNSET,
        status_message=None,
        attributes=attributes,
        trace_id=trace_id,
        resource=JAEGER,
    )


def test_a_reader_of_ones_own_joins_its_spans_once() -> None:
    backend = RecordedBackend()
    assert isinstance(backend, TraceReader)
    with ContextTracing().trace("billing run", read_back=backend, max_spans=50) as handle:
        context = trace.get_current_span().get_span_context()
        with tracer.start_as_current_span("local step") as local:
            local_id = local.get_span_context().span_id
        backend.spans = [
            # The backend also holds the block's own span (it exported there too): kept once.
            _remote("local step", local_id, context.span_id, context.trace_id),
            _remote(
                "charge card",
                0xB1,
                context.span_id,
                context.trace_id,
                **{
                    "gen_ai.request.model": "gpt-4o-mini",
                    "gen_ai.usage.input_tokens": 8,
                    "gen_ai.usage.output_tokens": 2,
                },
            ),
            _remote("other trace", 0xB2, 0, context.trace_id ^ 1),  # never in this block
        ]
    spans = {span.name: span for span in handle.snapshot().spans}
    assert sorted(spans) == ["billing run", "charge card", "local step"]
    assert spans["charge card"].parent_id == context.span_id
    assert spans["charge card"].resource.attributes["service.name"] == "billing"
    assert backend.asked == [(context.trace_id, 50)]
    usage = handle.summary().usage["gpt-4o-mini"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (1, 8, 2)
    assert handle.summary().notes == ()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_phoenix_leaves_a_note_and_the_users_error_unchanged() -> None:
    reader = PhoenixReader(f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(KeyError, match="the user's own"):
        with ContextTracing().trace("phoenix down", read_back=reader) as handle:
            with tracer.start_as_current_span("work"):
                raise KeyError("the user's own")
    assert sorted(span.name for span in handle.snapshot().spans) == ["phoenix down", "work"]
    [note] = handle.summary().notes
    assert note.startswith(f"Spans could not be read back from Phoenix: Phoenix at {reader.base_url}")


def test_a_reader_that_breaks_is_noted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        name = "Broken"

        def read(self, trace_id: int, limit: int) -> list[SpanRecord]:
            raise RuntimeError("no such index")

    with caplog.at_level(logging.WARNING, logger="datapizza_tracing"):
        with ContextTracing().trace("broken reader", read_back=[Broken()]) as handle:
            pass
    assert handle.summary().notes == ("Spans could not be read back from Broken: no such index",)
    assert "reading" in caplog.text and "no such index" in caplog.text


@pytest.mark.parametrize("read_back", [object(), ["http://127.0.0.1:6006"]])
def test_what_is_not_a_reader_is_refused_before_the_body_runs(read_back: object) -> None:
    ran = []
    with pytest.raises(TypeError, match="read_back takes TraceReader objects"):
        with ContextTracing().trace("never", read_back=read_back):
            ran.append(True)
    assert ran == []


@pytest.mark.parametrize(
    ("url", "project"), [("ftp://127.0.0.1", "default"), ("http://127.0.0.1:6006", "a/b")]
)
def test_a_phoenix_reader_refuses_a_bad_url_or_project(url: str, project: str) -> None:
    with pytest.raises(ValueError):
        PhoenixReader(url, project)
