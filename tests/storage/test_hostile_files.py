"""Hostile trace files: whatever a file holds, ``load()`` returns a handle or raises ``TraceFileError``.

A file may repeat span ids or link spans in a cycle (it then loads, shows and
renders), nest JSON or attribute values deeper than any producer writes, or
carry numbers with thousands of digits (a ``TraceFileError`` naming the file and
the place, never a ``RecursionError`` or a bare ``ValueError``).
"""

from __future__ import annotations

import pytest

from datapizza_tracing import TraceFileError, load
from tests.support.html_check import assert_safe
from tests.support.rendering import report_html

T1 = "0af7651916cd43dd8448eb211c80319c"
HANG_GUARD = pytest.mark.timeout(20)


def otlp_span(
    span_id: str, parent: str, start: int | str, end: int | str, name: str, attributes: str = "[]"
) -> str:
    return (
        f'{{"traceId":"{T1}","spanId":"{span_id}","parentSpanId":"{parent}","name":"{name}",'
        f'"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","attributes":{attributes}}}'
    )


def otlp_file(tmp_path, *spans: str, name: str = "trace.json"):
    path = tmp_path / name
    path.write_text('{"resourceSpans":[{"scopeSpans":[{"spans":[' + ",".join(spans) + "]}]}]}")
    return path


def bad_file(tmp_path, text: str) -> TraceFileError:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(TraceFileError) as raised:
        load(path)
    assert str(path) in str(raised.value)
    return raised.value


ONE, TWO = "0000000000000001", "0000000000000002"


@HANG_GUARD
def test_a_file_repeating_a_span_id_that_parents_itself_loads_shows_and_renders(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")  # the note on one line
    path = otlp_file(
        tmp_path,
        otlp_span(ONE, "", 1_000, 10_000, "root"),
        otlp_span(TWO, ONE, 2_000, 5_000, "first"),
        otlp_span(TWO, TWO, 3_000, 4_000, "second-copy"),
    )
    handle = load(path)
    handle.show()
    out = capsys.readouterr().out
    assert "first" in out and "second-copy" not in out
    assert "1 span repeated the id of an earlier span" in out
    assert handle.summary().total_spans == 2
    assert "first" in assert_safe(report_html(handle.snapshot())).all_text()


@HANG_GUARD
def test_a_file_whose_spans_form_a_parent_cycle_shows_every_span(tmp_path, capsys):
    path = otlp_file(
        tmp_path,
        otlp_span(ONE, "", 1_000, 10_000, "root"),
        otlp_span(TWO, "0000000000000003", 2_000, 5_000, "cycle-x"),
        otlp_span("0000000000000003", TWO, 3_000, 4_000, "cycle-y"),
    )
    load(path).show()
    tree = capsys.readouterr().out.split("Time by span name")[0]  # the panel and the tree
    # Cut above cycle-x (the earlier): it hangs under the root, cycle-y under it.
    assert "cycle-x" in tree and "cycle-y" in tree and "more span" not in tree
    assert tree.index("root") < tree.index("cycle-x") < tree.index("cycle-y")


def _deep_kvlist(levels: int) -> str:
    inner = '{"key":"leaf","value":{"stringValue":"x"}}'
    return "[" + '{"key":"k","value":{"kvlistValue":{"values":[' * levels + inner + "]}}}" * levels + "]"


def _deep_array(levels: int) -> str:
    inner = '{"stringValue":"x"}'
    return '[{"key":"k","value":' + '{"arrayValue":{"values":[' * levels + inner + "]}}" * levels + "}]"


def _document(span_json: str) -> str:
    return '{"resourceSpans":[{"scopeSpans":[{"spans":[' + span_json + "]}]}]}"


@HANG_GUARD
@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"resourceSpans":' + "[" * 100_000 + "]" * 100_000 + "}",
        # 30,000 kvlists (120,000 JSON levels) or arrays in one attribute: past the parser's reach
        # whatever recursion limit the process runs with.
        _document(otlp_span(ONE, "", 1, 2, "root", _deep_kvlist(30_000))),
        _document(otlp_span(ONE, "", 1, 2, "root", _deep_array(50_000))),
    ],
    ids=["arrays", "inside resourceSpans", "kvlists in an attribute", "arrays in an attribute"],
)
def test_json_nested_deeper_than_the_parser_goes_is_a_trace_file_error_not_a_recursion_error(tmp_path, text):
    error = bad_file(tmp_path, text)
    assert "nested too deeply" in error.problem


@HANG_GUARD
@pytest.mark.parametrize(
    "attributes",
    [_deep_kvlist(100), _deep_array(100), _deep_kvlist(33)],
    ids=["kvlists", "arrays", "33 kvlists"],
)
def test_attribute_values_nested_deeper_than_any_producer_writes_are_a_trace_file_error(tmp_path, attributes):
    # Within the JSON parser's reach, past the 32 levels the reader takes: refused with the place.
    path = otlp_file(tmp_path, otlp_span(ONE, "", 1, 2, "root", attributes))
    with pytest.raises(TraceFileError) as raised:
        load(path)
    assert raised.value.problem == (
        "resourceSpans[0].scopeSpans[0].spans[0].attributes[0] (k): "
        "attribute values nested more than 32 levels deep"
    )


def test_attribute_values_nested_as_deep_as_real_producers_write_still_load(tmp_path):
    path = otlp_file(tmp_path, otlp_span(ONE, "", 1, 2, "root", _deep_kvlist(32)))
    value = load(path).snapshot().spans[0].attributes["k"]
    for _ in range(31):
        value = value["k"]
    assert value == {"leaf": "x"}


FIVE_THOUSAND_DIGITS = "9" * 5_000
_LITERAL = "<a number of 5,000 digits>"


