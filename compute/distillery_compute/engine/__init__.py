"""The inference engine: paged KV cache, continuous batching, prefix caching, tensor parallelism (engine.py)."""

from distillery_compute.engine.engine import Completion, Engine, Output
from distillery_compute.engine.sampling import RequestError, SamplingParams

__all__ = ["Completion", "Engine", "Output", "RequestError", "SamplingParams"]
