"""The static snapshot's content and shape: panel, collapsible tree, waterfall, details, theme colours."""

from __future__ import annotations

import re

from datapizza_tracing.model.record import ERROR, SpanEvent
from datapizza_tracing.model.snapshot import TraceSnapshot
from datapizza_tracing.render.html.style import STYLE
from tests.support.html_check import assert_safe
from tests.support.records import BASE_NS, SECOND, TRACE_ID, llm, snapshot, span
from tests.support.rendering import notebook_bundle, report_html, terminal_text


def agent_snapshot():
    return snapshot(
        span(1, 0, 0, 4, name="agent run"),
        span(2, 1, 0, 1, name="plan", attributes={"type": "agent"}),
        llm(3, 2, 0.0, 1.0, model="gpt-4o-mini", prompt=31, completion=27),
        span(4, 1, 1, 3, name="tool call", attributes={"type": "tool", "input": "x" * 5_000}),
        span(
            5,
            1,
            3,
            4,
            name="broken step",
            status=ERROR,
            message="ValueError: boom",
            events=(SpanEvent("exception", BASE_NS + 3 * SECOND, {"exception.type": "ValueError"}),),
        ),
        name="demo",
    )


def test_panel_has_the_seed_summary() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    panel = next(root.iter("div", "dpt-panel"))
    text = panel.all_text()
    assert "Trace Summary of demo" in text
    assert "Total Spans: 5" in text and "Duration: 4.00s" in text and "Errors: 1" in text
    headers = [th.all_text() for th in panel.iter("th")]
    assert headers[:5] == ["Model", "Prompt Tokens", "Completion Tokens", "Cached Tokens", "Thinking Tokens"]
    first_row = [td.all_text() for td in next(panel.iter("tbody")).children[0].children]
    assert first_row[:5] == ["gpt-4o-mini", "31", "27", "0", "0"]
    assert "0af7651916cd43dd8448eb211c80319c" in text  # the trace id, 32 hex digits


def test_tree_is_nested_details_with_one_row_per_span() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    tree = next(root.iter("div", "dpt-tree"))
    top = tree.children[0]
    assert top.tag == "details" and "open" in top.attrs  # the root starts unfolded
    rows = list(tree.iter(cls="dpt-row"))
    labels = [next(row.iter("b")).all_text() for row in rows]
    assert labels == ["agent run", "plan", "generation", "tool call", "broken step"]
    # "plan" has a child: its children sit inside its own <details>, after its summary.
    plan = next(d for d in tree.iter("details", "dpt-span") if next(d.iter("b")).all_text() == "plan")
    kids = next(plan.iter("div", "dpt-kids"))
    assert [next(r.iter("b")).all_text() for r in kids.iter(cls="dpt-row")] == ["generation"]


def test_span_row_shows_kind_duration_status_and_tokens() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    rows = {next(row.iter("b")).all_text(): row.all_text() for row in root.iter(cls="dpt-row")}
    assert "[tool]" in rows["tool call"] and "2.00s" in rows["tool call"]
    assert "gpt-4o-mini 31→27 tok" in rows["generation"]
    assert "✗ ValueError: boom" in rows["broken step"]
    broken = next(row for row in root.iter(cls="dpt-row") if "broken step" in row.all_text())
    assert next(broken.iter("b")).attrs["class"] == "dpt-err"
    assert "Errors: 1" in root.all_text() and "broken step: ValueError: boom" in root.all_text()


def test_waterfall_bars_are_placed_relative_to_the_block() -> None:
    html = report_html(agent_snapshot())
    bars = re.findall(r'<span class="dpt-bar (\w+)" style="(margin-left:[\d.]+%;width:[\d.]+%);', html)
    assert bars == [
        ("ok", "margin-left:0.00%;width:100.00%"),
        ("ok", "margin-left:0.00%;width:25.00%"),
        ("llm", "margin-left:0.00%;width:25.00%"),
        ("ok", "margin-left:25.00%;width:50.00%"),
        ("error", "margin-left:75.00%;width:25.00%"),
    ]


def test_running_span_is_marked_and_its_bar_runs_to_the_snapshot_time() -> None:
    spans = (span(3, 1, 0, 1), span(1, 0, 0, None, name="block"), span(2, 1, 1, None, name="slow call"))
    running = TraceSnapshot("block", TRACE_ID, 1, spans, BASE_NS, None, BASE_NS + 2 * SECOND)
    html = report_html(running)
    assert "(running)" in html and "running 1.00s…" in html
    assert '<span class="dpt-bar running" style="margin-left:50.00%;width:50.00%;' in html


def test_attributes_open_as_a_table_with_io_first_and_long_values_cut_explicitly() -> None:
    root = assert_safe(report_html(agent_snapshot()))
    tool = next(d for d in root.iter("details", "dpt-span") if next(d.iter("b")).all_text() == "tool call")
    table = next(tool.iter("table"))
    keys = [row.children[0].all_text() for row in table.iter("tr")]
    assert keys == ["input", "type"]  # captured input first
    value = next(table.iter("pre")).all_text()
    assert value == "x" * 2_000
    assert "… (3,000 more characters)" in table.all_text()
    broken = next(
        d for d in root.iter("details", "dpt-span") if next(d.iter("b")).all_text() == "broken step"
    )
    assert "event exception +0µs" in broken.all_text() and "exception.type=ValueError" in broken.all_text()


