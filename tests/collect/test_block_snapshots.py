"""What a live view reads while other threads write: nothing missed, nothing twice."""

from __future__ import annotations

import threading
import time

from datapizza_tracing import ContextTracing
from tests.support.handle_spans import TRACER

WRITERS = 3
SPANS_PER_WRITER = 1_500
READ_FOR_S = 1.5


def test_live_snapshots_never_lose_or_repeat_a_span_that_ends_while_they_are_taken() -> None:
    # A span that ends between the moment a snapshot reads the finished spans and
    # the moment it reads the running ones must still be in it, exactly once.
    def write() -> None:
        for _ in range(SPANS_PER_WRITER):
            with TRACER.start_as_current_span("outer"):
                with TRACER.start_as_current_span("inner"):
                    time.sleep(0.0001)  # a GIL switch inside, so ends interleave with reads

    shrank = repeated = snapshots = 0
    with ContextTracing().trace("live") as handle:
        writers = [threading.Thread(target=write) for _ in range(WRITERS)]
        for writer in writers:
            writer.start()
        previous = 0
        deadline = time.monotonic() + READ_FOR_S
        while time.monotonic() < deadline and any(writer.is_alive() for writer in writers):
            spans = handle.snapshot().spans
            ids = {span.span_id for span in spans}
            repeated += len(ids) != len(spans)
            shrank += len(spans) < previous  # spans only ever start or end: the count never drops
            previous = len(spans)
            snapshots += 1
        for writer in writers:
            writer.join(60)

    assert snapshots > 20  # enough reads to have overlapped many span ends
    assert (shrank, repeated) == (0, 0)
    assert handle.summary().total_spans == 1 + WRITERS * SPANS_PER_WRITER * 2
