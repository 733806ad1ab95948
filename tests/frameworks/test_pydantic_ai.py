"""pydantic-ai (``pydantic-ai-slim[openai]``): an agent with a tool, plain and streamed.

Its model-request spans write the OpenTelemetry GenAI names plus
``gen_ai.usage.details.reasoning_tokens`` / ``details.cache_read_tokens``; the
``invoke_agent`` span carries run totals as ``gen_ai.aggregated_usage.*``,
which is not a call.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.framework_runs import (
    CHAT_MODEL,
    CHAT_USAGE,
    assert_block_is_exactly_what_was_exported,
    assert_loopback_only,
    calls,
    run_framework,
)

# Each test starts an interpreter that imports a whole framework.
pytestmark = [pytest.mark.frameworks, pytest.mark.slow]


@pytest.mark.parametrize("scenario, root, streamed", [
    ("pydantic_ai_run", "pydantic_ai", False),
    ("pydantic_ai_stream", "pydantic_ai_stream", True),
])  # fmt: skip
def test_agent_with_a_tool_every_span_once_and_exact_tokens(scenario: str, root: str, streamed: bool) -> None:
    run = run_framework(scenario)

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter(
        {root: 1, "invoke_agent planner": 1, "chat gpt-4o-mini": 2, "execute_tool weather": 1}
    )
    agent = run.only("invoke_agent planner")
    assert run.parent_name(agent) == root
    assert all(
        run.parent_name(s) == "invoke_agent planner"
        for s in run.spans
        if s is not agent and s["name"] != root
    )
    # Two model requests (a tool call, then the answer); thinking tokens come from details.*.
    assert run.usage == {CHAT_MODEL: calls(CHAT_USAGE, 2)}
    assert run.only("execute_tool weather")["attributes"].get("gen_ai.tool.name") == "weather"
    assert (
        agent["attributes"]["gen_ai.aggregated_usage.details.reasoning_tokens"]
        == 2 * CHAT_USAGE.reasoning_tokens
    )
    assert run["output"] == "Pizza Margherita: tomato, mozzarella, basil."
    # The fake API saw a tool call round, streamed or not.
    assert [bool(r.body.get("stream")) for r in run.requests] == [streamed, streamed]
    assert [m["role"] for m in run.requests[1].body["messages"]][-1] == "tool"
    assert run["warnings"] == []


def test_a_streamed_run_with_the_openai_instrumentor_keeps_pydantic_ais_thinking_tokens() -> None:
    run = run_framework("pydantic_ai_stream_and_openai")

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    chats = [s for s in run.spans if s["name"] == "openai.chat"]
    assert [run.parent_name(s) for s in chats] == ["chat gpt-4o-mini"] * 2  # nested in pydantic-ai's
    assert not any("gen_ai.usage.reasoning.output_tokens" in s["attributes"] for s in chats)
    # Each request counted once, with the thinking tokens only pydantic-ai's span gives.
    assert run.usage == {CHAT_MODEL: calls(CHAT_USAGE, 2)}
    assert len(run.requests) == 2
