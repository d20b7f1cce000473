"""Settings → the configured Translator, wrapped in retries and a circuit breaker."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from kefu.adapters.translators.baidu import BaiduTranslator
from kefu.adapters.translators.deepl import DeepLTranslator
from kefu.adapters.translators.google import GoogleTranslator
from kefu.adapters.translators.libretranslate import LibreTranslateTranslator
from kefu.adapters.translators.resilience import ResilientTranslator
from kefu.adapters.translators.sandbox import SANDBOX_KEYS
from kefu.config import Settings
from kefu.services.ports import Translator


def build_translator(
    settings: Settings, *, client: httpx.Client | None = None
) -> Translator | None:
    """None when no provider is configured (KEFU_TRANSLATOR=none); a missing setting the
    chosen provider needs is a ValueError naming its variable."""
    adapter = _adapter(settings, client)
    return None if adapter is None else ResilientTranslator(adapter)


def _adapter(settings: Settings, client: httpx.Client | None) -> Translator | None:
    match settings.translator:
        case "none":
            return None
        case "deepl":
            key = _secret(settings.deepl_key, "KEFU_DEEPL_KEY")
            return DeepLTranslator(key, base_url=settings.deepl_url, client=client)
        case "google":
            key = _secret(settings.google_key, "KEFU_GOOGLE_KEY")
            return GoogleTranslator(key, base_url=settings.google_url, client=client)
        case "baidu":
            return BaiduTranslator(
                _required(settings.baidu_appid, "KEFU_BAIDU_APPID"),
                _secret(settings.baidu_key, "KEFU_BAIDU_KEY"),
                base_url=settings.baidu_url,
                client=client,
            )
        case "libretranslate":
            optional = settings.libretranslate_key
            return LibreTranslateTranslator(
                _required(settings.libretranslate_url, "KEFU_LIBRETRANSLATE_URL"),
                key=optional.get_secret_value() if optional else None,
                client=client,
            )
        case "sandbox":
            # The sandbox speaks every provider's format; DeepL's is the one used here.
            return DeepLTranslator(
                SANDBOX_KEYS.deepl,
                base_url=_required(
                    settings.translation_sandbox_url, "KEFU_TRANSLATION_SANDBOX_URL"
                ),
                client=client,
                provider="sandbox",
            )


def _required(value: str | None, variable: str) -> str:
    if not value:
        raise ValueError(f"the configured translator needs {variable}")
    return value


def _secret(value: SecretStr | None, variable: str) -> str:
    return _required(value.get_secret_value() if value else None, variable)