def test_json_input_and_output_are_pretty_printed() -> None:
    messages = '[{"role": "user", "content": "hi"}]'
    snap = snapshot(span(1, 0, 0, 1), span(2, 1, 0, 1, attributes={"gen_ai.input.messages": messages}))
    assert "[\n  {\n    &quot;role&quot;: &quot;user&quot;" in report_html(snap)


def test_colours_follow_the_jupyterlab_theme_with_light_and_dark_fallbacks() -> None:
    assert "var(--jp-content-font-color1," in STYLE and "var(--jp-border-color2," in STYLE
    assert "var(--jp-error-color1," in STYLE and "var(--jp-warn-color1," in STYLE
    assert "@media (prefers-color-scheme:dark)" in STYLE
    # No colour is fixed: every colour or background is a theme variable (or inherit/transparent).
    for prop, value in re.findall(r"(?<![-\w])(color|background):([^;}]+)", STYLE):
        assert value.startswith(("var(", "inherit", "transparent")), f"{prop}:{value}"
    # Inline colours are only fallbacks for where <style> is stripped: the stylesheet overrides each one.
    for rule in (
        ".dpt-panel{border:1px solid var(--dpt-border)!important",
        ".dpt-kids{margin-left:.45em;padding-left:.55em;border-left:1px dotted var(--dpt-border)!important}",
        "background:var(--dpt-track)!important",
        ".dpt-bar{display:block;height:100%;min-width:1px;border-radius:2px;background:var(--dpt-bar)!important}",
        ".dpt-bar.llm{background:var(--dpt-llm)!important}",
        ".dpt-bar.error{background:var(--dpt-err)!important}",
        ".dpt-bar.running{background:var(--dpt-run)!important}",
        ".dpt .dpt-err{color:var(--dpt-err)!important;font-weight:600}",
    ):
        assert rule in STYLE, rule
    html = report_html(agent_snapshot())  # it holds a failing span
    inline = ";".join(re.findall(r'style="([^"]*)"', html))
    # The one text colour fixed inline is the error red (for stripped <style>), a mid red readable on
    # both themes; the theme's own error colour overrides it when the stylesheet is there.
    assert re.findall(r"(?<![-\w])color:([^;]+)", inline) and set(
        re.findall(r"(?<![-\w])color:([^;]+)", inline)
    ) == {"#e5534b"}


def test_layout_is_inline_too_so_it_survives_a_stripped_stylesheet() -> None:
    """Untrusted output loses <style> and any style attribute using var(): the layout stays inline."""
    html = report_html(agent_snapshot())
    root = assert_safe(html.replace(STYLE, ""))
    styles = re.findall(r'style="([^"]*)"', html)
    assert styles and not any("var(" in style for style in styles)
    panel = next(root.iter("div", "dpt-panel"))
    assert "border:1px solid rgba(" in panel.attrs["style"] and "padding:6px 10px" in panel.attrs["style"]
    # Nested spans are indented by their children container, leaf rows line up with foldable siblings.
    kids = list(root.iter("div", "dpt-kids"))
    assert len(kids) == 2 and all(
        k.attrs["style"].startswith("margin-left:.45em;padding-left:.55em;") for k in kids
    )
    bare = assert_safe(report_html(snapshot(span(1, 0, 0, 2, name="root"), span(2, 1, 0, 1, name="bare"))))
    leaf = next(bare.iter("div", "dpt-row"))
    assert next(leaf.iter("b")).all_text() == "bare" and leaf.attrs["style"] == "padding-left:1.1em"
    # Every bar sits in a sized, shaded track and has its own size and a colour per kind.
    tracks = list(root.iter("span", "dpt-wf"))
    assert len(tracks) == 5
    for track in tracks:
        assert "width:16em;height:.7em" in track.attrs["style"] and "background:rgba(" in track.attrs["style"]
        bar = track.children[0]
        assert "display:block;height:100%" in bar.attrs["style"]
    bars = root.iter("span", "dpt-bar")
    colours = {bar.attrs["class"]: bar.attrs["style"].rsplit("background:", 1)[1] for bar in bars}
    assert len(set(colours.values())) == 3  # ok, llm, error
    # Table cells keep their padding; labels (first column, key/value tables) are left-aligned.
    cells = list(root.iter("td")) + list(root.iter("th"))
    assert all(
        (c.attrs.get("style") or "").startswith("padding:1px 8px") for c in cells if "colspan" not in c.attrs
    )
    tokens = next(root.iter("table", "dpt-tokens"))
    assert next(tokens.iter("th")).attrs["style"] == "padding:1px 8px;text-align:left"


def test_text_plain_is_the_terminal_report() -> None:
    snap = agent_snapshot()
    bundle = notebook_bundle(snap)
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == terminal_text(snap).rstrip("\n")
    assert "Trace Summary of demo" in bundle["text/plain"] and "broken step" in bundle["text/plain"]
    assert "HTML(" not in bundle["text/plain"]
