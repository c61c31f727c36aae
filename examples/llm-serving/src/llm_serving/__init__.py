"""llm-serving: an OpenAI-compatible inference service for Llama 3.1 models."""

__version__ = "0.4.0"
