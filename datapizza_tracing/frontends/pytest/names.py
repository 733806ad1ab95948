"""The names the plugin shows to users and other processes (kept free of heavy imports)."""

FIXTURE = "traced"
MARKER = "trace_budget"
MARKER_HELP = (
    "trace_budget(prompt_tokens=..., completion_tokens=..., total_tokens=..., cost_usd=..., llm_calls=..., "
    "duration_s=...): fail the test when its trace uses more "
    "(datapizza-tracing; the marker alone traces the test)"
)
# The attribute a traced test's call report carries its figures in (see run_summary);
# pytest-xdist ships report attributes from the workers to the controller.
REPORT_ATTRIBUTE = "datapizza_tracing"
