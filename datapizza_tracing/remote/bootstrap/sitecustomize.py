"""Run at the start of a Python subprocess a followed block started (this folder is put first on PYTHONPATH).

It joins the parent block's trace when datapizza-tracing can be imported here
(see ``datapizza_tracing.remote.child.join_from_environment``), then runs the
``sitecustomize`` it shadows, if there is one, so the interpreter's own set-up
still happens. Without the package it does nothing, and the child runs as it
would have.
"""

from __future__ import annotations


def _join_parent_trace() -> None:
    try:
        from datapizza_tracing.remote.child import join_from_environment
    except Exception:  # not installed in this interpreter: the child runs untraced
        return
    join_from_environment()


def _run_shadowed_sitecustomize() -> None:
    import importlib
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    saved_path = list(sys.path)
    me = sys.modules.pop("sitecustomize", None)
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or ".") != here]
    try:
        importlib.import_module("sitecustomize")
    except ImportError:
        pass
    except Exception:  # the shadowed one failed: as Python itself would, go on
        pass
    finally:
        sys.path[:] = saved_path
        if me is not None:
            sys.modules["sitecustomize"] = me


_join_parent_trace()
_run_shadowed_sitecustomize()
