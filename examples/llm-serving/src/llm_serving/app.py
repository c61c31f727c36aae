"""The HTTP API: a subset of the OpenAI completions and embeddings endpoints."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as aioredis
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import StreamingResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel, Field

from llm_serving import __version__
from llm_serving.config import get_settings
from llm_serving.engine import Backend, Embedder, load_backend

REQUESTS = Counter("llm_requests_total", "Requests served", ["endpoint", "status"])
LATENCY = Histogram("llm_request_seconds", "Time to last token", ["endpoint"])


class CompletionRequest(BaseModel):
    model: str | None = None
    prompt: str
    max_tokens: int = Field(default=256, ge=1, le=4096)
    temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    stream: bool = False


class CompletionChunk(BaseModel):
    object: str = "text_completion"
    model: str
    text: str


class EmbeddingRequest(BaseModel):
    model: str | None = None
    input: str | list[str]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = get_settings()
    app.state.settings = settings
    app.state.backend = load_backend(settings)
    app.state.embedder = Embedder() if settings.embeddings else None
    app.state.redis = aioredis.from_url(settings.redis_url)
    try:
        yield
    finally:
        await app.state.redis.aclose()


app = FastAPI(title="llm-serving", version=__version__, lifespan=lifespan)


async def check_rate_limit(request: Request) -> None:
    """Fixed one-minute window per API key, counted in Redis."""
    settings = request.app.state.settings
    key = request.headers.get("authorization", request.client.host if request.client else "-")
    bucket = f"ratelimit:{key}:{int(time.time() // 60)}"
    count = await request.app.state.redis.incr(bucket)
    if count == 1:
        await request.app.state.redis.expire(bucket, 60)
    if count > settings.rate_limit_per_minute:
        raise HTTPException(status_code=429, detail="rate limit exceeded")


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@app.get("/metrics")
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@app.post("/v1/completions")
async def completions(body: CompletionRequest, request: Request) -> Any:
    await check_rate_limit(request)
    backend: Backend = request.app.state.backend
    model = request.app.state.settings.model
    if body.stream:

        async def events() -> AsyncIterator[str]:
            sent = 0
            async for text in backend.stream(body.prompt, body.max_tokens, body.temperature):
                chunk = CompletionChunk(model=model, text=text[sent:])
                sent = len(text)
                yield f"data: {chunk.model_dump_json()}\n\n"
            yield "data: [DONE]\n\n"

        REQUESTS.labels("completions", "200").inc()
        return StreamingResponse(events(), media_type="text/event-stream")
    with LATENCY.labels("completions").time():
        text = await backend.generate(body.prompt, body.max_tokens, body.temperature)
    REQUESTS.labels("completions", "200").inc()
    return {
        "object": "text_completion",
        "model": model,
        "choices": [{"index": 0, "text": text, "finish_reason": "stop"}],
    }


@app.post("/v1/embeddings")
async def embeddings(body: EmbeddingRequest, request: Request) -> dict[str, Any]:
    embedder: Embedder | None = request.app.state.embedder
    if embedder is None:
        raise HTTPException(status_code=404, detail="embeddings are not enabled on this server")
    await check_rate_limit(request)
    texts = [body.input] if isinstance(body.input, str) else body.input
    with LATENCY.labels("embeddings").time():
        vectors = embedder.embed(texts)
    REQUESTS.labels("embeddings", "200").inc()
    return {
        "object": "list",
        "model": "nomic-ai/nomic-embed-text-v1.5",
        "data": [
            {"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)
        ],
    }
