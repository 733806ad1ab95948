"""Set-up order: the README's exporter snippet before the first block, a provider set too late,
providers sharing a processor chain. Each scenario runs in a fresh interpreter."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.framework_runs import (
    assert_block_is_exactly_what_was_exported,
    assert_loopback_only,
    run_framework,
    span_key,
)

pytestmark = pytest.mark.frameworks


def test_the_exporter_snippet_works_after_import_before_the_first_block() -> None:
    run = run_framework("snippet_before_first_block")

    # trace.get_tracer_provider().add_span_processor(...) on the API's proxy made the provider real.
    assert (run["global_before"], run["global_after"], run["global_is_sdk"]) == (
        "ProxyTracerProvider",
        "TracerProvider",
        True,
    )
    assert_block_is_exactly_what_was_exported(run)
    # The batch processor (60 s delay) got the block through the flush at its end.
    assert run["batch_exported"] == ["snippet", "step", "work"]
    assert run["warnings"] == []
    assert_loopback_only(run)


def test_a_provider_set_after_the_first_block_is_refused_but_its_spans_are_in_the_block_once() -> None:
    run = run_framework("user_provider_after_first_block")

    assert_block_is_exactly_what_was_exported(run)
    assert run.names() == Counter({"late provider": 1, "work": 2, "step": 2})
    (warning,) = run["warnings"]
    assert "ignored the new TracerProvider" in warning["message"]
    assert "Blocks still show the spans made through the new provider" in warning["message"]
    # True: the late provider's own exporter got only what was made through it.
    assert run["mine_exported"] == ["step", "work"]


def test_providers_sharing_one_chain_record_each_span_once_and_a_shutdown_keeps_the_block() -> None:
    run = run_framework("providers_sharing_one_processor_chain")

    assert run["collectors_in_shared_chain"] == 1
    block = sorted(span_key(span) for span in run.spans)
    exported = sorted(span_key(span) for span in run["exported"] + run["third_exported"])
    assert block == exported
    assert run.names() == Counter(
        {
            "shared chain": 1,
            "from first": 1,
            "from second": 1,
            "third before shutdown": 1,
            "after shutdown": 1,
        }
    )
