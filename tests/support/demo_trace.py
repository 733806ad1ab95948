"""A fixed agent trace for the viewer's tests and screenshots: every kind of row, one error, a slow step.

``answer_question`` (8.4 s) runs an agent that plans with one model call, searches
(six page fetches side by side, folded into one group, then a ranking: the slow
step), fails to classify (a ``ValueError`` raised in ``classify`` and propagated
through ``loader``) and answers with a thinking model whose conversation was
captured.
"""

from __future__ import annotations

import json

from datapizza_tracing.model.record import ERROR, SpanEvent, SpanRecord
from datapizza_tracing.model.snapshot import TraceSnapshot
from tests.support.records import BASE_NS, SECOND, snapshot, span

STACK = (
    "Traceback (most recent call last):\n"
    '  File "/home/ada/agent/pipeline.py", line 41, in load\n'
    "    labels = classify(document)\n"
    '  File "/home/ada/agent/pipeline.py", line 17, in classify\n'
    "    return model.predict(text)\n"
    '  File "/home/ada/.venv/lib/python3.11/site-packages/sklearn/base.py", line 812, in predict\n'
    "    check_is_fitted(self)\n"
    '  File "/home/ada/.venv/lib/python3.11/site-packages/sklearn/utils/validation.py", line 1661, in check\n'
    "    raise ValueError(msg)\n"
    "ValueError: the classifier was never trained on 'invoices'\n"
)
PLAN_USAGE = {"input_tokens": 1_200, "output_tokens": 150, "cache_read.input_tokens": 800}
CONVERSATION_IN = [
    {"role": "system", "parts": [{"type": "text", "content": "Answer from the ranked pages only."}]},
    {"role": "user", "parts": [{"type": "text", "content": "Which invoices are overdue?"}]},
]
CONVERSATION_OUT = [
    {
        "role": "assistant",
        "parts": [
            {"type": "text", "content": "Three invoices are overdue: #1042, #1057 and #1063."},
            {"type": "tool_call", "name": "notify", "arguments": {"channel": "billing"}},
        ],
    }
]


def _call(
    span_id: int, parent: int, start: float, end: float, name: str, model: str, usage: dict
) -> SpanRecord:
    attributes = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        **{f"gen_ai.usage.{key}": value for key, value in usage.items()},
    }
    return span(span_id, parent, start, end, name, attributes=attributes)


def demo_snapshot() -> TraceSnapshot:
    error = SpanEvent(
        "exception",
        BASE_NS + int(7.85 * SECOND),
        {
            "exception.type": "ValueError",
            "exception.message": "the classifier was never trained on 'invoices'",
            "exception.stacktrace": STACK,
        },
    )
    message = "ValueError: the classifier was never trained on 'invoices'"
    fetches = [
        span(20 + i, 5, 1.0 + i * 0.15, 2.1 + i * 0.35, f"fetch page {i}", attributes={"type": "tool"})
        for i in range(6)
    ]
    answer = _call(
        9, 2, 8.0, 8.3, "answer", "o4-mini",
        {"input_tokens": 900, "output_tokens": 400, "cache_read.input_tokens": 600,
         "reasoning.output_tokens": 250},
    )  # fmt: skip
    answer = answer._replace(
        attributes={
            **answer.attributes,
            "gen_ai.input.messages": json.dumps(CONVERSATION_IN),
            "gen_ai.output.messages": json.dumps(CONVERSATION_OUT),
        }
    )
    return snapshot(
        span(1, 0, 0, 8.4, "answer_question"),
        span(2, 1, 0.1, 8.35, "agent", attributes={"type": "agent"}),
        _call(
            3,
            2,
            0.1,
            0.9,
            "plan",
            "gpt-4o-mini",
            {"input_tokens": 1_200, "output_tokens": 150, "cache_read.input_tokens": 800},
        ),
        span(5, 2, 1.0, 7.5, "search", attributes={"type": "tool"}),
        *fetches,
        span(30, 5, 4.0, 7.4, "rank", attributes={"type": "tool"}),
        span(6, 2, 7.55, 7.95, "loader", status=ERROR, message=message, events=(error,)),
        span(
            7,
            6,
            7.6,
            7.9,
            "classify",
            attributes={"type": "tool"},
            status=ERROR,
            message=message,
            events=(error,),
        ),
        answer,
        name="answer_question",
    )
