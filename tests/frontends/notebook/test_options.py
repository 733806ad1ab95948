"""The ``%%trace`` line parsed: name, ``-o``, ``--no-display`` and ``--receive [PORT]``."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from datapizza_tracing.frontends.notebook.options import parse_trace_args


@pytest.mark.parametrize(
    ("line", "receive"),
    [
        ("my run", None),  # the environment's setting decides
        ("my run --receive", True),
        ("my run --receive 4318", 4318),
        ("my run --receive=65535", 65535),
        ("--receive 1 my run", 1),
    ],
)
def test_receive_is_off_by_default_a_free_port_alone_or_the_port_given(line: str, receive: object) -> None:
    options = parse_trace_args(line, 3)
    assert options.name == "my run" and options.receive == receive


def test_receive_alone_names_the_trace_after_the_cell() -> None:
    options = parse_trace_args("--receive", 7)
    assert options.name == "In [7]" and options.receive is True


@pytest.mark.parametrize("value", ["0", "65536", "-1", "4318.0", "0x10", "４３１８"])
def test_a_receive_port_out_of_range_or_not_a_number_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match=r"takes a port number \(1 to 65535\) or nothing, not") as raised:
        parse_trace_args(f"run --receive={value}")
    assert "Usage: %%trace" in str(raised.value)


def test_a_name_written_after_receive_gets_a_hint() -> None:
    with pytest.raises(UsageError, match="not 'my'; write the trace's name before --receive"):
        parse_trace_args("--receive my run")
