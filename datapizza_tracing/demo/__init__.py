"""A small agent and a fake LLM client to try datapizza-tracing without an API key or a server."""

from .agent import TripPlanner
from .fake_llm import FakeLLMClient, FakeResponse

__all__ = ["FakeLLMClient", "FakeResponse", "TripPlanner"]
