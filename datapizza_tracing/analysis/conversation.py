"""What the model saw and said, read from whichever vocabulary captured it, as messages by role.

Message content is captured only on opt-in (``DATAPIZZA_TRACE_CLIENT_IO``,
``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``, OpenInference's own
settings). When it is there, it comes in one of these shapes:

* OpenTelemetry GenAI: ``gen_ai.system_instructions``, ``gen_ai.input.messages`` and
  ``gen_ai.output.messages``, JSON lists of ``{"role", "parts": [...]}`` where a part
  is text, a tool call (name, arguments) or a tool call's response;
* OpenLLMetry's flat form: ``gen_ai.prompt.N.role`` / ``.content`` and ``gen_ai.completion.N.*``;
* OpenInference's flat form: ``llm.input_messages.N.message.role`` / ``.content`` /
  ``.tool_calls.M.tool_call.function.name`` and ``.arguments``, and ``llm.output_messages.*``;
* datapizza-ai clients: ``input`` (the prompt), ``memory`` (earlier turns) and ``output``.

Anything that does not parse is simply not a conversation: the raw attributes
still show, so nothing is hidden by a reader that guessed wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_MESSAGES = 200  # a conversation is read up to this many messages per side
_JSON_MAX_CHARS = 2_000_000


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: str


@dataclass(frozen=True)
class Message:
    role: str  # system, user, assistant, tool, ...
    text: str
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class Conversation:
    input: tuple[Message, ...]  # what the model was sent, system instructions first
    output: tuple[Message, ...]  # what it answered


def _json(value: Any) -> Any:
    if not isinstance(value, str) or len(value) > _JSON_MAX_CHARS or value[:1] not in "[{":
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return str(value)


def _genai_message(raw: Any) -> Message | None:
    if not isinstance(raw, Mapping):
        return None
    role = str(raw.get("role") or "unknown")
    texts: list[str] = []
    calls: list[ToolCall] = []
    parts = raw.get("parts")
    if isinstance(parts, list):
        for part in parts:
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            if kind == "tool_call":
                calls.append(ToolCall(str(part.get("name") or "?"), _as_text(part.get("arguments"))))
            elif kind == "tool_call_response":
                texts.append(_as_text(part.get("response", part.get("result"))))
            else:
                texts.append(_as_text(part.get("content", part.get("text"))))
    elif "content" in raw:  # the shape of chat APIs: {"role", "content", "tool_calls"}
        texts.append(_as_text(raw.get("content")))
        for call in raw.get("tool_calls") or ():
            function = call.get("function", call) if isinstance(call, Mapping) else {}
            if isinstance(function, Mapping):
                calls.append(ToolCall(str(function.get("name") or "?"), _as_text(function.get("arguments"))))
    return Message(role, "\n".join(text for text in texts if text), tuple(calls))


def _genai_list(value: Any) -> tuple[Message, ...] | None:
    data = _json(value) if isinstance(value, str) else value
    if not isinstance(data, list):
        return None
    messages = [message for raw in data[:MAX_MESSAGES] if (message := _genai_message(raw)) is not None]
    return tuple(messages)


def _system_instructions(value: Any) -> tuple[Message, ...]:
    data = _json(value) if isinstance(value, str) and value[:1] == "[" else value
    if isinstance(data, list):
        text = "\n".join(_as_text(part.get("content")) for part in data if isinstance(part, Mapping))
        return (Message("system", text),) if text else ()
    return (Message("system", value),) if isinstance(value, str) and value else ()


_FLAT = re.compile(r"^(?P<prefix>.+?)\.(?P<index>\d+)\.(?P<field>.+)$")


def _flat_messages(attributes: Mapping[str, Any], prefix: str, message_infix: str) -> tuple[Message, ...]:
    """Messages written one attribute per field: ``<prefix>.<n>.<message_infix>role`` and friends."""
    fields: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        if not key.startswith(prefix + "."):
            continue
        match = _FLAT.match(key)
        if match is None or match.group("prefix") != prefix:
            continue
        index = int(match.group("index"))
        if index < MAX_MESSAGES:
            fields.setdefault(index, {})[match.group("field").removeprefix(message_infix)] = value
    messages = []
    for index in sorted(fields):
        entry = fields[index]
        calls = []
        call_indices = sorted(
            {int(m.group(1)) for key in entry if (m := re.match(r"tool_calls\.(\d+)\.", key)) is not None}
        )
        for call in call_indices:
            base = f"tool_calls.{call}.tool_call.function."
            calls.append(
                ToolCall(str(entry.get(base + "name", "?")), _as_text(entry.get(base + "arguments")))
            )
        messages.append(
            Message(str(entry.get("role") or "unknown"), _as_text(entry.get("content")), tuple(calls))
        )
    return tuple(messages)


def _datapizza(attributes: Mapping[str, Any]) -> Conversation | None:
    if "input" not in attributes and "output" not in attributes:
        return None
    earlier: list[Message] = []
    memory = attributes.get("memory")
    data = _json(memory)
    if isinstance(data, list):
        for turn in data[:MAX_MESSAGES]:
            message = _genai_message(turn) if isinstance(turn, Mapping) else Message("memory", _as_text(turn))
            if message is not None:
                earlier.append(message)
    elif memory:
        earlier.append(Message("memory", _as_text(memory)))
    prompt = attributes.get("input")
    output = attributes.get("output")
    inputs = (*earlier, Message("user", _as_text(prompt))) if prompt is not None else tuple(earlier)
    outputs = (Message("assistant", _as_text(output)),) if output is not None else ()
    return Conversation(inputs, outputs)


def conversation(attributes: Mapping[str, Any]) -> Conversation | None:
    """The messages a span captured, or ``None`` when it captured none in a known shape."""
    try:
        return _conversation(attributes)
    except Exception:  # untrusted attribute values: a reader that fails shows raw values instead
        return None


def _conversation(attributes: Mapping[str, Any]) -> Conversation | None:
    if "gen_ai.input.messages" in attributes or "gen_ai.output.messages" in attributes:
        inputs = _genai_list(attributes.get("gen_ai.input.messages")) or ()
        outputs = _genai_list(attributes.get("gen_ai.output.messages")) or ()
        system = _system_instructions(attributes.get("gen_ai.system_instructions"))
        if inputs or outputs:
            return Conversation((*system, *inputs), outputs)
    inputs = _flat_messages(attributes, "llm.input_messages", "message.")
    outputs = _flat_messages(attributes, "llm.output_messages", "message.")
    if inputs or outputs:
        return Conversation(inputs, outputs)
    inputs = _flat_messages(attributes, "gen_ai.prompt", "")
    outputs = _flat_messages(attributes, "gen_ai.completion", "")
    if inputs or outputs:
        return Conversation(inputs, outputs)
    request = _json(attributes.get("input.value"))
    if isinstance(request, Mapping) and isinstance(request.get("messages"), list):
        inputs = _genai_list(request["messages"]) or ()
        if inputs:
            return Conversation(inputs, ())
    return _datapizza(attributes)
