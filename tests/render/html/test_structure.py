"""The static snapshot's content and shape: panel, insights, waterfall rows, details, look without <style>."""

from __future__ import annotations

import re

from datapizza_tracing.frontends.notebook.bundles import NOTEBOOK_TEXT_WIDTH
from datapizza_tracing.model.record import ERROR, SpanEvent
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.render.html.style import BAR_COLOURS, STYLE
from tests.support.html_check import Element, assert_safe
from tests.support.records import BASE_NS, SECOND, TRACE_ID, llm, snapshot, span
from tests.support.rendering import notebook_bundle, report_html, terminal_text

STACK = (
    "Traceback (most recent call last):\n"
    '  File "/home/me/project/agent.py", line 12, in run\n'
    "    broken_step()\n"
    '  File "/usr/lib/python3.11/contextlib.py", line 81, in inner\n'
    "    return func(*args)\n"
    '  File "/home/me/project/steps.py", line 7, in broken_step\n'
    '    raise ValueError("boom")\n'
    "ValueError: boom\n"
)


def agent_snapshot() -> TraceSnapshot:
    error_event = SpanEvent(
        "exception",
        BASE_NS + 3 * SECOND,
        {"exception.type": "ValueError", "exception.message": "boom", "exception.stacktrace": STACK},
    )
    return snapshot(
        span(1, 0, 0, 4, name="agent run"),
        span(2, 1, 0, 1, name="plan", attributes={"type": "agent"}),
        llm(3, 2, 0.0, 1.0, model="gpt-4o-mini", prompt=31, completion=27),
        span(4, 1, 1, 3, name="tool call", attributes={"type": "tool", "input": "x" * 5_000}),
        span(5, 1, 3, 4, name="broken step", status=ERROR, message="ValueError: boom", events=(error_event,)),
        name="demo",
    )


def rows_of(root: Element) -> dict[str, Element]:
    return {next(row.iter("b")).all_text().removeprefix("✗ "): row for row in root.iter(cls="dpt-row")}


def test_panel_has_the_seed_summary_and_the_token_table() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    panel = next(root.iter("div", "dpt-panel"))
    text = panel.all_text()
    assert "Trace Summary of demo" in text
    assert "Total Spans: 5" in text and "Duration: 4.00s" in text and "Errors: 1" in text
    headers = [th.all_text() for th in panel.iter("th")]
    assert headers == [
        "Model", "Calls", "Prompt Tokens", "Completion Tokens", "Cached Tokens", "Thinking Tokens", "Cost",
    ]  # fmt: skip
    first_row = [td.all_text() for td in next(panel.iter("tbody")).children[0].children]
    assert first_row[:6] == ["gpt-4o-mini", "1", "31", "27", "0", "0"]
    total = [td.all_text() for td in next(panel.iter("tfoot")).iter("td")]
    assert total[:3] == ["Total", "1", "31"]
    assert "0af7651916cd43dd8448eb211c80319c" in text  # the trace id, 32 hex digits


def test_waterfall_has_one_row_per_span_depth_first_with_parents_open() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    waterfall = next(root.iter("div", "dpt-waterfall"))
    assert list(rows_of(waterfall)) == ["agent run", "plan", "generation", "tool call", "broken step"]
    top = next(waterfall.iter("details", "dpt-span"))
    assert "open" in top.attrs  # the root starts unfolded
    # "plan" holds its call: the call's row sits inside plan's <details>, after plan's own row.
    plan = next(d for d in waterfall.iter("details", "dpt-span") if next(d.iter("b")).all_text() == "plan")
    assert [next(r.iter("b")).all_text() for r in plan.iter(cls="dpt-row")] == ["plan", "generation"]


def test_rows_carry_duration_self_tokens_and_cost_in_columns() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    rows = rows_of(root)

    def cells(name: str) -> list[str]:
        return [cell.all_text() for cell in rows[name].children[1:5]]

    assert cells("generation") == ["1.00s", "", "31→27", "$0.000021"]
    assert cells("plan") == ["1.00s", "0µs", "31→27", "$0.000021"]  # a parent sums what is inside it ...
    sums = rows["plan"].children[3:5]
    assert all(cell.attrs["title"] == "the totals of the model calls inside this row" for cell in sums[1:])
    assert all("opacity:.72" in cell.attrs["style"] for cell in sums)  # ... and says so: muted, titled
    assert cells("tool call") == ["2.00s", "", "", ""]
    assert "tool" in rows["tool call"].all_text() and "gpt-4o-mini" not in cells("tool call")
    assert (
        "✗ broken step" in rows["broken step"].all_text()
        and "ValueError: boom" in rows["broken step"].all_text()
    )
    assert "✗1" in rows["agent run"].all_text()  # a failure somewhere inside


def test_bars_sit_on_the_block_timeline_coloured_by_role_and_the_axis_has_round_ticks() -> None:
    html = report_html(agent_snapshot())
    bars = re.findall(r'<span class="dpt-bar (\w+)" style="(margin-left:[\d.]+%;width:[\d.]+%);', html)
    assert bars == [
        ("other", "margin-left:0.00%;width:100.00%"),
        ("agent", "margin-left:0.00%;width:25.00%"),
        ("llm", "margin-left:0.00%;width:25.00%"),
        ("tool", "margin-left:25.00%;width:50.00%"),
        ("error", "margin-left:75.00%;width:25.00%"),
    ]
    root = assert_safe(html)
    axis = next(root.iter("div", "dpt-wf-head")).all_text()
    assert "0" in axis and "1.00s" in axis and "3.00s" in axis
    legend = next(root.iter("div", "dpt-legend")).all_text()
    assert all(label in legend for label in ("model call", "tool", "agent", "error"))


