"""Each translation adapter against the translation sandbox, served over real HTTP."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr

from kefu.adapters.translators.baidu import BaiduTranslator
from kefu.adapters.translators.deepl import DeepLTranslator
from kefu.adapters.translators.google import GoogleTranslator
from kefu.adapters.translators.http import Translated, new_client
from kefu.adapters.translators.libretranslate import LibreTranslateTranslator
from kefu.adapters.translators.recordings import Recordings
from kefu.adapters.translators.registry import build_translator
from kefu.adapters.translators.resilience import ResilientTranslator
from kefu.adapters.translators.sandbox import (
    RECORDINGS,
    SANDBOX_KEYS,
    TranslationSandboxState,
    create_translation_sandbox,
)
from kefu.config import Settings
from kefu.services.ports import TranslationFailed

PROVIDERS = ["deepl", "google", "baidu", "libretranslate"]

# A few recordings in the demo's format (src/kefu/demo/corpus/translations/<lang>.json).
RECORDED = [
    {
        "language": "en",
        "translations": {
            "is it 'black' & size <40? order {order_number}": {
                "zh": "是'黑色' & 尺码 <40 吗？订单 {order_number}"
            },
        },
    },
    {
        "language": "es",
        "translations": {
            "hola tienen {product} en stock?": {
                "zh": "你好，{product}有货吗？",
                "en": "hi, do you have {product} in stock?",
            },
            "gracias!": {"zh": "谢谢！", "en": "thanks!"},
        },
    },
    {
        "language": "he",
        "translations": {"איפה ההזמנה שלי {order_number}": {"zh": "我的订单{order_number}在哪里"}},
    },
    {
        "language": "zh",
        "translations": {
            "您的订单{order_number}已于{date}发货": {
                "es": "Su pedido {order_number} se envió el {date}",
            },
        },
    },
]
TOKEN = '<k id="1"/>'
ESCAPED = f"is it 'black' &amp; size &lt;40? order {TOKEN}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[str, TranslationSandboxState]]:
    """The sandbox under uvicorn in a thread on a free loopback port, for this module."""
    state = TranslationSandboxState(Recordings(RECORDED))
    port = _free_port()
    config = uvicorn.Config(
        create_translation_sandbox(state),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
        ws="none",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the translation sandbox did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", state
    server.should_exit = True
    thread.join(10)


@dataclass
class Sandbox:
    url: str
    state: TranslationSandboxState
    clients: list[httpx.Client] = field(default_factory=list)

    def fault(self, kind: str, provider: str | None = None, **options: Any) -> None:
        body = {"kind": kind, "provider": provider, **options}
        assert httpx.post(f"{self.url}/faults", json=body).status_code == 200

    def usage(self) -> dict[str, dict[str, int]]:
        answer: dict[str, dict[str, int]] = httpx.get(f"{self.url}/usage").json()
        return answer

    def requests(self, provider: str) -> int:
        return self.usage()["requests"].get(provider, 0)

    def adapter(self, provider: str, *, key: str | None = None, read: float = 5.0) -> Any:
        """The provider's adapter pointed at the sandbox, with the sandbox's test keys."""
        client = new_client(read=read)
        self.clients.append(client)
        if provider == "deepl":
            return DeepLTranslator(key or SANDBOX_KEYS.deepl, base_url=self.url, client=client)
        if provider == "google":
            return GoogleTranslator(key or SANDBOX_KEYS.google, base_url=self.url, client=client)
        if provider == "baidu":
            baidu_key = key or SANDBOX_KEYS.baidu_key
            return BaiduTranslator(
                SANDBOX_KEYS.baidu_appid, baidu_key, base_url=self.url, client=client
            )
        return LibreTranslateTranslator(self.url, key=key, client=client)


@pytest.fixture
def sandbox(served: tuple[str, TranslationSandboxState]) -> Iterator[Sandbox]:
    url, state = served
    state.clear()
    keys, state.latency, state.baidu_premium = state.keys, 0.0, False
    box = Sandbox(url, state)
    yield box
    state.keys = keys
    for client in box.clients:
        client.close()


def failure(call: Callable[[], object]) -> TranslationFailed:
    with pytest.raises(TranslationFailed) as caught:
        call()
    return caught.value


# --- answers -----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_recorded_text_comes_back_with_its_token_escapes_and_filled_slots(
    sandbox: Sandbox, provider: str
) -> None:
    texts = [ESCAPED, "hola tienen Zapatos Rojos en stock?"]
    answer: Translated = sandbox.adapter(provider).translate_detailed(texts, None, "zh")
    assert answer.texts == [
        f"是'黑色' &amp; 尺码 &lt;40 吗？订单 {TOKEN}",
        "你好，Zapatos Rojos有货吗？",
    ]
    assert answer.detected == "en"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_detected_language_is_kefus_tag(sandbox: Sandbox, provider: str) -> None:
    answer = sandbox.adapter(provider).translate_detailed([f"איפה ההזמנה שלי {TOKEN}"], None, "zh")
    assert answer.texts == [f"我的订单{TOKEN}在哪里"]
    assert answer.detected == "he"  # Google says "iw", Baidu "heb"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_chinese_goes_out_in_the_buyers_language(sandbox: Sandbox, provider: str) -> None:
    masked = '您的订单<k id="1"/>已于<k id="2"/>发货'
    assert sandbox.adapter(provider).translate([masked], "zh", "es") == [
        'Su pedido <k id="1"/> se envió el <k id="2"/>'
    ]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_one_segment_per_text_blank_ones_kept_and_not_sent(sandbox: Sandbox, provider: str) -> None:
    texts = ["", "gracias!", "  ", "first line\nsecond &amp; last"]
    answer = sandbox.adapter(provider).translate(texts, "es", "zh")
    assert len(answer) == 4
    assert answer[:3] == ["", "谢谢！", "  "]
    first, second = answer[3].split("\n")
    assert first.startswith("[sandbox zh]") and "first line" in first
    assert second.endswith("second &amp; last")
    assert sandbox.usage()["characters"][provider] >= len("gracias!first line")
    assert sandbox.requests(provider) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_text_that_looks_like_a_tag_stays_text(sandbox: Sandbox, provider: str) -> None:
    """LibreTranslate gives `<talla>` back bare; it was text when sent, so it is text."""
    answer = sandbox.adapter(provider).translate([f"ver &lt;talla&gt; {TOKEN}"], "es", "zh")
    assert answer == [f"[sandbox zh] ver &lt;talla&gt; {TOKEN}"]


def test_an_unrecorded_text_is_marked_as_the_sandbox_and_keeps_its_tokens(
    sandbox: Sandbox,
) -> None:
    answer = sandbox.adapter("deepl").translate([f"where is {TOKEN} now?"], "en", "zh")
    assert answer == [f"[sandbox zh] where is {TOKEN} now?"]


# --- failures ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "wait"), [("deepl", 0.5), ("google", 0.5), ("baidu", 1.0), ("libretranslate", 0.5)]
)
def test_rate_limited_then_answered_through_the_resilient_wrapper(
    sandbox: Sandbox, provider: str, wait: float
) -> None:
    """Baidu sends no Retry-After: its standard edition allows one query a second."""
    sandbox.fault("rate_limited", provider, retry_after=0.5)
    waits: list[float] = []
    translator = ResilientTranslator(sandbox.adapter(provider), sleep=waits.append)
    assert translator.translate(["gracias!"], "es", "zh") == ["谢谢！"]
    assert waits == [wait]
    assert sandbox.requests(provider) == 2


@pytest.mark.parametrize("provider", PROVIDERS)
def test_quota_spent_is_said_and_not_retried(sandbox: Sandbox, provider: str) -> None:
    sandbox.fault("quota", provider)
    translator = ResilientTranslator(sandbox.adapter(provider), sleep=lambda _: None)
    assert failure(lambda: translator.translate(["gracias!"], "es", "zh")).kind == "quota"
    assert sandbox.requests(provider) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_slow_provider_times_out(sandbox: Sandbox, provider: str) -> None:
    sandbox.fault("delay", provider, seconds=1.0)
    adapter = sandbox.adapter(provider, read=0.2)
    assert failure(lambda: adapter.translate(["gracias!"], "es", "zh")).kind == "timeout"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("kind", ["malformed", "count"])
def test_an_answer_of_the_wrong_shape_is_malformed(
    sandbox: Sandbox, provider: str, kind: str
) -> None:
    sandbox.fault(kind, provider)
    adapter = sandbox.adapter(provider)
    assert failure(lambda: adapter.translate(["gracias!"], "es", "zh")).kind == "malformed"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_wrong_key_is_an_auth_failure(sandbox: Sandbox, provider: str) -> None:
    sandbox.state.keys = replace(SANDBOX_KEYS, libretranslate="the-servers-key")
    adapter = sandbox.adapter(provider, key="not-the-key")
    assert failure(lambda: adapter.translate(["gracias!"], "es", "zh")).kind == "auth"


def test_a_libretranslate_server_that_wants_a_key_says_so(sandbox: Sandbox) -> None:
    sandbox.state.keys = replace(SANDBOX_KEYS, libretranslate="the-servers-key")
    adapter = sandbox.adapter("libretranslate")
    assert failure(lambda: adapter.translate(["gracias!"], "es", "zh")).kind == "auth"
    keyed = sandbox.adapter("libretranslate", key="the-servers-key")
    assert keyed.translate(["gracias!"], "es", "zh") == ["谢谢！"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_language_kefu_has_no_code_for_is_unsupported_before_any_request(
    sandbox: Sandbox, provider: str
) -> None:
    adapter = sandbox.adapter(provider)
    assert failure(lambda: adapter.translate(["hej"], None, "sv")).kind == "unsupported"
    assert sandbox.requests(provider) == 0


def test_baidus_standard_edition_has_no_hebrew(sandbox: Sandbox) -> None:
    adapter = sandbox.adapter("baidu")
    assert failure(lambda: adapter.translate(["gracias!"], "es", "he")).kind == "unsupported"
    sandbox.state.baidu_premium = True
    assert adapter.translate(["gracias!"], "es", "he") == ["[sandbox he] gracias!"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_provider_down_opens_the_circuit(sandbox: Sandbox, provider: str) -> None:
    sandbox.fault("unavailable", provider, count=5)
    translator = ResilientTranslator(
        sandbox.adapter(provider), retries=0, failures_to_open=2, sleep=lambda _: None
    )
    for _ in range(2):
        assert failure(lambda: translator.translate(["gracias!"], "es", "zh")).kind == (
            "unavailable"
        )
    fast = failure(lambda: translator.translate(["gracias!"], "es", "zh"))
    assert fast.kind == "unavailable" and "circuit open" in str(fast)
    assert sandbox.requests(provider) == 2


# --- spoiled answers: passed on, unrepaired, for the caller's checks (ADR 0009) ----------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_dropped_token_and_a_changed_number_are_passed_on(
    sandbox: Sandbox, provider: str
) -> None:
    adapter = sandbox.adapter(provider)
    sandbox.fault("token", provider)
    assert adapter.translate([ESCAPED], "en", "zh") == ["是'黑色' &amp; 尺码 &lt;40 吗？订单 "]
    sandbox.fault("number", provider)
    assert adapter.translate([ESCAPED], "en", "zh") == [
        f"是'黑色' &amp; 尺码 &lt;50 吗？订单 {TOKEN}"
    ]


@pytest.mark.parametrize("provider", ["deepl", "google", "libretranslate"])
def test_markup_the_provider_added_stays_markup_for_the_caller_to_refuse(
    sandbox: Sandbox, provider: str
) -> None:
    sandbox.fault("html", provider)
    assert sandbox.adapter(provider).translate(["gracias!"], "es", "zh") == ["<b>谢谢！</b>"]


def test_html_from_a_plain_text_provider_stays_text(sandbox: Sandbox) -> None:
    sandbox.fault("html", "baidu")
    assert sandbox.adapter("baidu").translate(["gracias!"], "es", "zh") == [
        "&lt;b&gt;谢谢！&lt;/b&gt;"
    ]


# --- configuration -----------------------------------------------------------------------


def test_the_sandbox_setting_builds_a_resilient_translator(sandbox: Sandbox) -> None:
    client = new_client()
    sandbox.clients.append(client)
    settings = Settings(translator="sandbox", translation_sandbox_url=sandbox.url)
    translator = build_translator(settings, client=client)
    assert translator is not None and translator.provider == "sandbox"
    assert isinstance(translator, ResilientTranslator)
    assert translator.translate(["gracias!"], "es", "zh") == ["谢谢！"]


def test_no_translator_unless_configured_and_missing_settings_are_named() -> None:
    assert build_translator(Settings()) is None
    with pytest.raises(ValueError, match="KEFU_DEEPL_KEY"):
        build_translator(Settings(translator="deepl"))
    with pytest.raises(ValueError, match="KEFU_BAIDU_APPID"):
        build_translator(Settings(translator="baidu", baidu_key=SecretStr("k")))


def test_keys_stay_out_of_settings_output() -> None:
    settings = Settings(translator="deepl", deepl_key=SecretStr("real-key:fx"))
    assert "real-key" not in repr(settings) and "real-key" not in str(settings.model_dump())


def test_a_free_deepl_key_goes_to_the_free_endpoint() -> None:
    with new_client() as client:
        assert DeepLTranslator("abc:fx", client=client).base_url == "https://api-free.deepl.com"
        assert DeepLTranslator("abc", client=client).base_url == "https://api.deepl.com"


# --- recordings ----------------------------------------------------------------------------


def test_every_demo_recording_is_found_with_values_in_its_slots() -> None:
    """The recordings other issues write stay loadable and each text matches itself, and
    backwards (none at all is fine: the sandbox then answers with pseudo-translations)."""
    recordings = Recordings.load(RECORDINGS)
    expected = 0
    for path in sorted(RECORDINGS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for text, translations in data["translations"].items():
            filled = re.sub(r"\{[a-z_]+\}", "Q7", text)
            for target, written in translations.items():
                assert recordings.find(filled, data["language"], target), (path.name, text)
                back = re.sub(r"\{[a-z_]+\}", "Q7", written)
                assert recordings.find(back, target, data["language"]), (path.name, written)
            expected += 1 + len(translations)
    assert recordings.count == expected
    assert TranslationSandboxState().recordings.count == expected  # the default


def test_a_missing_folder_is_no_recordings_and_a_broken_file_is_named(tmp_path: Path) -> None:
    assert Recordings.load(tmp_path / "absent").count == 0
    (tmp_path / "es.json").write_text(json.dumps({"language": "es", "translations": []}))
    with pytest.raises(ValueError, match=r"es\.json"):
        Recordings.load(tmp_path)


def test_the_most_specific_recording_wins_and_repeated_slots_must_agree() -> None:
    recordings = Recordings(
        [
            {
                "language": "en",
                "translations": {
                    "{product} broken": {"zh": "{product}坏了"},
                    "my {product} broken": {"zh": "我的{product}坏了"},
                    "{size} or {size}?": {"zh": "{size}还是{size}？"},
                },
            }
        ]
    )
    assert recordings.find("my  lamp broken", None, "zh") == ("我的lamp坏了", "en")
    assert recordings.find("the lamp broken", "en", "zh") == ("the lamp坏了", "en")
    assert recordings.find("M or M?", None, "zh") == ("M还是M？", "en")
    assert recordings.find("M or L?", None, "zh") is None
    assert recordings.find("my lamp broken", "es", "zh") is None
    assert recordings.find("my lamp broken", None, "fr") is None
