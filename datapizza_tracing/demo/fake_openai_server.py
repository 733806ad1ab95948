"""A small OpenAI-compatible HTTP server on loopback, to try real LLM clients without a key.

Point any OpenAI client at ``FakeOpenAI().start().base_url``: it answers
``POST /v1/chat/completions`` and ``POST /v1/responses`` (plain JSON or
server-sent events when ``stream`` is true) with a fixed answer and fixed,
known token counts, cached and reasoning tokens included, so a test can assert
the exact figures a tracing summary must show.

Agents get one tool round: a request that offers ``tools`` and holds no tool
result since its last user message is answered with a call of the first tool
(arguments made from the tool's JSON schema, see ``tool_arguments``); once the
tool's result is in the conversation, the fixed answer follows. Every request it receives is
recorded. It runs in a daemon thread of the calling process on 127.0.0.1 and an
ephemeral port; sockets time out, so a client that stalls cannot hang it. The
example notebooks and the interop tests use it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

ANSWER = "Pizza Margherita: tomato, mozzarella, basil."
# A fixed creation time keeps answers (and spans that record them) identical run to run.
CREATED_AT = 1_767_225_600


@dataclass(frozen=True)
class Usage:
    """Token counts of every answer (OpenAI semantics: cached ⊂ prompt, reasoning ⊂ completion)."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    reasoning_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def chat(self) -> dict[str, Any]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.total_tokens,
            "prompt_tokens_details": {"cached_tokens": self.cached_tokens, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": self.reasoning_tokens, "audio_tokens": 0},
        }

    def responses(self) -> dict[str, Any]:
        return {
            "input_tokens": self.prompt_tokens,
            "input_tokens_details": {"cached_tokens": self.cached_tokens},
            "output_tokens": self.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": self.reasoning_tokens},
            "total_tokens": self.total_tokens,
        }


# Different figures per endpoint, so a test can tell which API a client used.
CHAT_USAGE = Usage(prompt_tokens=31, completion_tokens=27, cached_tokens=11, reasoning_tokens=7)
RESPONSES_USAGE = Usage(prompt_tokens=42, completion_tokens=19, cached_tokens=16, reasoning_tokens=5)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class _State:
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    counter: int = 0

    def record(self, request: RecordedRequest) -> int:
        with self.lock:
            self.requests.append(request)
            self.counter += 1
            return self.counter


def _chunks(text: str, size: int = 12) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


# Values the fake puts in a tool call, by JSON-schema type.
TOOL_STRING_ARGUMENT = "Naples"
_ARGUMENT_BY_TYPE: dict[str, Any] = {
    "string": TOOL_STRING_ARGUMENT,
    "integer": 1,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
}


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str  # JSON text, as the OpenAI API sends it
    call_id: str


def tool_arguments(schema: Any) -> dict[str, Any]:
    """Arguments for a tool's JSON schema: each required property gets a fixed value of its type."""
    if not isinstance(schema, dict):
        return {}
    properties = schema.get("properties") or {}
    arguments: dict[str, Any] = {}
    for name in schema.get("required") or []:
        spec = properties.get(name) or {}
        if spec.get("enum"):
            arguments[name] = spec["enum"][0]
            continue
        kind = spec.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if not kind and isinstance(spec.get("anyOf"), list):
            kind = next(
                (o.get("type") for o in spec["anyOf"] if o.get("type") not in (None, "null")), "string"
            )
        arguments[name] = _ARGUMENT_BY_TYPE.get(kind or "string", TOOL_STRING_ARGUMENT)
    return arguments


def _since_last_user(items: list[Any]) -> list[Any]:
    last_user = max(
        (i for i, item in enumerate(items) if isinstance(item, dict) and item.get("role") == "user"),
        default=-1,
    )
    return items[last_user + 1 :]


