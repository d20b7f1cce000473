"""Deployment settings from the environment (KEFU_ prefix); built on request, never at import."""

from __future__ import annotations

from typing import Literal

from limits import parse
from pydantic import Field, SecretStr, field_validator
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
    # Background jobs (docs/deploy.md): unset, a SQLite queue file next to the database
    # and `kefu serve` runs the jobs itself; `redis://host:6379/0` for several machines,
    # where `kefu worker` processes run them; `memory://` for tests.
    queue_url: str | None = None
    # Run the jobs inside `kefu serve`; unset: yes without KEFU_QUEUE_URL, no with it.
    worker_in_process: bool | None = None
    # Threads that run jobs in `kefu serve` (and `kefu worker` unless --workers says).
    worker_threads: int = 2
    # How long a worker holds a reply it is sending before another worker may take it.
    outbox_lease_seconds: float = 60.0
    # Machine translation (docs/translation-providers.md): which provider, and its
    # credentials. Keys come from the environment only, never the repository or logs.
    translator: Literal["none", "deepl", "google", "baidu", "libretranslate", "sandbox"] = "none"
    deepl_key: SecretStr | None = None
    deepl_url: str | None = None  # unset: api-free.deepl.com for `:fx` keys, else api.deepl.com
    google_key: SecretStr | None = None
    google_url: str | None = None  # unset: https://translation.googleapis.com
    baidu_appid: str | None = None
    baidu_key: SecretStr | None = None
    baidu_url: str | None = None  # unset: https://fanyi-api.baidu.com
    libretranslate_url: str | None = None  # self-hosted, e.g. http://127.0.0.1:5000
    libretranslate_key: SecretStr | None = None  # only if the server requires keys
    # kefu's translation sandbox (recorded answers; `python -m kefu.adapters.translators.sandbox`).
    translation_sandbox_url: str | None = None
    # Stored credentials (mailbox passwords; docs/mail.md) are sealed with this Fernet key;
    # several, comma-separated, newest first, while rotating. Unset: no mailbox can be set.
    secret_key: SecretStr | None = None
    # A certificate (or CA) to trust for mail servers besides the system's (a private CA,
    # the test servers' own certificate).
    mail_ca_file: str | None = None
    # Where agents reach kefu: links to mail attachments are made with it.
    public_url: str = "http://127.0.0.1:8000"
    # Request bodies (413 above): every request, and the two import endpoints
    # (POST /api/v1/messages and /api/v1/ratings); bigger files go through `kefu import`.
    max_body_bytes: int = Field(1024 * 1024, ge=0)
    # Files uploaded on the Import page wait here until their import has run.
    import_dir: str = "var/imports"
    # An uploaded product/order/parcel file (the Import page and POST /api/v1/imports);
    # bigger files go through `kefu import`, which streams any size from disk.
    max_upload_bytes: int = Field(200 * 1024 * 1024, ge=0)
    max_import_body_bytes: int = Field(20 * 1024 * 1024, ge=0)
    # JSON bodies nested deeper than this are refused (400) before they are parsed.
    max_json_depth: int = Field(32, ge=1, le=500)
    # API rate limits (429 with Retry-After), in the `limits` notation ("600/minute"):
    # per API token (keyed by its SHA-256), and per client address for calls without one.
    rate_limit_per_token: str = "600/minute"  # noqa: S105 (a rate, not a secret)
    rate_limit_per_address: str = "300/minute"
    # Where the counters live: unset, in Redis when KEFU_QUEUE_URL is redis:// (shared by
    # several web processes), else in this process; or a `limits` URI ("redis://h:6379/1").
    rate_limit_storage: str | None = None
    # Marketplace call budgets shared by every worker (docs/channels.md "Rate limits"):
    # unset, in Redis when KEFU_QUEUE_URL is redis://, else in kefu's database; or a
    # redis:// URL of their own.
    call_budget_url: str | None = None
    # The tracking provider (docs/tracking.md "Providers"): 17TRACK API v2.2's address and
    # key (`17token`). No key: no provider, nothing is registered or polled. The key comes
    # from the environment only, never the repository or logs.
    tracking_url: str = "https://api.17track.net/track/v2.2"
    tracking_key: SecretStr | None = None
    # Model versions (docs/triage.md "Model versions"): how often a process asks which
    # version is active (one tiny query) before triage; and the training corpus a retrain
    # reads (unset: the one packaged with kefu; a folder of the same layout, with its
    # MANIFEST.json, for a shop's own or a test's small one).
    model_check_seconds: float = Field(5.0, ge=0, le=3600)
    model_corpus: str | None = None

    @field_validator("rate_limit_per_token", "rate_limit_per_address")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        """Refused at start-up, not at the first API call ("600/minute", "10/second")."""
        parse(value)
        return value
