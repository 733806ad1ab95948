"""How ``%%trace`` runs a cell as the cell itself, not as a magic's string argument.

A cell magic receives its body as a string and would have to run it with
``shell.run_cell``: no top-level ``await`` (the kernel's loop is already
running), errors reported as success, no displayed last value. So ``%%trace``
is rewritten before IPython compiles the cell instead:

1. ``mark_trace_cell`` (an input *cleanup* transformer, run before IPython
   looks for cell magics) turns the first line ``%%trace ARGS`` into the
   marker statement ``__datapizza_trace__("%%trace ARGS")``; every other line keeps its
   number, so tracebacks point at the user's lines.
2. ``TraceCellWrapper`` (an AST transformer) finds the marker and wraps the
   body in ``with open_cell_trace('%%trace ARGS'):``. The cell's last expression is
   handed out of the block and evaluated again as the cell's last statement,
   so IPython still displays it (and a trailing ``;`` still hides it).

The cell is then compiled and run by IPython as usual: ``await`` runs on the
kernel's own loop, an exception gives the normal traceback and error status,
and the ``with`` closes the trace on every way out, KeyboardInterrupt included.
"""

from __future__ import annotations

import ast
import re
import tokenize
from contextlib import AbstractContextManager
from typing import Any

from IPython import get_ipython
from IPython.core.displayhook import DisplayHook

from ..handle import TraceHandle
from .cell_trace import cell_trace, running_cell_number
from .options import parse_trace_args

# The marker keeps the user's own "%%trace ..." text, so a traceback showing
# line 1 still reads as the cell; the quiet variant means the body ends in ";".
MARKER = "__datapizza_trace__"
QUIET_MARKER = "__datapizza_trace_quiet__"
_MODULE = __name__
# Tags the objects this package installs in a shell, so that loading the
# extension again (even from a reloaded module) finds and replaces them.
INSTALLED_TAG = "_datapizza_tracing_installed"

_FIRST_LINE = re.compile(r"^%%trace(?:[ \t]+(?P<args>.*?))?[ \t]*$")


def mark_trace_cell(lines: list[str]) -> list[str]:
    """Input cleanup transformer: ``%%trace ARGS`` on the first line becomes the marker call."""
    if not lines:
        return lines
    match = _FIRST_LINE.match(lines[0].rstrip("\r\n"))
    if match is None:  # includes "%%trace?" (help), left to IPython
        return lines
    # IPython decides ";" from the stored history, which clients running with
    # store_history=False (nbval, some tools) do not fill: decide it here.
    marker = QUIET_MARKER if _ends_with_semicolon("".join(lines[1:])) else MARKER
    return [f"{marker}({match.group(0)!r})\n", *lines[1:]]


def _ends_with_semicolon(body: str) -> bool:
    try:
        return DisplayHook.semicolon_at_end_of_expression(body)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False  # not valid Python yet: compiling it will report the problem


# Without this, terminal IPython's "is the cell complete?" check would see the
# marker (a complete statement) instead of a cell magic and run the cell as soon
# as the ``%%trace`` line is typed; with it, that check skips this transformer.
mark_trace_cell.has_side_effects = True  # type: ignore[attr-defined]
setattr(mark_trace_cell, INSTALLED_TAG, True)


class _CellValue:
    """Carries the cell's last value out of the ``with`` block to the displayed statement."""

    _empty = object()

    def __init__(self) -> None:
        self._value: Any = self._empty

    def keep(self, value: Any) -> None:
        self._value = value

    def take(self) -> Any:
        value, self._value = self._value, self._empty
        return None if value is self._empty else value


_cell_value = _CellValue()


def keep_cell_value(value: Any) -> None:
    _cell_value.keep(value)


def take_cell_value() -> Any:
    return _cell_value.take()


def open_cell_trace(magic_line: str) -> AbstractContextManager[TraceHandle]:
    """Called by the rewritten cell: parse the ``%%trace`` line (UsageError if bad) and open the block."""
    match = _FIRST_LINE.match(magic_line)
    arg_line = (match.group("args") or "") if match is not None else ""
    shell = get_ipython()
    namespace = shell.user_ns if shell is not None else None
    return cell_trace(parse_trace_args(arg_line, running_cell_number(shell)), namespace)


def _helper(name: str) -> ast.expr:
    # ``__import__(module).name``: the rewritten cell needs no name in the user's
    # namespace, so ``%reset`` or a user variable cannot break it.
    module = ast.Call(
        func=ast.Name(id="__import__", ctx=ast.Load()),
        args=[ast.Constant(_MODULE)],
        keywords=[ast.keyword(arg="fromlist", value=ast.List(elts=[ast.Constant(name)], ctx=ast.Load()))],
    )
    return ast.Attribute(value=module, attr=name, ctx=ast.Load())


def _marker_args(statement: ast.stmt) -> tuple[ast.expr, bool] | None:
    """(the ``%%trace`` line, whether ";" hides the last value) if ``statement`` is the marker."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return None
    call = statement.value
    if not (isinstance(call.func, ast.Name) and call.func.id in (MARKER, QUIET_MARKER)):
        return None
    if len(call.args) != 1 or call.keywords:
        return None
    return call.args[0], call.func.id == QUIET_MARKER


class TraceCellWrapper(ast.NodeTransformer):
    """AST transformer: wraps a marked cell's body in ``with open_cell_trace(ARGS):``."""

    def visit(self, node: ast.AST) -> ast.AST:
        # Only the cell's module matters; never descend into user code.
        if isinstance(node, ast.Module):
            return self._wrap(node)
        return node

    def _wrap(self, module: ast.Module) -> ast.Module:
        if not module.body:
            return module
        marker = module.body[0]
        found = _marker_args(marker)
        if found is None:
            return module
        args, quiet = found
        body = list(module.body[1:])
        tail: list[ast.stmt] = []
        if body and isinstance(body[-1], ast.Expr) and not quiet:
            last = body[-1]
            keep = ast.Expr(ast.Call(func=_helper("keep_cell_value"), args=[last.value], keywords=[]))
            body[-1] = ast.copy_location(keep, last)
            take = ast.Expr(ast.Call(func=_helper("take_cell_value"), args=[], keywords=[]))
            tail.append(ast.copy_location(take, last))
        if not body:
            body = [ast.copy_location(ast.Pass(), marker)]
        opener = ast.Call(func=_helper("open_cell_trace"), args=[args], keywords=[])
        block = ast.With(items=[ast.withitem(context_expr=opener, optional_vars=None)], body=body)
        ast.copy_location(block, marker)
        block.end_lineno = getattr(body[-1], "end_lineno", block.end_lineno)
        block.end_col_offset = getattr(body[-1], "end_col_offset", block.end_col_offset)
        module.body = [block, *tail]
        return ast.fix_missing_locations(module)


setattr(TraceCellWrapper, INSTALLED_TAG, True)
