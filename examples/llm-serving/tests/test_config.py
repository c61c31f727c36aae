import pytest

from llm_serving.config import DEFAULT_REVISION, Settings, get_settings


def test_defaults_pin_the_model_revision() -> None:
    settings = Settings()
    assert settings.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert settings.revision == DEFAULT_REVISION
    assert len(settings.revision) == 40


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    get_settings.cache_clear()
    monkeypatch.setenv("LLM_SERVING_BACKEND", "transformers")
    monkeypatch.setenv("LLM_SERVING_MAX_MODEL_LEN", "4096")
    settings = get_settings()
    assert settings.backend == "transformers"
    assert settings.max_model_len == 4096
    get_settings.cache_clear()


def test_rejects_unknown_quantization() -> None:
    with pytest.raises(ValueError):
        Settings(quantization="int3")  # type: ignore[arg-type]