def _unquoted(span_json: str) -> str:
    """The span with its 5,000-digit time as a bare JSON number instead of a string."""
    return span_json.replace(f'"{FIVE_THOUSAND_DIGITS}"', FIVE_THOUSAND_DIGITS)


@pytest.mark.parametrize(
    ("span_json", "problem"),
    [
        (
            _unquoted(otlp_span(ONE, "", FIVE_THOUSAND_DIGITS, 2, "root")),
            f"startTimeUnixNano must be an integer, found {_LITERAL}",
        ),
        (
            _unquoted(otlp_span(ONE, "", 1, FIVE_THOUSAND_DIGITS, "root")),
            f"endTimeUnixNano must be an integer, found {_LITERAL}",
        ),
        (
            otlp_span(
                ONE, "", 1, 2, "root", '[{"key":"n","value":{"intValue":' + FIVE_THOUSAND_DIGITS + "}}]"
            ),
            f"attributes[0] (n): intValue must be an integer, found {_LITERAL}",
        ),
        (
            otlp_span(
                ONE, "", 1, 2, "root", '[{"key":"n","value":{"intValue":"' + FIVE_THOUSAND_DIGITS + '"}}]'
            ),
            "attributes[0] (n): intValue must be an integer, found '" + "9" * 59 + "… (5,002 characters)",
        ),
    ],
    ids=["start time literal", "end time literal", "attribute literal", "attribute string"],
)
def test_a_five_thousand_digit_number_is_a_trace_file_error_naming_the_place(tmp_path, span_json, problem):
    # Unquoted, Python's own int() limit used to escape as a bare ValueError; quoted, the whole
    # number was copied into the message.
    error = bad_file(tmp_path, '{"resourceSpans":[{"scopeSpans":[{"spans":[' + span_json + "]}]}]}")
    assert error.problem.startswith("resourceSpans[0].scopeSpans[0].spans[0]")
    assert error.problem.endswith(problem)


@pytest.mark.parametrize(
    ("start", "end", "fragment"),
    [
        ("9" * 30, "1", "startTimeUnixNano"),
        ("1", str(2**64), "endTimeUnixNano"),
        ("-5", "1", "startTimeUnixNano"),
    ],
)
def test_times_outside_otlps_unsigned_64_bit_nanoseconds_are_a_trace_file_error(
    tmp_path, start, end, fragment
):
    path = otlp_file(tmp_path, otlp_span(ONE, "", start, end, "root"))
    with pytest.raises(TraceFileError) as raised:
        load(path)
    assert fragment in raised.value.problem and "spans[0]" in raised.value.problem


def test_an_all_zero_span_id_is_a_trace_file_error(tmp_path):
    # W3C and OTLP call an all-zero id invalid; a tree cannot tell it from "no parent".
    with pytest.raises(TraceFileError, match="spanId"):
        load(otlp_file(tmp_path, otlp_span("0000000000000000", "", 1, 2, "root")))


@pytest.mark.parametrize(
    "span_id", ["-fffffffffffffff", "0x00000000000001", "+fffffffffffffff", "0_0000000000001a"]
)
def test_a_span_id_with_a_sign_prefix_or_separator_is_a_trace_file_error(tmp_path, span_id):
    # int(text, 16) takes all of these: a "-ff…" id used to load as a negative span id.
    with pytest.raises(TraceFileError, match=r"spanId .* is not 16 hex digits"):
        load(otlp_file(tmp_path, otlp_span(span_id, "", 1, 2, "root")))


def test_the_largest_otlp_time_still_loads(tmp_path):
    path = otlp_file(tmp_path, otlp_span(ONE, "", 2**64 - 2, 2**64 - 1, "root"))
    assert load(path).snapshot().end_ns == 2**64 - 1


def test_a_collector_file_whose_second_line_nests_too_deeply_names_the_line(tmp_path):
    good = otlp_file(tmp_path, otlp_span(ONE, "", 1, 2, "root")).read_text()
    error = bad_file(tmp_path, good + "\n" + "[" * 50_000 + "]" * 50_000 + "\n")
    assert error.problem.startswith("line 2:") and "nested too deeply" in error.problem


def _usage(prompt: str, completion: str, cached: str) -> str:
    return (
        '[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o-mini"}},'
        f'{{"key":"gen_ai.usage.input_tokens","value":{prompt}}},'
        f'{{"key":"gen_ai.usage.output_tokens","value":{completion}}},'
        f'{{"key":"gen_ai.usage.cache_read.input_tokens","value":{cached}}}]'
    )


@HANG_GUARD
def test_a_file_with_nan_infinity_and_out_of_range_token_values_loads_shows_and_counts_none_of_them(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("COLUMNS", "200")
    three = "0000000000000003"
    path = otlp_file(
        tmp_path,
        otlp_span(ONE, "", 1_000, 10_000, "root"),
        # A bare NaN literal (Python's json writes it), protobuf JSON spellings, a too-wide int, a negative.
        otlp_span(TWO, ONE, 2_000, 5_000, "call", _usage('{"doubleValue":NaN}', '{"doubleValue":"Infinity"}',
                                                        '{"doubleValue":"1e400"}')),
        otlp_span(three, ONE, 5_000, 9_000, "call", _usage('{"intValue":"9223372036854775808"}',
                                                          '{"intValue":"-7"}', '{"intValue":"4"}')),
    )
    handle = load(path)
    handle.show()
    out = capsys.readouterr().out
    assert "5 usage values ignored (not finite, non-negative numbers)" in out
    usage = handle.summary().usage["gpt-4o-mini"]
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens, usage.cached_tokens) == (2, 4, 0, 4)
    html = report_html(handle.snapshot())
    assert "5 usage values ignored" in assert_safe(html).all_text()
