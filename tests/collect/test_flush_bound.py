"""Exporters stuck on a blackholed endpoint (accepts TCP, never answers) never hold a block end
past the bound the library controls, and are named once in a warning.

With a ``BatchSpanProcessor`` the end of a block waits for the flush at most
``DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS``, and not again while that flush is still
stuck. With a ``SimpleSpanProcessor`` every span's end exports on the thread
that ends it, which no library can bound: the warning says so and what to use.
"""

from __future__ import annotations

import pytest

from tests.support.scenario_process import REPO_ROOT, run_script

EXPORTER_SCENARIOS = REPO_ROOT / "tests" / "support" / "exporter_scenarios.py"


def _warnings_of(run, category: str) -> list[str]:
    return [w["message"] for w in run["warnings"] if w["category"] == category]


@pytest.mark.timeout(120)
def test_a_flush_stuck_from_an_earlier_block_is_not_waited_for_again_and_is_reported_once():
    run = run_script(
        EXPORTER_SCENARIOS,
        "batch_grpc_stuck",
        env={"DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS": "1000"},
        timeout_s=100,
    )
    (message,) = _warnings_of(run, "SlowExporterWarning")
    assert "did not finish flushing within 1,000 ms" in message
    assert "will not wait for it again" in message
    # The first block waited the bound; the four after it did not wait on the same stuck flush.
    skipped = [line for line in run["flush_log"] if line.startswith("not waiting")]
    assert len(skipped) == 4, run["flush_log"]
    print("block end times with a stuck gRPC exporter (s):", run["block_end_s"])


@pytest.mark.timeout(120)
def test_a_simple_span_processor_on_a_blackholed_endpoint_is_named_once_with_what_to_use_instead():
    run = run_script(
        EXPORTER_SCENARIOS,
        "simple_zipkin_stuck",
        env={"DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS": "300"},
        timeout_s=100,
    )
    (message,) = _warnings_of(run, "SlowExporterWarning")
    assert "SimpleSpanProcessor" in message and "ZipkinExporter" in message
    assert "BatchSpanProcessor" in message
    assert "more than DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS (300 ms)" in message
    print("block end times with a stuck Zipkin exporter behind SimpleSpanProcessor (s):", run["block_end_s"])
