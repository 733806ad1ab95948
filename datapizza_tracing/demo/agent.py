"""A tiny trip-planning agent: a planner model, tools run in parallel, a writer model."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from ..instrument import agent_span, tool_span
from .fake_llm import FakeLLMClient

SYSTEM_PROMPT = "You are a travel assistant. Use the tools, then write a short, friendly plan."

_WEATHER = {"Rome": "sunny, 24°C", "Milan": "cloudy, 17°C", "Naples": "sunny, 26°C"}
_PIZZERIAS = {"Rome": "Da Remo", "Milan": "Spontini", "Naples": "Da Michele"}


def weather(city: str) -> str:
    with tool_span("weather", attributes={"tool.city": city}):
        time.sleep(0.08)
        return _WEATHER.get(city, "unknown")


def best_pizzeria(city: str) -> str:
    with tool_span("best_pizzeria", attributes={"tool.city": city}):
        time.sleep(0.12)
        if city not in _PIZZERIAS:
            raise LookupError(f"no pizzeria known in {city}")
        return _PIZZERIAS[city]


class TripPlanner:
    """Plans a day trip: one planning call, tools per city in a thread pool, one writing call."""

    def __init__(self, planner: FakeLLMClient | None = None, writer: FakeLLMClient | None = None) -> None:
        self.planner = planner or FakeLLMClient(
            "gpt-4o-mini", reply=lambda p: "Check weather and pizza in each city."
        )
        self.writer = writer or FakeLLMClient(
            "o4-mini", reply=lambda p: "Start in Naples for pizza in the sun, then Rome.", thinking=True
        )

    def run(self, question: str, cities: list[str]) -> str:
        with agent_span("trip_planner", attributes={"agent.question": question}):
            self.planner.invoke(question, system=SYSTEM_PROMPT)
            with ThreadPoolExecutor(max_workers=4) as pool:
                weathers = list(pool.map(weather, cities))
                pizzerias = list(pool.map(self._pizzeria_or_none, cities))
            notes = [
                f"{city}: {sky}, pizza at {pizzeria or 'nowhere known'}"
                for city, sky, pizzeria in zip(cities, weathers, pizzerias, strict=True)
            ]
            answer = self.writer.invoke("Write the plan.", memory=notes, system=SYSTEM_PROMPT)
            # A second, follow-up question reuses the same context: the provider caches it.
            self.writer.invoke("Add one tip for the evening.", memory=notes, system=SYSTEM_PROMPT)
            return answer.text

    @staticmethod
    def _pizzeria_or_none(city: str) -> str | None:
        try:
            return best_pizzeria(city)
        except LookupError:
            return None