def _tool_call(body: dict[str, Any], number: int, responses_api: bool) -> ToolCall | None:
    """The tool call to answer with, or ``None`` when the answer is text."""
    tools = [
        tool for tool in body.get("tools") or [] if isinstance(tool, dict) and tool.get("type") == "function"
    ]
    if not tools or body.get("tool_choice") == "none":
        return None
    if responses_api:
        items = body.get("input")
        items = items if isinstance(items, list) else []
        answered = any(
            isinstance(i, dict) and i.get("type") == "function_call_output" for i in _since_last_user(items)
        )
        function = tools[0]
    else:
        messages = body.get("messages") or []
        answered = any(isinstance(m, dict) and m.get("role") == "tool" for m in _since_last_user(messages))
        function = tools[0].get("function") or {}
    if answered:
        return None
    arguments = json.dumps(tool_arguments(function.get("parameters")))
    return ToolCall(str(function.get("name")), arguments, f"call_fake{number}")


def _chat_completion(model: str, number: int, call: ToolCall | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": ANSWER, "refusal": None}
    if call is not None:
        message = {
            "role": "assistant",
            "content": None,
            "refusal": None,
            "tool_calls": [
                {
                    "id": call.call_id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
            ],
        }
    return {
        "id": f"chatcmpl-fake{number}",
        "object": "chat.completion",
        "created": CREATED_AT,
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "stop" if call is None else "tool_calls",
            }
        ],
        "usage": CHAT_USAGE.chat(),
    }


def _chat_stream(
    model: str, number: int, include_usage: bool, call: ToolCall | None = None
) -> Iterator[dict[str, Any]]:
    base = {
        "id": f"chatcmpl-fake{number}",
        "object": "chat.completion.chunk",
        "created": CREATED_AT,
        "model": model,
        "system_fingerprint": "fp_fake",
    }
    usage_field = {"usage": None} if include_usage else {}
    yield {
        **base,
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
        **usage_field,
    }
    if call is None:
        for piece in _chunks(ANSWER):
            yield {
                **base,
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                **usage_field,
            }
    else:
        for i, piece in enumerate(_chunks(call.arguments) or [""]):
            head = {"id": call.call_id, "type": "function"} if i == 0 else {}
            function = {"name": call.name, "arguments": piece} if i == 0 else {"arguments": piece}
            delta = {"tool_calls": [{"index": 0, **head, "function": function}]}
            yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}], **usage_field}
    finish = "stop" if call is None else "tool_calls"
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], **usage_field}
    if include_usage:  # the OpenAI API sends usage in one last chunk without choices
        yield {**base, "choices": [], "usage": CHAT_USAGE.chat()}


def _function_call_item(call: ToolCall, number: int, status: str, arguments: str) -> dict[str, Any]:
    return {
        "type": "function_call",
        "id": f"fc_fake{number}",
        "call_id": call.call_id,
        "name": call.name,
        "arguments": arguments,
        "status": status,
    }


