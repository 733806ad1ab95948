"""A datapizza-ai ``Agent`` with a tool, on datapizza-ai's OpenAI client (its own spans)."""

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


def test_agent_with_a_tool_every_span_once_and_exact_tokens() -> None:
    run = run_framework("datapizza_agent")

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter(
        {"datapizza_agent": 1, "Agent planner": 1, "client.invoke": 2, "Tool weather": 1}
    )
    assert all(
        run.parent_name(s) == "Agent planner"
        for s in run.spans
        if s["name"] in ("client.invoke", "Tool weather")
    )
    assert run.usage == {RESPONSES_MODEL: calls(RESPONSES_USAGE, 2)}
    # One tool round on the Responses API: the second request carries the tool's result.
    assert [item.get("type") for item in run.requests[1].body["input"] if isinstance(item, dict)][-2:] == [
        "function_call",
        "function_call_output",
    ]
    assert run["output"] == "Pizza Margherita: tomato, mozzarella, basil."
