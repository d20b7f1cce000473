"""Deployment settings from the environment (KEFU_ prefix); built on request, never at import."""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEFU_", env_file=None, extra="ignore")

    database_url: str = "sqlite:///var/kefu.db"
    host: str = "127.0.0.1"
    port: int = 8000
    # The demo is for Chinese-reading agents first (SPEC: most agents read Chinese).
    default_locale: Literal["zh_CN", "en"] = "zh_CN"
    # Times on screen are shown in the agents' zone; the shop's default is Beijing time.
    agent_timezone: str = "Asia/Shanghai"
    # The shop's own intent model (`kefu model train`); the packaged one when absent.
    model_path: str = "var/models/intent.joblib"
    # Triage every new buyer message inside ingestion. Off: store faster, then run
    # `kefu model apply` (for a large history import, say).
    triage_on_ingest: bool = True
    # Where replies are delivered (a marketplace endpoint speaking the sandbox format);
    # unset, replies wait in the outbox. `kefu serve --sandbox` serves our own at /sandbox.
    channel_url: str | None = None
    # Deliver the outbox from inside `kefu serve` (the embedded default; a worker later).
    deliver_in_process: bool = True
    outbox_poll_seconds: float = 2.0
    # Seconds between refreshes of the inbox list in the browser (HTMX polling).
    inbox_refresh_seconds: int = 30
