"""A stand-in LLM client that answers from a script and reports usage like a real one.

It writes the same span attributes as datapizza-ai's clients (``type=generation``,
``model_name``, ``*_tokens_used``, and ``input``/``output``/``memory`` when
``DATAPIZZA_TRACE_CLIENT_IO`` is on), so everything the tracer shows for it is
what it would show for a real client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..instrument import generation_span, record_client_io, record_usage


@dataclass(frozen=True)
class FakeResponse:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    thinking_tokens: int


def _count_tokens(text: str) -> int:
    # About four characters a token, as for English text with common tokenizers.
    return max(1, round(len(text) / 4))


class FakeLLMClient:
    """Answers each prompt with ``reply(prompt)``, after a short simulated latency."""

    def __init__(
        self,
        model: str = "gpt-4o-mini",
        reply: Callable[[str], str] | None = None,
        latency_s: float = 0.05,
        thinking: bool = False,
    ) -> None:
        self.model = model
        self._reply = reply or (lambda prompt: f"Answer to: {prompt}")
        self._latency_s = latency_s
        self._thinking = thinking
        self._seen_prefixes: set[str] = set()

    def invoke(self, prompt: str, memory: Sequence[str] = (), system: str = "") -> FakeResponse:
        with generation_span(f"{self.model} invoke", model=self.model) as span:
            time.sleep(self._latency_s)
            text = self._reply(prompt)
            context = "\n".join([system, *memory])
            prompt_tokens = (
                _count_tokens(context) + _count_tokens(prompt) if context else _count_tokens(prompt)
            )
            # Providers cache a repeated prompt prefix: the system prompt and memory.
            cached = _count_tokens(context) if context and context in self._seen_prefixes else 0
            if context:
                self._seen_prefixes.add(context)
            completion = _count_tokens(text)
            thinking = completion * 2 if self._thinking else 0
            response = FakeResponse(text, prompt_tokens, completion + thinking, cached, thinking)
            record_usage(
                span,
                model=self.model,
                prompt_tokens=response.prompt_tokens,
                completion_tokens=response.completion_tokens,
                cached_tokens=response.cached_tokens,
                thinking_tokens=response.thinking_tokens,
                stop_reason="stop",
            )
            record_client_io(span, input=prompt, output=text, memory=list(memory) or None)
            return response
