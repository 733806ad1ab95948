"""Every piece of text that comes from a span is escaped; nothing in the output can run."""

from __future__ import annotations

import pytest

from datapizza_tracing.model.record import ERROR, SpanEvent
from datapizza_tracing.render.html.live import html_live
from datapizza_tracing.views.live import LiveFrame, LiveLine
from tests.support.html_check import assert_safe
from tests.support.records import BASE_NS, llm, snapshot, span
from tests.support.rendering import report_html

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert('x')</script>"


def hostile_snapshot():
    return snapshot(
        span(1, 0, 0, 2, name=f"run {IMG}"),
        span(
            2,
            1,
            0,
            1,
            name=IMG,
            attributes={
                "type": f"tool{SCRIPT}",
                'key"><img src=y onerror=alert(2)>': SCRIPT,
                "input": f'[{{"role": "user", "content": "{IMG}"}}]',
            },
            events=(SpanEvent(f"ev{IMG}", BASE_NS, {f"k{IMG}": f"v{SCRIPT}"}),),
        ),
        span(3, 1, 1, 2, name="failing", status=ERROR, message=f"ValueError: {IMG}"),
        llm(4, 1, 1, 2, model="<svg onload=alert(3)>", prompt=1, completion=1),
        name=f"trace {IMG}",
        notes=(f"note {SCRIPT}",),
    )


def test_static_html_escapes_names_keys_values_messages_models_notes() -> None:
    html = report_html(hostile_snapshot())
    lowered = html.lower()
    for tag in ("<img", "<script", "<svg"):
        assert tag not in lowered, f"raw {tag} in the HTML"
    assert "&lt;img src=x onerror=alert(1)&gt;" in html  # the span name, shown as text
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html  # an attribute value
    assert "key&quot;&gt;&lt;img src=y onerror=alert(2)&gt;" in html  # an attribute key
    assert "&lt;svg onload=alert(3)&gt;" in html  # a model name
    root = assert_safe(html)
    # The span name reads back as exactly the text the span had.
    names = [b.all_text() for b in root.iter("b")]
    assert IMG in names and f"Trace Summary of trace {IMG}" in root.all_text()


def test_no_element_or_handler_survives_in_static_html() -> None:
    assert_safe(report_html(hostile_snapshot()))


@pytest.mark.parametrize("template", ['https://ui.example/"><img src=x onerror=alert(1)>/{trace_id}'])
def test_trace_link_is_escaped(monkeypatch: pytest.MonkeyPatch, template: str) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_TRACE_URL", template)
    html = report_html(hostile_snapshot())
    root = assert_safe(html)
    links = list(root.iter("a"))
    assert len(links) == 1
    assert links[0].attrs["href"] == template.replace("{trace_id}", "0af7651916cd43dd8448eb211c80319c")


def test_javascript_trace_url_is_not_a_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAPIZZA_TRACING_TRACE_URL", "javascript:alert(1)//{trace_id}")
    html = report_html(hostile_snapshot())
    root = assert_safe(html)
    assert list(root.iter("a")) == []
    assert "javascript:alert(1)//0af7651916cd43dd8448eb211c80319c" in root.all_text()


def test_live_html_escapes_span_text() -> None:
    frame = LiveFrame(
        name=f"live {IMG}",
        elapsed_s=1.5,
        span_count=3,
        running_count=1,
        error_count=1,
        tokens={"<svg onload=alert(3)>": (10, 5)},
        cost_usd=None,
        running=(LiveLine(f"live {IMG} › k{SCRIPT}", "1.00s…", "running"),),
        finished=(LiveLine(f"✗ bad: Error {IMG}", "500.0ms", "error"),),
        hidden=0,
    )
    html = html_live(frame)
    root = assert_safe(html)
    assert "<img" not in html.lower() and "<svg" not in html.lower() and "<script" not in html.lower()
    assert IMG in root.all_text() and "<svg onload=alert(3)> 10→5 tok" in root.all_text()
