"""Reading rendered HTML back with the standard library's parser, the way a browser tokenizes it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Every style attribute the renderers may write: computed numbers in one fixed shape, or a fixed literal
# (the static snapshot's layout, written inline because untrusted JupyterLab output loses its <style>).
_FIXED_STYLES = (
    "display:inline-block;border:1px solid rgba(128,128,128,.45);border-radius:4px;padding:6px 10px;"
    "margin:0 0 6px",
    "max-width:80em",
    "margin-left:.45em;padding-left:.55em;border-left:1px dotted rgba(128,128,128,.45)",
    "padding-left:1.1em",
    "margin:2px 0 4px 1.5em",
    "float:right;width:16em;height:.7em;margin-top:.35em;background:rgba(128,128,128,.2)",
    "padding:1px 8px",
    "padding:1px 8px;text-align:left",
    "color:#e5534b",
)
STYLE_SHAPES = re.compile(
    "|".join(
        (
            r"margin-left:\d+\.\d{2}%;width:\d+\.\d{2}%;display:block;height:100%;min-width:1px;background:#[0-9a-f]{6}",
            r"padding-left:\d+\.\dem",
            *map(re.escape, _FIXED_STYLES),
        )
    )
)
ALLOWED_TAGS = {
    "div",
    "span",
    "b",
    "style",
    "details",
    "summary",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "pre",
    "a",
}
VOID_TAGS: set[str] = set()


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element] = field(default_factory=list)
    content: list[Element | str] = field(default_factory=list)  # text and children, in document order

    def all_text(self) -> str:
        return "".join(part if isinstance(part, str) else part.all_text() for part in self.content)

    def iter(self, tag: str | None = None, cls: str | None = None):
        for child in self.children:
            if (tag is None or child.tag == tag) and (
                cls is None or cls in (child.attrs.get("class") or "").split()
            ):
                yield child
            yield from child.iter(tag, cls)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {})
        self.stack = [self.root]
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.tags.append((tag, element.attrs))
        self.stack[-1].children.append(element)
        self.stack[-1].content.append(element)
        self.stack.append(element)

    def handle_endtag(self, tag):
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>: unbalanced HTML"
        self.stack.pop()

    def handle_data(self, data):
        if self.stack[-1].tag != "style":
            self.stack[-1].content.append(data)


def parse(html: str) -> tuple[Element, list[tuple[str, dict[str, str | None]]]]:
    """The element tree (asserting every tag is closed in order) and every start tag seen."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements at the end of the HTML"
    return builder.root, builder.tags


def assert_safe(html: str) -> Element:
    """Only our own tags, no event handlers, no URL but an http(s) link, styles only in our shapes."""
    root, tags = parse(html)
    for tag, attrs in tags:
        assert tag in ALLOWED_TAGS, f"unexpected <{tag}> in the output"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler attribute {name}={value!r}"
            if name == "style":
                assert value is not None and STYLE_SHAPES.fullmatch(value), f"style={value!r}"
            if name == "href":
                assert value is not None and value.startswith(("http://", "https://")), value
    return root
