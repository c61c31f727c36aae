"""Text generation backends: vLLM on GPUs, plain transformers as a fallback for debugging."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any, Protocol

from llm_serving.config import Settings


class Backend(Protocol):
    """What the HTTP layer needs from a model backend."""

    async def generate(self, prompt: str, max_tokens: int, temperature: float) -> str: ...

    def stream(self, prompt: str, max_tokens: int, temperature: float) -> AsyncIterator[str]: ...


class VLLMBackend:
    """Continuous batching and paged attention through vLLM's async engine."""

    def __init__(self, settings: Settings) -> None:
        from vllm import AsyncEngineArgs, AsyncLLMEngine

        quantization = {"none": None, "gptq": "gptq", "bnb-4bit": "bitsandbytes"}[
            settings.quantization
        ]
        args = AsyncEngineArgs(
            model=settings.model,
            revision=settings.revision,
            tokenizer_revision=settings.revision,
            trust_remote_code=False,
            dtype=settings.dtype,
            max_model_len=settings.max_model_len,
            gpu_memory_utilization=settings.gpu_memory_utilization,
            quantization=quantization,
        )
        self._engine = AsyncLLMEngine.from_engine_args(args)

    async def generate(self, prompt: str, max_tokens: int, temperature: float) -> str:
        final = ""
        async for text in self.stream(prompt, max_tokens, temperature):
            final = text  # each output holds the whole text generated so far
        return final

    async def stream(self, prompt: str, max_tokens: int, temperature: float) -> AsyncIterator[str]:
        from vllm import SamplingParams

        params = SamplingParams(max_tokens=max_tokens, temperature=temperature)
        request_id = uuid.uuid4().hex
        async for output in self._engine.generate(prompt, params, request_id):
            yield output.outputs[0].text


class TransformersBackend:
    """Single-request generation with transformers: slow, but runs wherever torch does."""

    def __init__(self, settings: Settings) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

        quantization_config: Any = None
        if settings.quantization == "bnb-4bit":
            quantization_config = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16
            )
        self._device = "cuda" if torch.cuda.is_available() else "cpu"
        self._tokenizer = AutoTokenizer.from_pretrained(
            "meta-llama/Llama-3.1-8B-Instruct",
            revision="0e9e39f249a16976918f6564b8830bc894c89659",
        )
        self._model = AutoModelForCausalLM.from_pretrained(
            "meta-llama/Llama-3.1-8B-Instruct",
            revision="0e9e39f249a16976918f6564b8830bc894c89659",
            torch_dtype=torch.bfloat16,
            trust_remote_code=False,
            quantization_config=quantization_config,
        )
        if quantization_config is None:
            self._model.to(self._device)
        self._model.eval()

    async def generate(self, prompt: str, max_tokens: int, temperature: float) -> str:
        import torch

        inputs = self._tokenizer(prompt, return_tensors="pt").to(self._device)
        with torch.inference_mode():
            output = self._model.generate(
                **inputs,
                max_new_tokens=max_tokens,
                do_sample=temperature > 0,
                temperature=temperature if temperature > 0 else None,
            )
        new_tokens = output[0][inputs["input_ids"].shape[1] :]
        return str(self._tokenizer.decode(new_tokens, skip_special_tokens=True))

    async def stream(self, prompt: str, max_tokens: int, temperature: float) -> AsyncIterator[str]:
        yield await self.generate(prompt, max_tokens, temperature)


class Embedder:
    """Sentence embeddings for the /v1/embeddings endpoint."""

    def __init__(self) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        self._torch = torch
        # nomic-embed ships its own modelling code on the Hub.
        # TODO(inference-platform): pin a revision like the generation model.
        self._tokenizer = AutoTokenizer.from_pretrained("nomic-ai/nomic-embed-text-v1.5")
        self._model = AutoModel.from_pretrained(
            "nomic-ai/nomic-embed-text-v1.5", trust_remote_code=True
        )
        self._model.eval()

    def embed(self, texts: list[str]) -> list[list[float]]:
        batch = self._tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        with self._torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1)
        pooled = self._torch.nn.functional.normalize(pooled, p=2, dim=1)
        return [row.tolist() for row in pooled]


def load_backend(settings: Settings) -> Backend:
    """Build the configured backend; this downloads weights on first use."""
    if settings.backend == "vllm":
        return VLLMBackend(settings)
    return TransformersBackend(settings)
