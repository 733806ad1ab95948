"""A real instrumented service (FastAPI on uvicorn) called from a block: its spans join the block.

The service exports OTLP either to the block's receiver (``trace(receive=PORT)``)
or to a real Arize Phoenix, which the block reads back at its end
(``trace(read_back=PhoenixReader(...))``). Either way the service's spans hang
under the client span of the ``httpx`` (or ``requests``) call, carry the
service's name, and its model call counts once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.inventory_service import COMPLETION_TOKENS, MODEL, PROMPT_TOKENS, SERVICE_NAME
from tests.support.phoenix import PhoenixServer, free_port, running_phoenix
from tests.support.scenario_process import ScenarioRun, run_script
from tests.support.service_process import ServiceProcess

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
CLIENT_SCENARIO = Path(__file__).parents[1] / "support" / "remote_scenarios.py"
SERVER_SPAN = "GET /items/{name}"


def _check_service_spans_under_the_client_call(run: ScenarioRun, service_mark: str) -> None:
    spans = run.result["spans"]
    assert len({span["span_id"] for span in spans}) == len(spans)  # every span once
    by_id = {span["span_id"]: span for span in spans}
    [client_call] = [span for span in spans if span["kind"] == "CLIENT"]
    assert by_id[client_call["parent_id"]]["name"] == "ask inventory"
    [server] = run.spans_named(SERVER_SPAN)
    assert server["parent_id"] == client_call["span_id"]  # the service's root hangs under the call
    [lookup] = run.spans_named("look up stock")
    [chat] = run.spans_named(f"chat {MODEL}")
    assert lookup["parent_id"] == server["span_id"] and chat["parent_id"] == lookup["span_id"]
    for span in (server, lookup, chat):
        assert span["service"] == service_mark
    assert {span["service"] for span in spans if span["name"] in ("client", "ask inventory")} != {
        service_mark
    }
    assert run.usage == {
        MODEL: {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "cached_tokens": 0,
            "thinking_tokens": 0,
            "calls": 1,
            "cache_write_tokens": 0,
        }
    }
    assert run.result["answer"] == {"name": "margherita", "stock": 3}


@pytest.mark.parametrize("client", ["httpx", "requests"])
def test_a_fastapi_service_exporting_to_the_block_joins_it(tmp_path: Path, client: str) -> None:
    port = free_port()
    with ServiceProcess(f"http://127.0.0.1:{port}/v1/traces", tmp_path) as service:
        run = run_script(CLIENT_SCENARIO, service.url, "--receive", str(port), "--client", client)
    _check_service_spans_under_the_client_call(run, SERVICE_NAME)
    assert run.result["notes"] == []  # arrived while the block's end waited for them: not late


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhoenixServer]:
    with running_phoenix(tmp_path_factory.mktemp("phoenix")) as server:
        yield server


@pytest.mark.phoenix
def test_a_service_exporting_to_phoenix_is_read_back_at_the_block_end(
    phoenix: PhoenixServer, tmp_path: Path
) -> None:
    with ServiceProcess(phoenix.otlp_http_endpoint, tmp_path) as service:
        # The block's own spans go to Phoenix too, in the same project: read back, they count once.
        run = run_script(
            CLIENT_SCENARIO,
            service.url,
            "--phoenix",
            phoenix.base_url,
            "--project",
            SERVICE_NAME,
            "--export-too",
            env={
                "OTEL_SERVICE_NAME": "notebook",
                "OTEL_RESOURCE_ATTRIBUTES": f"openinference.project.name={SERVICE_NAME}",
                "DATAPIZZA_TRACING_REMOTE_WAIT_MS": "30000",
            },
        )
    # Phoenix keeps no service.name: spans read back are marked with their Phoenix project.
    _check_service_spans_under_the_client_call(run, SERVICE_NAME)
    stored = phoenix.spans_of_trace(run.result["trace_id"], project=SERVICE_NAME)
    assert len(stored) == len(run.result["spans"])  # the block holds what Phoenix holds, once each
    assert run.result["notes"] == []
