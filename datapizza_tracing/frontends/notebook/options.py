"""The ``%%trace`` line: its arguments, their parsing and the usage text shown on a mistake."""

from __future__ import annotations

from typing import NamedTuple

from IPython.core.error import UsageError
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring


class TraceOptions(NamedTuple):
    name: str
    output: str | None  # -o VAR: where the handle goes in the user's namespace
    no_display: bool
    receive: bool | int | None  # --receive [PORT]; None: DATAPIZZA_TRACING_RECEIVE decides


@magic_arguments(name="%trace")  # IPython adds one more "%"
@argument("name", nargs="*", help="Name of the trace (default: the cell's prompt, e.g. 'In [3]').")
@argument("-o", dest="output", metavar="VAR", help="Store the trace's handle in the variable VAR.")
@argument("--no-display", action="store_true", help="Collect the trace but show nothing.")
@argument(
    "--receive",
    nargs="?",
    const="",
    metavar="PORT",
    help="Open an OTLP/HTTP receiver on loopback for services to send their spans to: on PORT, or on a "
    "free port (the handle's otlp_endpoint says which). Default: DATAPIZZA_TRACING_RECEIVE.",
)
def trace_help(line: str) -> None:
    """Trace the cell: collect its OpenTelemetry spans and show the summary and span tree.

    The cell runs in your namespace as usual: top-level ``await`` works, the
    last expression is displayed (``;`` hides it), an exception fails the
    cell with its normal traceback and the trace still shows where it
    failed. A live view updates while the cell runs; when it ends, a static
    snapshot stays in the notebook. ``datapizza_tracing.last_trace()`` returns
    the handle of the last finished trace.
    """


def parse_trace_args(line: str, execution_count: int | None = None) -> TraceOptions:
    """The options of a ``%%trace`` line; raises ``UsageError`` with the usage on bad input."""
    try:
        parsed = parse_argstring(trace_help, line)
    except UsageError as err:
        raise UsageError(f"{err}\n\n{usage()}") from None
    if parsed.output is not None and not parsed.output.isidentifier():
        raise UsageError(f"%%trace -o needs a variable name, not {parsed.output!r}\n\n{usage()}")
    receive = _receive(parsed.receive)
    name = " ".join(parsed.name)
    if not name:
        name = f"In [{execution_count}]" if execution_count is not None else "trace"
    return TraceOptions(name=name, output=parsed.output, no_display=parsed.no_display, receive=receive)


def _receive(value: str | None) -> bool | int | None:
    if value is None:
        return None
    if value == "":
        return True
    digits = value.isascii() and value.isdigit()
    port = int(value) if digits else 0
    if not 0 < port <= 65_535:
        # "--receive my run": argparse took the name's first word for the port
        hint = "" if digits else "; write the trace's name before --receive"
        raise UsageError(
            f"%%trace --receive takes a port number (1 to 65535) or nothing, not {value!r}{hint}\n\n{usage()}"
        )
    return port


def usage() -> str:
    doc = trace_help.__doc__ or ""
    first = next((line.strip() for line in doc.splitlines() if line.strip().startswith("%%trace")), "")
    return f"Usage: {first}  (see %%trace? for help)"
