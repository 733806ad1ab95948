"""The ``%%trace`` cell magic: its help, and a plain-call fallback.

In a shell where the extension is loaded, a cell starting with ``%%trace`` is
rewritten by ``transformers.py`` and never reaches this magic. The magic is
still registered because ``%%trace?`` shows its help, and because code may call
``get_ipython().run_cell_magic("trace", ...)`` directly; that path runs the
body synchronously (no top-level ``await``).
"""

from __future__ import annotations

import ast
from typing import Any

from IPython.core.magic import Magics, cell_magic, magics_class

from .cell_trace import cell_trace, running_cell_number
from .options import TraceOptions, parse_trace_args, trace_help


@magics_class
class TraceMagics(Magics):
    """Registered by ``%load_ext datapizza_tracing``."""

    @cell_magic
    def trace(self, line: str, cell: str) -> Any:
        options = parse_trace_args(line, running_cell_number(self.shell))
        return _run_body(self.shell, options, cell)

    trace.__doc__ = trace_help.__doc__  # the help text with the usage magic_arguments wrote


def _run_body(shell: Any, options: TraceOptions, cell: str) -> Any:
    code = shell.transform_cell(cell)
    filename = shell.compile.cache(code, shell.execution_count, raw_code=cell)
    tree = shell.compile.ast_parse(code, filename=filename)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    namespace = shell.user_ns
    with cell_trace(options, namespace):
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            return eval(compile(ast.Expression(last.value), filename, "eval"), namespace)
    return None