def _response_object(
    model: str, number: int, status: str, with_output: bool, call: ToolCall | None = None
) -> dict[str, Any]:
    output = [
        {
            "type": "message",
            "id": f"msg_fake{number}",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text", "text": ANSWER, "annotations": [], "logprobs": []}],
        }
    ]
    if call is not None:
        output = [_function_call_item(call, number, "completed", call.arguments)]
    return {
        "id": f"resp_fake{number}",
        "object": "response",
        "created_at": CREATED_AT,
        "status": status,
        "model": model,
        "output": output if with_output else [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": [],
        "temperature": 1.0,
        "top_p": 1.0,
        "text": {"format": {"type": "text"}},
        "truncation": "disabled",
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "metadata": {},
        "usage": RESPONSES_USAGE.responses() if status == "completed" else None,
    }


def _responses_tool_stream(model: str, number: int, call: ToolCall) -> Iterator[dict[str, Any]]:
    item_id = f"fc_fake{number}"
    sequence = iter(range(1_000_000))
    yield {
        "type": "response.created",
        "sequence_number": next(sequence),
        "response": _response_object(model, number, "in_progress", with_output=False),
    }
    yield {
        "type": "response.output_item.added",
        "sequence_number": next(sequence),
        "output_index": 0,
        "item": _function_call_item(call, number, "in_progress", ""),
    }
    for piece in _chunks(call.arguments):
        yield {
            "type": "response.function_call_arguments.delta",
            "sequence_number": next(sequence),
            "item_id": item_id,
            "output_index": 0,
            "delta": piece,
        }
    yield {
        "type": "response.function_call_arguments.done",
        "sequence_number": next(sequence),
        "item_id": item_id,
        "output_index": 0,
        "name": call.name,
        "arguments": call.arguments,
    }
    yield {
        "type": "response.output_item.done",
        "sequence_number": next(sequence),
        "output_index": 0,
        "item": _function_call_item(call, number, "completed", call.arguments),
    }
    yield {
        "type": "response.completed",
        "sequence_number": next(sequence),
        "response": _response_object(model, number, "completed", with_output=True, call=call),
    }


def _responses_stream(model: str, number: int) -> Iterator[dict[str, Any]]:
    item_id = f"msg_fake{number}"
    sequence = iter(range(1_000_000))
    yield {
        "type": "response.created",
        "sequence_number": next(sequence),
        "response": _response_object(model, number, "in_progress", with_output=False),
    }
    yield {
        "type": "response.output_item.added",
        "sequence_number": next(sequence),
        "output_index": 0,
        "item": {
            "type": "message",
            "id": item_id,
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        },
    }
    yield {
        "type": "response.content_part.added",
        "sequence_number": next(sequence),
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "part": {"type": "output_text", "text": "", "annotations": []},
    }
    for piece in _chunks(ANSWER):
        yield {
            "type": "response.output_text.delta",
            "sequence_number": next(sequence),
            "item_id": item_id,
            "output_index": 0,
            "content_index": 0,
            "delta": piece,
            "logprobs": [],
        }
    yield {
        "type": "response.output_text.done",
        "sequence_number": next(sequence),
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "text": ANSWER,
        "logprobs": [],
    }
    yield {
        "type": "response.completed",
        "sequence_number": next(sequence),
        "response": _response_object(model, number, "completed", with_output=True),
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 10  # seconds a client may stall on the socket
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        path = self.path.split("?", 1)[0]
        number = self.server.state.record(
            RecordedRequest("POST", path, {k.lower(): v for k, v in self.headers.items()}, body)
        )
        model = str(body.get("model") or "unknown-model")
        stream = bool(body.get("stream"))
        if self.server.latency_s:
            time.sleep(self.server.latency_s)
        if path.endswith("/chat/completions"):
            call = _tool_call(body, number, responses_api=False)
            if stream:
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                self._send_events(_chat_stream(model, number, include_usage, call), done_marker=True)
            else:
                self._send_json(200, _chat_completion(model, number, call))
        elif path.endswith("/responses"):
            call = _tool_call(body, number, responses_api=True)
            if stream and call is not None:
                self._send_events(_responses_tool_stream(model, number, call), done_marker=False)
            elif stream:
                self._send_events(_responses_stream(model, number), done_marker=False)
            else:
                self._send_json(
                    200, _response_object(model, number, "completed", with_output=True, call=call)
                )
        else:
            self._send_json(404, {"error": {"message": f"no route {path}", "type": "invalid_request_error"}})

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_events(self, events: Iterator[dict[str, Any]], done_marker: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")  # the end of the body is the end of the stream
        self.end_headers()
        for event in events:
            name = event.get("type")
            prefix = f"event: {name}\n" if name and not done_marker else ""
            self.wfile.write(f"{prefix}data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        if done_marker:
            self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State
    latency_s: float = 0.0


class FakeOpenAI:
    """Context manager running the fake API on ``127.0.0.1`` at an ephemeral port.

    >>> with FakeOpenAI() as api:
    ...     client = OpenAI(base_url=api.base_url, api_key="test")
    """

    def __init__(self, latency_s: float = 0.0) -> None:
        # Seconds each answer waits before it is sent, so concurrent requests overlap.
        self.latency_s = latency_s
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """The ``base_url`` to give an OpenAI client (ends in ``/v1``)."""
        assert self._server is not None, "the server is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        assert self._server is not None, "the server is not running"
        with self._server.state.lock:
            return list(self._server.state.requests)

    def start(self) -> FakeOpenAI:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.state = _State()
        server.latency_s = self.latency_s
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
