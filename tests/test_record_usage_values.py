"""Usage figures that are not token counts (NaN, infinities, "1e400", negatives, None, text) never reach
a total: they are left out, the user is told once, and every view of the trace keeps working."""

from __future__ import annotations

import math
import uuid
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry import trace

from datapizza_tracing import ContextTracing, TracingUsageWarning, compare, history, record_usage
from datapizza_tracing.render.html.live import html_live
from datapizza_tracing.views.live import LiveProgress
from tests.support.hostile import PROPERTY
from tests.support.html_check import assert_safe
from tests.support.rendering import comparison_text, history_text, notebook_bundle, terminal_text

BAD_VALUES = [
    pytest.param(float("nan"), id="nan"),
    pytest.param(float("inf"), id="inf"),
    pytest.param(float("-inf"), id="-inf"),
    pytest.param("inf", id="'inf'"),
    pytest.param("1e400", id="'1e400'"),
    pytest.param("NaN", id="'NaN'"),
    pytest.param(-5, id="negative"),
    pytest.param(None, id="None"),
    pytest.param("many", id="not a number"),
    pytest.param(2**80, id="past int64"),
    pytest.param(True, id="bool"),
    pytest.param(object(), id="object"),
]

tracer = trace.get_tracer("tests.record_usage_values")


def _run(name: str, prompt: object, completion: object = 7) -> tuple[object, list[warnings.WarningMessage]]:
    """One block with two calls: one with ``prompt`` as its prompt figure, one with good figures."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ContextTracing().trace(name, display="off") as handle:
            with tracer.start_as_current_span("bad call") as span:
                record_usage(span, model="gpt-4o-mini", prompt_tokens=prompt, completion_tokens=completion)
            with tracer.start_as_current_span("good call") as span:
                record_usage(span, model="gpt-4o-mini", prompt_tokens=100, completion_tokens=10)
    return handle, [w for w in caught if issubclass(w.category, TracingUsageWarning)]


@pytest.mark.parametrize("bad", BAD_VALUES)
def test_a_bad_token_value_is_not_counted_and_every_view_of_the_trace_still_works(bad) -> None:
    name = f"bad usage {uuid.uuid4().hex}"
    handle, told = _run(name, bad)

    assert len(told) == 1 and "prompt_tokens=" in str(told[0].message)
    assert "not counted" in str(told[0].message)
    summary = handle.summary()
    usage = summary.usage["gpt-4o-mini"]
    # The bad figure counts as nothing; the call and its valid figure still count.
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (2, 100, 17)
    assert "1 usage value ignored (not finite, non-negative numbers)" in summary.notes

    snapshot = handle.snapshot()
    text = terminal_text(snapshot)
    assert "1 usage value ignored" in text and "nan" not in text.lower().split("usage value")[0]
    bundle = notebook_bundle(snapshot)
    assert "1 usage value ignored" in bundle["text/plain"]
    assert_safe(bundle["text/html"])

    # The history and a comparison with a clean run both work while the entry is in the history.
    clean, _ = _run(name, 3)
    assert [entry.name for entry in history()][-2:] == [name, name]
    rows = [line for line in history_text(history(), width=200).splitlines() if name in line]
    assert len(rows) == 2 and " 117 " in rows[0] and " 120 " in rows[1]  # tokens of each run
    assert "100 → 103" in comparison_text(compare(handle, clean), width=200)


def test_the_live_view_counts_only_the_valid_figures() -> None:
    with ContextTracing().trace("live bad usage", display="off") as handle:
        progress = LiveProgress(handle._block)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TracingUsageWarning)
            for bad in (float("nan"), float("inf"), "1e400", -1, None):
                with tracer.start_as_current_span("call") as span:
                    record_usage(span, model="m", prompt_tokens=bad, completion_tokens=2)
        progress.advance()
        frame = progress.frame([])
    assert frame.tokens == {"m": (0, 10)}
    assert_safe(html_live(frame))


def test_a_call_whose_every_figure_is_bad_still_counts_as_one_call_with_no_tokens() -> None:
    handle, told = _run("all bad", float("nan"), completion=float("inf"))
    assert len(told) == 1 and "prompt_tokens=nan" in str(told[0].message)
    assert "completion_tokens=inf" in str(told[0].message)
    usage = handle.summary().usage["gpt-4o-mini"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (2, 100, 10)
    assert "2 usage values ignored (not finite, non-negative numbers)" in handle.summary().notes


def test_valid_figures_written_as_floats_or_numeric_text_count_as_their_whole_number() -> None:
    handle, told = _run("numeric text", "42", completion=3.9)
    assert told == []
    usage = handle.summary().usage["gpt-4o-mini"]
    assert (usage.prompt_tokens, usage.completion_tokens) == (142, 13)
    assert handle.summary().notes == ()


# Anything a caller might pass: numbers of every size and kind, numeric and other text, None, booleans.
any_value = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["1e400", "-1e400", "inf", "NaN", "1e18", "12", " 7 ", "-3", "", "1_000", "0x10"]),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
)


def _expected(value: object) -> int | None:
    """The oracle for numbers: an int or a float from 0 to 2**63 - 1 counts as its whole part."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 0 <= value < 2**63 else None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and 0 <= value < 2**63 else None
    return -1  # text: checked by the invariants below, not by value


@PROPERTY
@given(values=st.lists(any_value, min_size=4, max_size=4))
def test_record_usage_over_any_values_counts_only_token_counts_and_says_how_many_it_left_out(values) -> None:
    prompt, completion, cached, thinking = values
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with ContextTracing().trace("any values", display="off") as handle:
            with tracer.start_as_current_span("call") as span:
                record_usage(
                    span,
                    model="gpt-4o-mini",
                    prompt_tokens=prompt,
                    completion_tokens=completion,
                    cached_tokens=cached,
                    thinking_tokens=thinking,
                )
    told = [w for w in caught if issubclass(w.category, TracingUsageWarning)]
    summary = handle.summary()
    usage = summary.usage["gpt-4o-mini"]
    figures = (usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens, usage.thinking_tokens)
    assert all(type(figure) is int and figure >= 0 for figure in figures)
    assert math.isfinite(handle.snapshot().duration_ns) and usage.calls == 1

    refused = [i for i, value in enumerate(values) if (_expected(value) is None)]
    for i, value in enumerate(values):
        expected = _expected(value)
        if expected is not None and expected >= 0 and i in (1, 3):  # completion and thinking: as given
            assert figures[i] == expected
        if isinstance(value, str) and i in (1, 3):
            counted = figures[i]
            assert counted == 0 or counted == int(float(value.replace("_", "")))
    # Text that is no number is refused too: the note counts every refused figure, the warning names each.
    note = [n for n in summary.notes if "usage value" in n]
    ignored = int(note[0].split()[0]) if note else 0
    assert ignored >= len(refused)
    assert (len(told) == 1) == (ignored > 0) and len(told) <= 1
    if told:
        assert str(told[0].message).count("_tokens=") == ignored
    assert terminal_text(handle.snapshot()) and assert_safe(notebook_bundle(handle.snapshot())["text/html"])


@pytest.mark.parametrize("not_a_span", [None, "llm call", 42])
def test_record_usage_on_something_that_is_not_a_span_says_what_it_needs(not_a_span: object) -> None:
    # It raised AttributeError: 'NoneType' object has no attribute 'is_recording'.
    with pytest.raises(TypeError, match="record_usage needs the OpenTelemetry span to write on"):
        record_usage(not_a_span, model="gpt-4o-mini", prompt_tokens=1, completion_tokens=1)  # type: ignore[arg-type]
