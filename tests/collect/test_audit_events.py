"""Tracing a span raises no audit event: an application's audit hooks (``sys.addaudithook``) see
nothing per span, tracked or not. Hooks cannot be removed once added, so the check runs in a
fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = r"""
import collections, json, sys
from opentelemetry import trace
from datapizza_tracing import ContextTracing
from datapizza_tracing.collect.provider import ensure_collector

ensure_collector()
tracer = trace.get_tracer("audit")
counts = {}
current = None

def hook(event, args):
    if current is not None:
        current[event] += 1

sys.addaudithook(hook)

def spans(count):
    for i in range(count):
        with tracer.start_as_current_span("step") as span:
            span.set_attribute("i", i)

def events_of(count, in_block):
    global current
    found = collections.Counter()
    if in_block:
        with ContextTracing().trace("block", display="off"):
            current = found
            spans(count)
            current = None
    else:
        current = found
        spans(count)
        current = None
    return dict(found)

spans(10)  # first sight of the tracer's scope and resource
print(json.dumps({
    "block_10": events_of(10, True), "block_300": events_of(300, True),
    "outside_10": events_of(10, False), "outside_300": events_of(300, False),
}))
"""


def test_no_audit_event_grows_with_the_spans_traced_in_a_block_or_outside_one() -> None:
    root = str(Path(__file__).resolve().parents[2])
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": root, "DATAPIZZA_TRACING_DISPLAY": "off", "PATH": ""},
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    # 30 times the spans, the same events: none is raised per span (``id()`` raised one for each).
    assert found["block_300"] == found["block_10"]
    assert found["outside_300"] == found["outside_10"] == {}
