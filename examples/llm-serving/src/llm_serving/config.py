"""Service settings, read once from the environment at start-up."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field

#: The model served by default, pinned to a Hub commit so a re-upload cannot change it.
DEFAULT_MODEL = "meta-llama/Llama-3.1-8B-Instruct"
DEFAULT_REVISION = "0e9e39f249a16976918f6564b8830bc894c89659"


class Settings(BaseModel):
    """Everything the service can be told through ``LLM_SERVING_*`` variables."""

    model: str = DEFAULT_MODEL
    revision: str = DEFAULT_REVISION
    backend: Literal["vllm", "transformers"] = "vllm"
    quantization: Literal["none", "bnb-4bit", "gptq"] = "none"
    dtype: Literal["auto", "bfloat16", "float16"] = "bfloat16"
    max_model_len: int = Field(default=8192, ge=256)
    gpu_memory_utilization: float = Field(default=0.90, gt=0.0, le=1.0)
    redis_url: str = "redis://localhost:6379/0"
    rate_limit_per_minute: int = Field(default=600, ge=1)
    embeddings: bool = False


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Build the settings from ``LLM_SERVING_<FIELD>`` environment variables."""
    prefix = "LLM_SERVING_"
    values = {
        key[len(prefix) :].lower(): value
        for key, value in os.environ.items()
        if key.startswith(prefix)
    }
    return Settings.model_validate(values)
