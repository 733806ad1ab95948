"""Carrying a block's trace into the worker processes and Python subprocesses it starts.

While a block that follows processes is open, work submitted to a
``concurrent.futures.ProcessPoolExecutor`` (``submit``, and ``map``, which
submits) or to a ``multiprocessing.Pool`` (``apply``/``apply_async``,
``map``/``starmap`` and their async forms, ``imap``/``imap_unordered``), with
the fork, spawn or forkserver start method, is wrapped in
``child.run_in_child`` with the submitting span's W3C ``traceparent`` and the
block's receiver endpoint. The worker runs the work under that span and posts
its spans back before the result returns. A worker process that is itself
followed hands its own work on the same way.

Only pools whose workers run this interpreter are followed: a worker of
another interpreter might not have this package, and unpickling the wrapper
would fail the work. Such pools run unchanged and the block's notes say so.
A Python subprocess (``subprocess.run``/``Popen`` of ``python…`` or of this
interpreter) gets the context in the ``TRACEPARENT`` environment variable, the
receiver in ``DATAPIZZA_TRACING_PARENT_ENDPOINT``, and a ``sitecustomize`` first
on ``PYTHONPATH`` that joins the trace when the package can be imported there
(and then runs the ``sitecustomize`` it shadows); the child posts its spans
when it exits. Outside followed blocks the patches check one context value and
step aside.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.pool
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .child import (
    ENDPOINT_ENV,
    MAX_SPANS_KEY,
    PARENT_MAX_SPANS_ENV,
    TRACEPARENT_ENV,
    TRACESTATE_ENV,
    inherited_carrier,
    run_in_child,
)
from .link import current_link

_PATCHED = "_datapizza_tracing_processes"
OTHER_INTERPRETER_NOTE = (
    "Work sent to a process pool running another Python interpreter ({executable}) was not followed: "
    "its spans are not in this trace."
)


def _interpreter(program: str) -> tuple[str, str]:
    """What tells Python installations apart: a virtual environment by its folder, else the binary.

    A venv's ``python`` is a link to (or a copy of) the base interpreter, but
    its packages are its own: two venvs of one Python are two installations.
    """
    found = os.path.abspath(shutil.which(program) or program)
    home = os.path.dirname(os.path.dirname(found))
    if os.path.isfile(os.path.join(home, "pyvenv.cfg")):
        return "venv", os.path.realpath(home)
    return "python", os.path.realpath(found)


def _is_this_python(program: str) -> bool:
    return _interpreter(program) == _interpreter(sys.executable)


def _pool_executable() -> str:
    # set_executable() keeps bytes on POSIX
    return os.fsdecode(multiprocessing.spawn.get_executable())


def _same_interpreter(method: str | None) -> bool:
    return method == "fork" or _is_this_python(_pool_executable())


def _carrier(start_method: str | None) -> dict[str, str] | None:
    """The carrier for work submitted now, or None when it is not followed."""
    link = current_link()
    if link is None:
        return inherited_carrier() if start_method == "fork" or _same_interpreter(start_method) else None
    if not link.follow_processes:
        return None
    if not _same_interpreter(start_method):
        link.note(OTHER_INTERPRETER_NOTE.format(executable=_pool_executable()))
        return None
    return link.child_carrier()


def _executor_method(executor: ProcessPoolExecutor) -> str | None:
    context = getattr(executor, "_mp_context", None)
    return context.get_start_method() if context is not None else None


def _pool_method(pool: multiprocessing.pool.Pool) -> str | None:
    context = getattr(pool, "_ctx", None)
    return context.get_start_method() if context is not None else None


def _is_thread_pool(pool: multiprocessing.pool.Pool) -> bool:
    # ThreadPool is a Pool whose workers are threads of this process: nothing to carry across.
    return isinstance(pool, multiprocessing.pool.ThreadPool)


def _wrapped(fn: Callable[..., Any], carrier: dict[str, str] | None) -> Callable[..., Any]:
    return functools.partial(run_in_child, carrier, fn) if carrier is not None else fn


_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)*)?[a-z]?(\.exe)?$", re.IGNORECASE)
BOOTSTRAP_DIR = str(Path(__file__).with_name("bootstrap"))
OTHER_PYTHON_NOTE = (
    "A Python subprocess runs another interpreter ({program}): its spans join this trace only if "
    "datapizza-tracing is installed there."
)


def _program(args: Any, kwargs: dict[str, Any]) -> str | None:
    program = kwargs.get("executable")
    if program is None:
        if isinstance(args, (str, bytes, os.PathLike)):
            text = os.fsdecode(args)
            try:
                words = shlex.split(text) if kwargs.get("shell") else [text]
            except ValueError:
                return None
            program = words[0] if words else None
        else:
            try:
                program = next(iter(args), None)
            except TypeError:
                return None
    return os.fsdecode(program) if program is not None else None


def _is_python(program: str) -> bool:
    return bool(_PYTHON_NAME.match(os.path.basename(program))) or _is_this_python(program)


def _subprocess_env(args: Any, kwargs: dict[str, Any]) -> dict[str, str] | None:
    """The environment a Python subprocess of a followed block gets, or None to leave it alone."""
    link = current_link()
    if link is None or not link.follow_processes:
        return None
    program = _program(args, kwargs)
    if program is None or not _is_python(program):
        return None
    carrier = link.child_carrier()
    if carrier is None:
        return None
    if not _is_this_python(program):
        link.note(OTHER_PYTHON_NOTE.format(program=program))
    base = kwargs.get("env")
    env = {os.fsdecode(k): os.fsdecode(v) for k, v in (base if base is not None else os.environ).items()}
    env[TRACEPARENT_ENV] = carrier["traceparent"]
    if "tracestate" in carrier:
        env[TRACESTATE_ENV] = carrier["tracestate"]
    env[ENDPOINT_ENV] = carrier["endpoint"]
    env[PARENT_MAX_SPANS_ENV] = carrier[MAX_SPANS_KEY]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [BOOTSTRAP_DIR, env.get("PYTHONPATH")]))
    return env


def install_process_propagation() -> None:
    """Patch the process pools and ``subprocess.Popen`` once per process (idempotent)."""
    if getattr(ProcessPoolExecutor.submit, _PATCHED, False):
        return
    popen_init = subprocess.Popen.__init__

    @functools.wraps(popen_init)
    def followed_popen_init(self: subprocess.Popen, args: Any, *rest: Any, **kwargs: Any) -> None:
        if len(rest) < 10:  # env passed by keyword, as everyone does
            try:
                env = _subprocess_env(args, kwargs)
            except Exception:  # deciding must never stop the user's subprocess
                env = None
            if env is not None:
                kwargs["env"] = env
        popen_init(self, args, *rest, **kwargs)

    subprocess.Popen.__init__ = followed_popen_init  # type: ignore[method-assign]
    submit = ProcessPoolExecutor.submit
    apply_async = multiprocessing.pool.Pool.apply_async
    map_async = multiprocessing.pool.Pool._map_async  # type: ignore[attr-defined]
    imap = multiprocessing.pool.Pool.imap
    imap_unordered = multiprocessing.pool.Pool.imap_unordered

    @functools.wraps(submit)
    def followed_submit(
        self: ProcessPoolExecutor, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Any:
        return submit(self, _wrapped(fn, _carrier(_executor_method(self))), *args, **kwargs)

    @functools.wraps(apply_async)
    def followed_apply_async(
        self: multiprocessing.pool.Pool, func: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        if not _is_thread_pool(self):
            func = _wrapped(func, _carrier(_pool_method(self)))
        return apply_async(self, func, *args, **kwargs)

    @functools.wraps(map_async)
    def followed_map_async(
        self: multiprocessing.pool.Pool,
        func: Callable[..., Any],
        iterable: Any,
        mapper: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        # The mapper runs a whole chunk: one wrapper, and one delivery, per chunk.
        if not _is_thread_pool(self):
            mapper = _wrapped(mapper, _carrier(_pool_method(self)))
        return map_async(self, func, iterable, mapper, *args, **kwargs)

    def _followed_imap(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def followed(
            self: multiprocessing.pool.Pool, func: Callable[..., Any], *args: Any, **kwargs: Any
        ) -> Any:
            if not _is_thread_pool(self):
                func = _wrapped(func, _carrier(_pool_method(self)))
            return original(self, func, *args, **kwargs)

        return followed

    for patched in (followed_submit, followed_apply_async, followed_map_async):
        setattr(patched, _PATCHED, True)
    ProcessPoolExecutor.submit = followed_submit  # type: ignore[method-assign]
    multiprocessing.pool.Pool.apply_async = followed_apply_async  # type: ignore[method-assign]
    multiprocessing.pool.Pool._map_async = followed_map_async  # type: ignore[attr-defined]
    multiprocessing.pool.Pool.imap = _followed_imap(imap)  # type: ignore[method-assign]
    multiprocessing.pool.Pool.imap_unordered = _followed_imap(imap_unordered)  # type: ignore[method-assign]
