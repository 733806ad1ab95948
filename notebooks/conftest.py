"""nbval setup for the example notebooks (run with ``python -m pytest``; pyproject adds ``--nbval``).

The notebooks stay what a user runs (no hidden settings cell). What differs
under test is set here:

* the kernel gets ``DATAPIZZA_TRACING_DISPLAY=static``: nbval ignores widgets
  and does not apply display updates, so the saved outputs were made in the
  same mode (``DATAPIZZA_TRACING_DISPLAY=static jupyter nbconvert --to notebook
  --execute --inplace notebooks/*.ipynb``);
* outputs are compared through ``sanitize.cfg`` (durations, ids, bar widths),
  found next to this file whatever the working directory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

SANITIZE_FILE = Path(__file__).with_name("sanitize.cfg")
KERNEL_ENV = {"DATAPIZZA_TRACING_DISPLAY": "static", "DATAPIZZA_TRACE_CLIENT_IO": "false"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    # nbval starts a notebook's kernel while setting up its first cell, and the
    # kernel inherits os.environ: set the variables only around that setup.
    options = item.config.option
    if getattr(options, "nbval_sanitize_with", "unset") is None:
        options.nbval_sanitize_with = str(SANITIZE_FILE)
    saved = {name: os.environ.get(name) for name in KERNEL_ENV}
    os.environ.update(KERNEL_ENV)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Each notebook runs in its own kernel: keep them out of `-m "not slow"`.
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.kernel)
