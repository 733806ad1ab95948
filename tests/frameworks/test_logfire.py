"""logfire (``send_to_logfire=False``) configured before and after the first block.

Before: logfire's provider becomes the global one and the collector joins it.
After: OpenTelemetry refuses logfire's provider as the global one, logfire keeps
making its spans there, and the collector (attached to every SDK provider built
after ``import datapizza_tracing``) still sees them. logfire's OpenAI spans keep
thinking and cache figures only in the JSON of ``gen_ai.usage.raw``.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.framework_runs import (
    CHAT_MODEL,
    CHAT_USAGE,
    RESPONSES_MODEL,
    RESPONSES_USAGE,
    assert_block_is_exactly_what_was_exported,
    assert_loopback_only,
    calls,
    run_framework,
)

# Each test starts an interpreter that imports a whole framework.
pytestmark = [pytest.mark.frameworks, pytest.mark.slow]

CHAT_SPAN = "Chat Completion with {request_data[model]!r}"
RESPONSES_SPAN = "Responses API with {gen_ai.request.model!r}"


@pytest.mark.parametrize("scenario, root", [
    ("logfire_before_first_block", "logfire_before"),
    ("logfire_after_first_block", "logfire_after"),
    ("user_provider_then_logfire", "user_then_logfire"),
])  # fmt: skip
def test_every_span_once_and_exact_tokens_whichever_provider_came_first(scenario: str, root: str) -> None:
    run = run_framework(scenario)

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter(
        {root: 1, "plan the day": 1, CHAT_SPAN: 1, RESPONSES_SPAN: 1, "global tracer span": 1}
    )
    assert run.parent_name(run.only(CHAT_SPAN)) == "plan the day"
    assert run.parent_name(run.only("plan the day")) == root
    assert run.usage == {CHAT_MODEL: calls(CHAT_USAGE, 1), RESPONSES_MODEL: calls(RESPONSES_USAGE, 1)}
    # The figures really came from the raw JSON: logfire writes no other key for them.
    assert not any("reasoning" in key for key in run.only(CHAT_SPAN)["attributes"])


def test_before_the_first_block_logfire_is_the_global_provider_and_nothing_warns() -> None:
    run = run_framework("logfire_before_first_block")

    assert run["warnings"] == []
    # logfire's own exporters receive every span of the block, the root included.
    assert run["logfire_exported"] == sorted(s["name"] for s in run.spans)


def test_after_the_first_block_one_true_warning_and_logfire_exporters_see_only_its_spans() -> None:
    run = run_framework("logfire_after_first_block")

    assert run["global_provider"] == "TracerProvider"  # ours stayed global
    (warning,) = run["warnings"]
    message = warning["message"]
    assert "ignored the new ProxyTracerProvider" in message
    assert "the one datapizza-tracing installed" in message
    assert "Blocks still show the spans made through the new provider" in message
    assert "exporters added to the new one never receive them" in message
    # ... which is what happened: logfire's exporter got logfire's spans and nothing of the global provider.
    assert run["logfire_exported"] == sorted(["plan the day", CHAT_SPAN, RESPONSES_SPAN])


def test_the_users_provider_first_then_logfire_one_true_warning_naming_the_users_provider() -> None:
    run = run_framework("user_provider_then_logfire")

    (warning,) = run["warnings"]
    assert "kept its first global TracerProvider (a TracerProvider set earlier)" in warning["message"]
    assert "Blocks still show the spans made through the new provider" in warning["message"]
    # logfire's exporters get logfire's spans only; the user's provider stayed global and got the rest.
    assert run["logfire_exported"] == sorted(["plan the day", CHAT_SPAN, RESPONSES_SPAN])