def test_insights_name_the_critical_path_the_single_error_and_the_slowest_steps() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    critical = next(root.iter("div", "dpt-critical")).all_text()
    assert critical.startswith("Critical path: agent run → tool call")
    errors = next(root.iter("div", "dpt-errors"))
    text = errors.all_text()
    assert text.startswith("1 error") and "ValueError: boom — raised in broken step" in text
    # The user's own frames first; the standard library's folded under one line.
    assert "agent.py:12 in run" in text and "steps.py:7 in broken_step" in text
    assert 'raise ValueError("boom")' in text and "1 library frame" in text
    slowest = next(t for t in root.iter("details", "dpt-section") if "Slowest steps" in t.all_text())
    ranked = [row.children[0].all_text() for row in next(slowest.iter("tbody")).children]
    assert ranked[0] == "tool call" and "broken step" in ranked  # 2 s alone, then the 1 s steps


def test_running_span_is_marked_and_its_bar_runs_to_the_snapshot_time() -> None:
    spans = (span(3, 1, 0, 1), span(1, 0, 0, None, name="block"), span(2, 1, 1, None, name="slow call"))
    running = TraceSnapshot("block", TRACE_ID, 1, spans, BASE_NS, None, BASE_NS + 2 * SECOND)
    html = report_html(running)
    assert "(running)" in html and "1.00s…" in html
    assert '<span class="dpt-bar running" style="margin-left:50.00%;width:50.00%;' in html


def test_details_show_the_exception_and_attributes_with_io_first_and_long_values_cut() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    tool = next(d for d in root.iter("details", "dpt-span") if next(d.iter("b")).all_text() == "tool call")
    table = next(tool.iter("table"))
    keys = [row.children[0].all_text() for row in table.iter("tr")]
    assert keys == ["input", "type"]  # captured input first
    assert next(table.iter("pre")).all_text() == "x" * 2_000
    assert "… (3,000 more characters)" in table.all_text()
    broken = next(
        d for d in root.iter("details", "dpt-span") if "broken step" in next(d.iter("b")).all_text()
    )
    assert "ValueError: boom" in broken.all_text() and "steps.py:7 in broken_step" in broken.all_text()
    assert "exception.stacktrace" not in broken.all_text()  # shown as an exception, not as a text blob


def test_a_captured_conversation_reads_as_messages_by_role() -> None:
    messages = (
        '[{"role": "system", "parts": [{"type": "text", "content": "be brief"}]},'
        ' {"role": "user", "parts": [{"type": "text", "content": "weather in Rome?"}]}]'
    )
    answer = (
        '[{"role": "assistant", "parts": '
        '[{"type": "tool_call", "name": "weather", "arguments": {"city": "Rome"}}]}]'
    )
    attributes = {"gen_ai.input.messages": messages, "gen_ai.output.messages": answer}
    root = assert_safe(report_html(snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes=attributes))))
    talk = [message.all_text() for message in root.iter("div", "dpt-msg")]
    assert talk[0].startswith("system") and "be brief" in talk[0]
    assert talk[1].startswith("user") and "weather in Rome?" in talk[1]
    assert talk[2].startswith("assistant") and "tool call weather" in talk[2] and '"city": "Rome"' in talk[2]


def test_repeated_siblings_fold_into_one_group_row_that_opens_on_its_telling_members() -> None:
    steps = [span(10 + i, 1, i * 0.1, i * 0.1 + 0.1, f"step {i}") for i in range(40)]
    steps[25] = span(35, 1, 2.5, 2.6, "step 25", status=ERROR, message="bad")
    root = assert_safe(report_html(snapshot(span(1, 0, 0, 4, "loop"), *steps)))
    group = next(d for d in root.iter("details", "dpt-span") if "×40" in d.children[0].all_text())
    assert "step 0 … step 39" in next(group.iter("summary")).all_text()
    assert "open" in group.attrs  # a failure inside opens it
    shown = [next(r.iter("b")).all_text() for r in list(group.iter(cls="dpt-row"))[1:]]
    assert "✗ step 25" in shown and len(shown) == 8
    assert "… 32 more in this group" in group.all_text()


def test_the_stylesheet_only_polishes_and_the_colours_are_inline() -> None:
    """Untrusted output loses <style> and any style using var(): everything readable is inline, the same."""
    html = report_html(agent_snapshot())
    stripped = html.replace(STYLE, "")
    root = assert_safe(stripped)
    styles = re.findall(r'style="([^"]*)"', html)
    assert styles and not any("var(" in style for style in styles)
    # Bar colours are the same literals trusted or not: the stylesheet sets no bar colour.
    assert "dpt-bar" not in STYLE
    colours = {bar.attrs["class"].split()[1]: bar.attrs["style"] for bar in root.iter("span", "dpt-bar")}
    for tone, style in colours.items():
        assert f"background:{BAR_COLOURS[tone]}" in style
    # Every row is one flex line: numbers in fixed-width cells, the bar area half the line (it alone gives up
    # room on a line too narrow for all of them).
    for row in root.iter(cls="dpt-row"):
        assert row.attrs["style"].startswith("display:flex;")
        assert "flex:0 1 50%" in row.children[-1].attrs["style"]
        assert all("flex:0 0 " in cell.attrs["style"] for cell in row.children[1:-1])
    panel = next(root.iter("div", "dpt-panel"))
    assert "border:1px solid rgba(" in panel.attrs["style"]


def test_text_plain_is_the_terminal_report() -> None:
    snap = agent_snapshot()
    bundle = notebook_bundle(snap)
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == terminal_text(snap, width=NOTEBOOK_TEXT_WIDTH).rstrip("\n")
    assert "Trace Summary of demo" in bundle["text/plain"] and "broken step" in bundle["text/plain"]
