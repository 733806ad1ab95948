"""A Python subprocess with its own OpenTelemetry set-up, as a user's script would have.

It never mentions datapizza_tracing: spans join the parent's block only through
what the parent's block put in its environment.
"""

from __future__ import annotations

import sys

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

trace.set_tracer_provider(TracerProvider(resource=Resource.create({"service.name": "batch-job"})))
tracer = trace.get_tracer("batch-job")
with tracer.start_as_current_span("batch job") as job:
    with tracer.start_as_current_span("chat gpt-4o-mini") as call:
        call.set_attribute("gen_ai.request.model", "gpt-4o-mini")
        call.set_attribute("gen_ai.usage.input_tokens", 12)
        call.set_attribute("gen_ai.usage.output_tokens", 4)
print("child done", sys.argv[1:])
