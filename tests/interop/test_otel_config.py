"""Standard OpenTelemetry configuration, honoured when datapizza-tracing installs the provider.

Each case runs in a fresh interpreter: the provider reads these variables once,
when it is created.
"""

from __future__ import annotations

from tests.support.fake_openai import FakeOpenAI
from tests.support.scenario_process import run_client_scenario

WIDE = {"COLUMNS": "200"}  # one line per note in the printed panel


def test_service_name_and_resource_attributes_reach_every_span(fake_api: FakeOpenAI) -> None:
    run = run_client_scenario(
        "pipeline",
        fake_api.base_url,
        env={
            "OTEL_SERVICE_NAME": "pizza-kitchen",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=ci,team=dough",
        },
    )

    assert run.result["resource"]["service.name"] == "pizza-kitchen"
    assert run.result["resource"]["deployment.environment"] == "ci"
    assert run.result["resource"]["team"] == "dough"
    assert run.result["total_spans"] == 5
    assert run.usage["gpt-5-mini"]["prompt_tokens"] == 42


def test_sampler_that_drops_the_trace_gives_a_note_and_the_code_still_runs(fake_api: FakeOpenAI) -> None:
    run = run_client_scenario(
        "pipeline",
        fake_api.base_url,
        env={"OTEL_TRACES_SAMPLER": "always_off", "DATAPIZZA_TRACING_DISPLAY": "terminal", **WIDE},
    )

    assert run.result["ran"] is True
    assert len(fake_api.requests) == 1  # the client call inside the block happened
    assert run.result["total_spans"] == 0
    assert run.usage == {}
    [note] = run.result["notes"]
    assert "sampler dropped this trace" in note and "OTEL_TRACES_SAMPLER" in note
    assert run.output.count(note) == 1  # shown in the panel, once
    assert "(running)" not in run.output  # the block has ended, even with no root span recorded
    assert "Traceback" not in run.stderr


def test_sdk_disabled_gives_one_clear_message_and_the_code_still_runs(fake_api: FakeOpenAI) -> None:
    run = run_client_scenario(
        "pipeline",
        fake_api.base_url,
        env={"OTEL_SDK_DISABLED": "true", "DATAPIZZA_TRACING_DISPLAY": "terminal", **WIDE},
    )

    assert run.result["ran"] is True
    assert len(fake_api.requests) == 1
    assert run.result["total_spans"] == 0
    [note] = run.result["notes"]
    assert note.startswith("OTEL_SDK_DISABLED=true")
    assert run.output.count("OTEL_SDK_DISABLED") == 1
    assert "(running)" not in run.output
    assert run.stderr.strip() == ""  # no warnings or tracebacks on top of the message
