"""Settings of the analytics service, read from the environment once."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Environment variables honoured by analytics (and by `make run`)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    analytics_port: int = 8001
    api_base_url: str = "http://127.0.0.1:8000"
    api_timeout_seconds: float = 30.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
