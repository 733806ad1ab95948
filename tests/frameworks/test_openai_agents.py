"""openai-agents bridged to OpenTelemetry by ``openinference-instrumentation-openai-agents``.

openai-agents has a tracing pipeline of its own whose default processor uploads
traces to OpenAI. The bridge replaces it; the loopback guard proves no lookup
or connection beyond loopback was even attempted, and the control scenario
proves the guard catches the upload when the bridge is off.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.framework_runs import (
    RESPONSES_MODEL,
    RESPONSES_USAGE,
    assert_block_is_exactly_what_was_exported,
    assert_loopback_only,
    calls,
    run_framework,
)

# Each test starts an interpreter that imports a whole framework.
pytestmark = [pytest.mark.frameworks, pytest.mark.slow]


def test_agent_with_a_tool_every_span_once_exact_tokens_and_nothing_sent_off_loopback() -> None:
    run = run_framework("openai_agents")

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter(
        {"openai_agents": 1, "Agent workflow": 2, "planner": 1, "turn": 2, "response": 2, "weather": 1}
    )
    assert run.parent_name(run.only("planner")) == "Agent workflow"
    assert run.parent_name(run.only("weather")) == "turn"
    assert all(run.parent_name(s) == "turn" for s in run.spans if s["name"] == "response")
    assert run.usage == {RESPONSES_MODEL: calls(RESPONSES_USAGE, 2)}
    assert [r.path for r in run.requests] == ["/v1/responses", "/v1/responses"]
    assert run["output"] == "Pizza Margherita: tomato, mozzarella, basil."


def test_without_the_bridge_openai_agents_tries_to_upload_and_the_guard_refuses_it() -> None:
    run = run_framework("openai_agents_default_exporter")

    # The upload to OpenAI was attempted and refused before any byte left.
    assert run["attempts"] and all(a.endswith("api.openai.com") for a in run["attempts"]), run["attempts"]
    # Its spans never reached OpenTelemetry: the block has its root only.
    assert [s["name"] for s in run.spans] == ["openai_agents_default"]
    assert run.usage == {}
    assert run["output"] == "Pizza Margherita: tomato, mozzarella, basil."
