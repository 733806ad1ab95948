"""LangChain (``langchain-openai``) traced by ``openinference-instrumentation-langchain``.

OpenInference's LangChain tracer never makes its spans current, so with
``openinference-instrumentation-openai`` on too, the ``ChatOpenAI`` span and
the ``ChatCompletion`` span of one request are not nested (for a model inside
a chain they do not even share a parent): each request is reported twice and
must be counted once, while two identical parallel requests stay two.
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


def test_langchain_alone_every_span_once_and_exact_tokens() -> None:
    run = run_framework("langchain")

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter(
        {"langchain": 1, "ChatOpenAI": 2, "RunnableSequence": 1, "ChatPromptTemplate": 1}
    )
    assert sorted(run.parent_name(s) for s in run.spans if s["name"] == "ChatOpenAI") == [
        "RunnableSequence",
        "langchain",
    ]
    assert run.usage == {CHAT_MODEL: calls(CHAT_USAGE, 2)}
    assert len(run.requests) == 2


def test_langchain_with_the_openai_instrumentor_counts_each_request_once() -> None:
    run = run_framework("langchain_and_openai")

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter(
        {
            "langchain_and_openai": 1,
            "ChatOpenAI": 2,
            "ChatCompletion": 2,
            "RunnableSequence": 1,
            "ChatPromptTemplate": 1,
        }
    )
    # Siblings, not nested: the openai spans hang under the block's root, whatever the LangChain parent.
    assert [run.parent_name(s) for s in run.spans if s["name"] == "ChatCompletion"] == [
        "langchain_and_openai"
    ] * 2
    reports = [s for s in run.spans if "llm.token_count.prompt" in s["attributes"]]
    assert len(reports) == 4  # four usage reports ...
    assert run.usage == {CHAT_MODEL: calls(CHAT_USAGE, 2)}  # ... of two requests
    assert len(run.requests) == 2


def _overlap(a: dict, b: dict) -> bool:
    return a["start_ns"] < b["end_ns"] and b["start_ns"] < a["end_ns"]


def test_two_identical_parallel_requests_stay_two_calls() -> None:
    # Each answer waits 300 ms, so the two requests surely run at the same time.
    run = run_framework("langchain_and_openai_parallel", latency_s=0.3)

    assert_loopback_only(run)
    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter({"langchain_parallel": 1, "ChatOpenAI": 2, "ChatCompletion": 2})
    reports = [s for s in run.spans if s["name"] in ("ChatOpenAI", "ChatCompletion")]
    # Four reports with the same model and usage, all overlapping in time: only the
    # scopes tell that each instrumentation saw two requests.
    assert all(_overlap(a, b) for a in reports for b in reports if a is not b)
    assert len(run.requests) == 2
    assert run.usage == {CHAT_MODEL: calls(CHAT_USAGE, 2)}
