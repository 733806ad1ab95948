"""Instrumented work for process pools: importable by spawned workers, which re-import it by name."""

from __future__ import annotations

import os

from opentelemetry import trace

from datapizza_tracing import generation_span, record_usage, tool_span

MODEL = "gpt-4o-mini"
PROMPT_TOKENS = 11


def instrumented_task(n: int) -> int:
    """One tool span holding one model call that reports ``PROMPT_TOKENS`` → ``n`` tokens."""
    with tool_span(f"task {n}"):
        with generation_span(f"call {n}", model=MODEL) as span:
            record_usage(span, model=MODEL, prompt_tokens=PROMPT_TOKENS, completion_tokens=n, cached_tokens=1)
    return os.getpid()


def instrumented_pair(a: int, b: int) -> int:
    return instrumented_task(a * 10 + b)


def failing_task(n: int) -> int:
    with trace.get_tracer(__name__).start_as_current_span(f"failing {n}"):
        raise ValueError(f"task {n} failed on purpose")


def nested_pool_task(n: int) -> int:
    """A worker that hands work to a pool of its own: the grandchildren join the block too."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with tool_span(f"fan out {n}"):
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
            return pool.submit(instrumented_task, n).result()


def many_spans_task(n: int) -> int:
    """``n`` plain spans in one worker: more than one OTLP request's worth."""
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span("many steps"):
        for i in range(n):
            with tracer.start_as_current_span(f"step {i}"):
                pass
    return os.getpid()
