"""The seed's exporter snippets next to the in-memory view, in either order, and a dead endpoint.

Each scenario runs in its own interpreter (``provider_scenarios.py``): the
global provider can be set once per process.
"""

from __future__ import annotations

from tests.support.scenario_process import run_provider_scenario

BLOCK_SPANS = ["answer", "load", "parse"]
OVERRIDE_LOG = "Overriding of current TracerProvider is not allowed"


def test_exporters_set_up_before_the_first_trace_receive_the_block_and_the_view_still_works() -> None:
    run = run_provider_scenario("exporters_before_first_trace")

    block = run["block"]
    expected = sorted(["before", *BLOCK_SPANS])
    assert block["names"] == expected
    assert block["total_spans"] == 4
    # The user's provider was reused: its resource is on the spans.
    assert block["services"] == ["seed-service"]
    # Simple, console and batch (60 s delay: flushed when the block ended) all got the block.
    assert run["exported"] == {"simple": expected, "batch": expected, "console": expected}
    assert run["warnings"] == []


def test_provider_set_after_the_first_trace_warns_once_and_exporters_added_in_place_still_work() -> None:
    run = run_provider_scenario("exporters_after_first_trace")

    setup_warnings = [w for w in run["warnings"] if w["category"] == "TracingSetupWarning"]
    assert len(setup_warnings) == 1, run["warnings"]
    message = setup_warnings[0]["message"]
    # It says what happened and what to do instead.
    assert "set only once" in message
    assert "trace.get_tracer_provider().add_span_processor(" in message
    assert "OTEL_SERVICE_NAME" in message
    assert "before the first trace()" in message
    # It points at the user's set_tracer_provider line, not at logging internals.
    assert setup_warnings[0]["filename"].endswith("provider_scenarios.py")
    # OpenTelemetry's own terse log line is replaced, not printed next to the warning.
    assert OVERRIDE_LOG not in run.stderr

    expected = sorted(["after", *BLOCK_SPANS])
    assert run["block"]["names"] == expected
    assert run["exported"] == {"simple": expected, "batch": expected, "console": expected}
    # Exporters added later see nothing of the block that ran before them.
    assert run["first_exported"] == {"simple": [], "batch": [], "console": []}
    assert run["first"]["names"] == sorted(["first", *BLOCK_SPANS])


def test_a_dead_exporter_endpoint_never_breaks_the_traced_code_and_the_block_ends_in_bounded_time() -> None:
    # OTLP/HTTP (batch, retrying for up to 10 s) and Zipkin (simple) both
    # point at a closed loopback port; the end-of-block flush may wait 300 ms.
    run = run_provider_scenario(
        "dead_endpoint", env={"DATAPIZZA_TRACING_FLUSH_TIMEOUT_MS": "300"}, timeout_s=60
    )

    assert run["value"] == 45
    assert run["block"]["names"] == ["dead endpoint", "work"]
    assert run["block"]["total_spans"] == 2
    # Without the bound the block would wait for the exporter's retries (3 s or more).
    assert run["elapsed_s"] < 1.5, run["elapsed_s"]
