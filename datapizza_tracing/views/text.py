"""How text and numbers read in every view, so the terminal, the static HTML and the live view agree.

Untrusted text (span and trace names, model ids, error messages, attribute
values) goes through ``one_line`` or ``multi_line`` before any view holds it:
control characters become visible symbols, so an ANSI or OSC sequence in a
span name cannot clear a terminal, retitle its window or plant a hyperlink,
and a newline cannot break a row. Renderers then only escape for their
medium (HTML entities; rich markup is never parsed from these strings).
"""

from __future__ import annotations

import re

from ..model.record import as_text

# C0 controls, DEL and C1 controls; the Unicode bidirectional overrides, isolates and
# marks, which can make a terminal or browser show text in another order; the line and
# paragraph separators and interlinear annotations, which break or hide text; and lone
# surrogates (from an SDK that let ``"\udfff"`` through), which no UTF-8 output can encode.
_UNSAFE = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufff9-\ufffb\ud800-\udfff"
_CONTROLS = re.compile(f"[\x00-\x1f{_UNSAFE}]")
_CONTROLS_BUT_LAYOUT = re.compile(f"[\x00-\x08\x0b-\x1f{_UNSAFE}]")


def _visible(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control picture": ␛ for ESC, ␊ for a newline
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\u{code:04x}"


def one_line(text: object) -> str:
    """``text`` as one safe line: every control character (newlines included) made visible."""
    value = text if isinstance(text, str) else as_text(text)
    return _CONTROLS.sub(_visible, value) if _CONTROLS.search(value) else value


def multi_line(text: object) -> str:
    """``text`` as safe lines: newlines and tabs kept, every other control character made visible."""
    value = text if isinstance(text, str) else as_text(text)
    return _CONTROLS_BUT_LAYOUT.sub(_visible, value) if _CONTROLS_BUT_LAYOUT.search(value) else value


def truncated(text: str, limit: int) -> tuple[str, int]:
    """``text`` cut at ``limit`` characters and how many characters were left out."""
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def elided(text: str, limit: int) -> str:
    """``text`` cut at ``limit`` characters with a count of the rest: never silently shortened."""
    return with_count_of_rest(*truncated(text, limit))


def with_count_of_rest(shown: str, more: int) -> str:
    """The shown part of a cut text, followed by how many characters were left out (if any)."""
    return f"{shown}… ({more:,} more characters)" if more else shown


# Characters of a name (span, block, model, service) a row, a title or a cell shows: an id or a prompt
# used as a name would otherwise make the output as long as the name, in every row that shows it.
NAME_MAX = 120


def shown_name(text: object) -> str:
    """A name as one safe line, cut at ``NAME_MAX`` with a count of the rest."""
    return elided(one_line(text), NAME_MAX)


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def more_line(hidden: int, noun: str = "span") -> str:
    """The line that stands for what a capped list leaves out: "… 3 more spans"."""
    return f"… {plural(hidden, 'more ' + noun)}"


DURATION_WIDTH = 8  # characters of the longest duration format_duration writes under ten hours ("9h59m59s")


def format_duration(seconds: float) -> str:
    """A duration in the unit that reads best. The unit is chosen after rounding, so 999.96 ms
    reads "1.00s" (not "1000.0ms") and 119.97 s reads "2m00.0s" (not "1m60.0s")."""
    if round(seconds * 1e6) < 1000:
        return f"{seconds * 1e6:.0f}µs"
    if round(seconds * 1e3, 1) < 1000:
        return f"{seconds * 1e3:.1f}ms"
    if round(seconds, 2) < 120:
        return f"{seconds:.2f}s"
    tenths = round(seconds * 10)
    if tenths < 36_000:
        minutes, tenths = divmod(tenths, 600)
        return f"{minutes}m{tenths / 10:04.1f}s"
    hours, rest = divmod(round(seconds), 3600)
    minutes, whole_seconds = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{whole_seconds:02d}s"


def format_count(value: int) -> str:
    return f"{value:,}"


def tokens_label(model: str, prompt_tokens: int, completion_tokens: int) -> str:
    """One model's tokens in a row or a header: "gpt-4o-mini 31→27 tok" (prompt → completion)."""
    return f"{one_line(model)} {format_count(prompt_tokens)}→{format_count(completion_tokens)} tok"


def format_cost(usd: float | None) -> str:
    """Dollars with enough digits that a single cheap call is not shown as zero; "—" when unknown."""
    if usd is None:
        return "—"
    if usd == 0:
        return "$0.00"
    if usd >= 1:
        return f"${usd:,.2f}"
    if usd >= 0.01:
        return f"${usd:.4f}"
    if round(usd, 6) == 0:
        return "<$0.000001"  # six decimals would show it as zero
    return f"${usd:.6f}"
