"""Reading rendered HTML back with the standard library's parser, the way a browser tokenizes it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from datapizza_tracing.render.html import style


# Every inline style declaration the renderers may write: the fixed ones of the style module, and
# computed numbers in their fixed shapes. Nothing a span carries can ever reach a style attribute.
def _fixed_declarations() -> set[str]:
    values = [value for value in vars(style).values() if isinstance(value, str)]
    values += list(style.TONE_STYLES.values())
    return {part for value in values for part in value.split(";") if ":" in part and "{" not in part}


FIXED_DECLARATIONS = _fixed_declarations()
COMPUTED_DECLARATIONS = re.compile(
    "|".join(
        (
            r"(margin-left|width):\d+\.\d{2}%",
            r"padding-left:\d+\.\d{2}em",
            r"padding:2px 0 6px \d+\.\d{2}em",
            r"flex:0 0 (\d+\.\d{2}%|\d+(\.\d+)?em)",
            r"background:rgba\(128,128,128,\.1\) linear-gradient\(to right,rgba\(128,128,128,\.22\) 1px,"
            r"transparent 1px\) 0 0/\d+\.\d{2}% 100%",
            r"background:#[0-9a-f]{6}",
            r"background:linear-gradient\(90deg,#[0-9a-f]{6} 60%,transparent 60%\) 0 0/5px 100%",
        )
    )
)


# Units JupyterLab's sanitizer keeps in an untrusted output's inline styles; a declaration in any other
# unit (ch, vw, fr, ...) is dropped there, and the layout with it.
_NUMBER_WITH_UNIT = re.compile(r"(?<![#\w.])\d+(?:\.\d+)?([a-z]+)")
_SANITIZER_UNITS = {"px", "em", "rem", "ex", "in", "cm", "mm", "pt", "pc", "deg"}


def style_is_ours(value: str) -> bool:
    units = set(_NUMBER_WITH_UNIT.findall(value)) - _SANITIZER_UNITS
    assert not units, f"units JupyterLab's sanitizer drops ({units}): {value!r}"
    declarations = [part for part in value.split(";") if part]
    return all(part in FIXED_DECLARATIONS or COMPUTED_DECLARATIONS.fullmatch(part) for part in declarations)


ALLOWED_TAGS = {
    "div",
    "span",
    "b",
    "style",
    "details",
    "summary",
    "table",
    "thead",
    "tfoot",
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
                assert value is not None and style_is_ours(value), f"style={value!r}"
            if name == "href":
                assert value is not None and value.startswith(("http://", "https://")), value
    return root
