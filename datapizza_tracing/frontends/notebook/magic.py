"""The ``%%trace`` cell magic: its arguments, its help, and a plain-call fallback.

In a shell where the extension is loaded, a cell starting with ``%%trace`` is
rewritten by ``transformers.py`` and never reaches this magic. The magic is
still registered because ``%%trace?`` shows its help, and because code may call
``get_ipython().run_cell_magic("trace", ...)`` directly; that path runs the
body synchronously (no top-level ``await``).
"""

from __future__ import annotations

import ast
from typing import Any, NamedTuple

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring


class TraceOptions(NamedTuple):
    name: str
    output: str | None  # -o VAR: where the handle goes in the user's namespace
    no_display: bool


@magics_class
class TraceMagics(Magics):
    """Registered by ``%load_ext datapizza_tracing``."""

    @magic_arguments(name="%trace")  # IPython adds one more "%"
    @argument("name", nargs="*", help="Name of the trace (default: the cell's prompt, e.g. 'In [3]').")
    @argument("-o", dest="output", metavar="VAR", help="Store the trace's handle in the variable VAR.")
    @argument("--no-display", action="store_true", help="Collect the trace but show nothing.")
    @cell_magic
    def trace(self, line: str, cell: str) -> Any:
        """Trace the cell: collect its OpenTelemetry spans and show the summary and span tree.

        The cell runs in your namespace as usual: top-level ``await`` works, the
        last expression is displayed (``;`` hides it), an exception fails the
        cell with its normal traceback and the trace still shows where it
        failed. A live view updates while the cell runs; when it ends, a static
        snapshot stays in the notebook. ``datapizza_tracing.last_trace()`` returns
        the handle of the last finished trace.
        """
        from .transformers import running_cell_number

        options = parse_trace_args(line, running_cell_number(self.shell))
        return _run_body(self.shell, options, cell)


def parse_trace_args(line: str, execution_count: int | None = None) -> TraceOptions:
    """The options of a ``%%trace`` line; raises ``UsageError`` with the usage on bad input."""
    try:
        parsed = parse_argstring(TraceMagics.trace, line)
    except UsageError as err:
        raise UsageError(f"{err}\n\n{_usage()}") from None
    if parsed.output is not None and not parsed.output.isidentifier():
        raise UsageError(f"%%trace -o needs a variable name, not {parsed.output!r}\n\n{_usage()}")
    name = " ".join(parsed.name)
    if not name:
        name = f"In [{execution_count}]" if execution_count is not None else "trace"
    return TraceOptions(name=name, output=parsed.output, no_display=parsed.no_display)


def _usage() -> str:
    doc = TraceMagics.trace.__doc__ or ""
    usage = next((line.strip() for line in doc.splitlines() if line.strip().startswith("%%trace")), "")
    return f"Usage: {usage}  (see %%trace? for help)"


def _run_body(shell: Any, options: TraceOptions, cell: str) -> Any:
    # Imported here: transformers.py imports this module for parse_trace_args.
    from .transformers import TraceCell

    code = shell.transform_cell(cell)
    filename = shell.compile.cache(code, shell.execution_count, raw_code=cell)
    tree = shell.compile.ast_parse(code, filename=filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    namespace = shell.user_ns
    with TraceCell(options, namespace):
        exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - running the user's cell is the point
        if last is not None:
            return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
    return None
