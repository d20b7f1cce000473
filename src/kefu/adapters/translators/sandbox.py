"""kefu's translation sandbox: one local server speaking four providers' formats.

It answers at the providers' own paths, so each adapter runs unchanged against it:

    POST /v2/translate               DeepL (header Authorization: DeepL-Auth-Key <key>)
    POST /language/translate/v2      Google Basic v2 (?key=<key> or X-goog-api-key: <key>)
    POST /api/trans/vip/translate    Baidu Fanyi (appid, salt, sign = md5(appid+q+salt+key))
    POST /translate                  LibreTranslate (api_key only if the sandbox has one)

Answers come from recordings (recordings.py); an unrecorded text gets a pseudo
translation, `[sandbox zh] <the text>`, tokens kept, so nothing passes for a real
translation. Each provider's quirks are kept: Google answers with `&#39;` entities and
detects Hebrew as `iw`, LibreTranslate unescapes its answer, Baidu's standard edition
has no Hebrew or Turkish (`baidu_premium` adds them).

Test helpers: `POST /faults {"kind": …, "provider": "deepl" | null, "count": 1,
"retry_after": 2, "seconds": 3}` queues a fault (kinds in FAULT_KINDS; each error in
the provider's documented form), `DELETE /faults` clears them, `POST /latency
{"seconds": 0.2}` delays every answer, `GET /usage` counts characters and requests
received per provider. Run it with `python -m kefu.adapters.translators.sandbox`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import html
import re
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kefu.adapters.translators import baidu, deepl, google
from kefu.adapters.translators import libretranslate as lt
from kefu.adapters.translators.languages import KEFU_LANGUAGES, kefu_tag
from kefu.adapters.translators.recordings import Recordings

RECORDINGS = Path(__file__).resolve().parents[2] / "demo" / "corpus" / "translations"

Provider = Literal["deepl", "google", "baidu", "libretranslate"]
FaultKind = Literal[
    "quota",  # each provider's own way of saying the budget is spent
    "rate_limited",  # 429 (Google 403 userRateLimitExceeded, Baidu 54003), Retry-After
    "unavailable",  # 5xx (Baidu 52002)
    "delay",  # answer only after `seconds`: a client timeout
    "malformed",  # 200 with a proxy's HTML page instead of JSON
    "count",  # one segment fewer than sent
    "number",  # a digit in the first answer changed
    "html",  # the first answer wrapped in <b>…</b>
    "token",  # the first token of the answers dropped
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
ErrorKind = Literal["auth", "quota", "rate_limited", "unavailable", "unsupported"]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class SandboxKeys:
    """Test credentials the sandbox accepts (not secrets: it translates nothing real)."""

    deepl: str = "sandbox-deepl-key"
    google: str = "sandbox-google-key"
    baidu_appid: str = "sandbox-baidu-appid"
    baidu_key: str = "sandbox-baidu-key"
    libretranslate: str | None = None  # None: an open server, as self-hosted by default


SANDBOX_KEYS = SandboxKeys()


@dataclass
class Fault:
    kind: FaultKind
    provider: str | None = None
    count: int = 1
    retry_after: float | None = None
    seconds: float = 0.0


def demo_recordings() -> Recordings:
    return Recordings.load(RECORDINGS)


@dataclass
class TranslationSandboxState:
    """What the sandbox knows and counts; by default the demo's recordings."""

    recordings: Recordings = field(default_factory=demo_recordings)
    keys: SandboxKeys = SANDBOX_KEYS
    latency: float = 0.0
    baidu_premium: bool = False
    faults: list[Fault] = field(default_factory=list)
    characters: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        """Forget faults and usage (between tests)."""
        with self.lock:
            self.faults.clear()
            self.characters.clear()
            self.requests.clear()

    def received(self, provider: Provider, texts: list[str]) -> Fault | None:
        """Count what arrived; the fault this request gets, if one is queued for it."""
        with self.lock:
            self.characters[provider] += sum(map(len, texts))
            self.requests[provider] += 1
            for fault in self.faults:
                if fault.provider in (None, provider):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def translate(self, text: str, source: str | None, target: str) -> tuple[str, str]:
        """(translation, source language) of a plain text with token marks."""
        found = self.recordings.find(text, source, target)
        if found is not None:
            return found
        detected = source or guess_language(text)
        return (text if detected == target else f"[sandbox {target}] {text.strip()}"), detected


# --- texts inside the sandbox: plain, with each token as a mark ----------------------

_MARK = re.compile("\ue000(\\d+)\ue001")
_MARKUP_TOKEN = re.compile(r"""<k\s+id\s*=\s*["']?(\d+)["']?\s*/?>(?:</k>)?""")
_BREAK = re.compile(r"<br\s*/?>")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_BRACE_TOKEN = re.compile(r"\{\{|\{(\d+)\}")


def _mark(number: str) -> str:
    return f"\ue000{number}\ue001"


def from_markup(text: str) -> str:
    text = _MARKUP_TOKEN.sub(lambda m: _mark(m.group(1)), text)
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))


def from_braces(text: str) -> str:
    return _BRACE_TOKEN.sub(lambda m: m.group(0) if m.group(1) is None else _mark(m.group(1)), text)


def render(text: str, provider: Provider) -> str:
    if provider == "baidu":
        return _MARK.sub(r"{\1}", text)
    if provider == "libretranslate":  # the server unescapes its answer; tags stay tags
        return _MARK.sub(r'<k id="\1"/>', text).replace("\n", "<br>")
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if provider == "google":
        escaped = escaped.replace("'", "&#39;").replace('"', "&quot;")
    return _MARK.sub(r'<k id="\1"/>', escaped).replace("\n", "<br/>")


def guess_language(text: str) -> str:
    """The script says enough for a sandbox (Latin script passes for English)."""
    scripts = (
        ("ja", r"[\u3040-\u30ff]"),
        ("zh", r"[\u4e00-\u9fff]"),
        ("ko", r"[\uac00-\ud7af]"),
        ("he", r"[\u0590-\u05ff]"),
        ("ar", r"[\u0600-\u06ff]"),
        ("ru", r"[\u0400-\u04ff]"),
    )
    return next((tag for tag, script in scripts if re.search(script, text)), "en")


def mutate(kind: FaultKind, answers: list[str]) -> list[str]:
    """The faults that spoil an otherwise good answer (before rendering)."""
    if kind == "count":
        return answers[:-1]
    answers = list(answers)
    for i, answer in enumerate(answers):
        if kind == "number":
            # A digit changed, or, when every number was masked, one made up (两 → 2).
            plain = re.search(r"\d", _MARK.sub("", answer))
            answers[i] = _change_digit(answer) if plain else f"{answer} 2"
            break
        if kind == "token" and _MARK.search(answer):
            answers[i] = _MARK.sub("", answer, count=1)
            break
    return answers


def _change_digit(text: str) -> str:
    pieces = _MARK.split(text)  # text, number, text, number, …
    for i in range(0, len(pieces), 2):
        digit = re.search(r"\d", pieces[i])
        if digit:
            new = str((int(digit.group()) + 1) % 10)
            pieces[i] = pieces[i][: digit.start()] + new + pieces[i][digit.end() :]
            break
    return "".join(p if i % 2 == 0 else _mark(p) for i, p in enumerate(pieces))


# --- errors, each in its provider's documented form ----------------------------------

_MALFORMED = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def _retry_header(retry_after: float | None) -> dict[str, str]:
    return {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}


def deepl_error(kind: ErrorKind, retry_after: float | None = None) -> Response:
    status, message = {
        "auth": (403, "Authorization failure, check auth_key"),
        "quota": (456, "Quota Exceeded"),
        "rate_limited": (429, "Too many requests"),
        "unavailable": (503, "Service unavailable"),
        "unsupported": (400, "Value for 'target_lang' not supported."),
    }[kind]
    return JSONResponse({"message": message}, status, headers=_retry_header(retry_after))


def google_error(kind: ErrorKind, retry_after: float | None = None) -> Response:
    status, message, reason, detail = {
        "auth": (
            400,
            "API key not valid. Please pass a valid API key.",
            "badRequest",
            "API_KEY_INVALID",
        ),
        "quota": (403, "Daily Limit Exceeded", "dailyLimitExceeded", None),
        "rate_limited": (403, "User Rate Limit Exceeded", "userRateLimitExceeded", None),
        "unavailable": (503, "The service is currently unavailable.", "backendError", None),
        "unsupported": (400, "Invalid Value", "invalid", None),
    }[kind]
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": "global", "reason": reason}],
    }
    if detail:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": detail}]
    return JSONResponse({"error": error}, status, headers=_retry_header(retry_after))


def baidu_error(kind: ErrorKind, retry_after: float | None = None, code: str = "") -> Response:
    """Baidu answers errors with HTTP 200 and an error code; it sends no Retry-After."""
    default, message = {
        "auth": ("54001", "Invalid Sign"),
        "quota": ("54004", "Please recharge"),
        "rate_limited": ("54003", "Invalid Access Limit"),
        "unavailable": ("52002", "SYSTEM ERROR"),
        "unsupported": ("58001", "INVALID_TO_PARAM"),
    }[kind]
    return JSONResponse({"error_code": code or default, "error_msg": message})


def libretranslate_error(kind: ErrorKind, retry_after: float | None = None) -> Response:
    status, message = {
        "auth": (403, "Invalid API key"),
        "quota": (429, "Slowdown: 1000 per 1 day"),
        "rate_limited": (429, "Slowdown: 10 per 1 minute"),
        "unavailable": (500, "Cannot translate text: sandbox fault"),
        "unsupported": (400, "target language is not supported"),
    }[kind]
    return JSONResponse({"error": message}, status, headers=_retry_header(retry_after))


ERRORS = {
    "deepl": deepl_error,
    "google": google_error,
    "baidu": baidu_error,
    "libretranslate": libretranslate_error,
}


async def _early_answer(fault: Fault, provider: Provider) -> Response | None:
    """The faults that replace the answer (None: answer, perhaps spoiled, after all)."""
    if fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
        return None
    if fault.kind == "malformed":
        return PlainTextResponse(_MALFORMED, media_type="text/html")
    if fault.kind in ("quota", "rate_limited", "unavailable"):
        return ERRORS[provider](fault.kind, fault.retry_after)
    return None


# --- requests --------------------------------------------------------------------------


@dataclass
class Parsed:
    """A request as the sandbox understood it: plain texts with token marks."""

    texts: list[str]
    raw: list[str]
    source: str | None
    target: str
    single: bool = False  # LibreTranslate: q was a string, so is the answer


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


def _texts(value: Any) -> tuple[list[str], bool] | None:
    if isinstance(value, str):
        return [value], True
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value, False
    return None


def _tag(codes: dict[str, str], code: Any, aliases: dict[str, str] | None = None) -> str | None:
    tag = kefu_tag(codes, code, aliases)
    return tag if tag in KEFU_LANGUAGES else None


Parse = Callable[[Request], Awaitable[Parsed | Response]]
Answer = Callable[[Parsed, list[str], list[str]], Response]


class TranslationSandbox:
    """The request handlers; each provider has a parse (auth, fields, languages) and an
    answer (its response shape), the flow between them is shared."""

    def __init__(self, state: TranslationSandboxState) -> None:
        self.state = state

    def endpoint(self, provider: Provider, parse: Parse, answer: Answer) -> Endpoint:
        async def handle(request: Request) -> Response:
            if self.state.latency:
                await asyncio.sleep(self.state.latency)
            parsed = await parse(request)
            if isinstance(parsed, Response):
                return parsed
            fault = self.state.received(provider, parsed.raw)
            early = await _early_answer(fault, provider) if fault else None
            if early is not None:
                return early
            results = [self.state.translate(t, parsed.source, parsed.target) for t in parsed.texts]
            texts = (
                mutate(fault.kind, [t for t, _ in results]) if fault else [t for t, _ in results]
            )
            rendered = [render(text, provider) for text in texts]
            if fault is not None and fault.kind == "html" and rendered:
                rendered[0] = f"<b>{rendered[0]}</b>"
            return answer(parsed, rendered, [language for _, language in results])

        return handle

    async def parse_deepl(self, request: Request) -> Parsed | Response:
        if request.headers.get("authorization") != f"DeepL-Auth-Key {self.state.keys.deepl}":
            return deepl_error("auth")
        body = await _json(request)
        texts = _texts(body.get("text")) if isinstance(body, dict) else None
        if texts is None or not isinstance(body.get("target_lang"), str):
            return JSONResponse({"message": "Parameter 'text' not specified."}, 400)
        target = _tag(deepl.TARGET_CODES, body["target_lang"])
        source = body.get("source_lang")
        if target is None or (source is not None and _tag(deepl.SOURCE_CODES, source) is None):
            return deepl_error("unsupported")
        source = _tag(deepl.SOURCE_CODES, source) if source else None
        return Parsed([from_markup(t) for t in texts[0]], texts[0], source, target)

    @staticmethod
    def answer_deepl(parsed: Parsed, answers: list[str], detected: list[str]) -> Response:
        translations = [
            {"detected_source_language": deepl.SOURCE_CODES.get(d, d.upper()), "text": a}
            for a, d in zip(answers, detected, strict=False)
        ]
        return JSONResponse({"translations": translations})

    async def parse_google(self, request: Request) -> Parsed | Response:
        given = request.query_params.get("key") or request.headers.get("x-goog-api-key")
        if given != self.state.keys.google:
            return google_error("auth")
        body = await _json(request)
        texts = _texts(body.get("q")) if isinstance(body, dict) else None
        if texts is None:
            return google_error("unsupported")
        aliases = google.DETECTED_ALIASES
        target = _tag(google.CODES, body.get("target"), aliases)
        source = body.get("source")
        if target is None or (source and not _tag(google.CODES, source, aliases)):
            return google_error("unsupported")
        source = _tag(google.CODES, source, aliases) if source else None
        return Parsed([from_markup(t) for t in texts[0]], texts[0], source, target)

    @staticmethod
    def answer_google(parsed: Parsed, answers: list[str], detected: list[str]) -> Response:
        translations: list[dict[str, str]] = []
        for answer, language in zip(answers, detected, strict=False):
            item = {"translatedText": answer}
            if parsed.source is None:  # Google still says iw for Hebrew
                item["detectedSourceLanguage"] = "iw" if language == "he" else language
            translations.append(item)
        return JSONResponse({"data": {"translations": translations}})

    async def parse_baidu(self, request: Request) -> Parsed | Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not all(form.get(f) for f in ("q", "from", "to", "appid", "salt", "sign")):
            return baidu_error("auth", code="54000")
        keys = self.state.keys
        if form["appid"] != keys.baidu_appid:
            return baidu_error("auth", code="52003")
        signed = (form["appid"] + form["q"] + form["salt"] + keys.baidu_key).encode()
        if form["sign"] != hashlib.md5(signed, usedforsecurity=False).hexdigest():
            return baidu_error("auth")
        target = _tag(baidu.CODES, form["to"])
        source = None if form["from"] == "auto" else _tag(baidu.CODES, form["from"])
        premium_only = bool({"heb", "tr"} & {form["from"], form["to"]})
        if target is None or (form["from"] != "auto" and source is None):
            return baidu_error("unsupported")
        if premium_only and not self.state.baidu_premium:
            return baidu_error("unsupported")
        lines = [line for line in form["q"].split("\n") if line.strip()]
        return Parsed([from_braces(line) for line in lines], [form["q"]], source, target)

    @staticmethod
    def answer_baidu(parsed: Parsed, answers: list[str], detected: list[str]) -> Response:
        lines = [line for line in parsed.raw[0].split("\n") if line.strip()]
        return JSONResponse(
            {
                "from": baidu.CODES.get(detected[0], detected[0]) if detected else "auto",
                "to": baidu.CODES[parsed.target],
                "trans_result": [
                    {"src": src, "dst": dst} for src, dst in zip(lines, answers, strict=False)
                ],
            }
        )

    async def parse_libretranslate(self, request: Request) -> Parsed | Response:
        body = await _json(request)
        if not isinstance(body, dict):
            return JSONResponse({"error": "Invalid JSON format"}, 400)
        refused = self._libretranslate_key(body.get("api_key"))
        if refused is not None:
            return refused
        texts = _texts(body.get("q"))
        if texts is None:
            return JSONResponse({"error": "Invalid request: missing q parameter"}, 400)
        source, target = body.get("source"), body.get("target")
        for code in (source, target):
            if code != "auto" and _tag(lt.CODES, code) is None:
                return JSONResponse({"error": f"{code} is not supported"}, 400)
        return Parsed(
            [from_markup(t) for t in texts[0]],
            texts[0],
            None if source == "auto" else _tag(lt.CODES, source),
            _tag(lt.CODES, target) or "",
            single=texts[1],
        )

    def _libretranslate_key(self, given: Any) -> Response | None:
        required = self.state.keys.libretranslate
        if required is None:
            return None
        if not given:
            error = "Please contact the server operator to get an API key"
            return JSONResponse({"error": error}, 400)
        return None if given == required else libretranslate_error("auth")

    @staticmethod
    def answer_libretranslate(parsed: Parsed, answers: list[str], detected: list[str]) -> Response:
        found = [{"confidence": 90.0, "language": d} for d in detected]
        body: dict[str, Any] = {"translatedText": answers[0] if parsed.single else answers}
        if parsed.source is None:
            body["detectedLanguage"] = found[0] if parsed.single else found
        return JSONResponse(body)

    async def add_fault(self, request: Request) -> Response:
        body = await _json(request)
        if not isinstance(body, dict) or body.get("kind") not in FAULT_KINDS:
            return JSONResponse({"error": f"kind must be one of {', '.join(FAULT_KINDS)}"}, 422)
        fault = Fault(
            kind=body["kind"],
            provider=body.get("provider"),
            count=int(body.get("count", 1)),
            retry_after=body.get("retry_after"),
            seconds=float(body.get("seconds", 0.0)),
        )
        with self.state.lock:
            self.state.faults.append(fault)
        return JSONResponse({"ok": True})

    async def clear_faults(self, request: Request) -> Response:
        with self.state.lock:
            self.state.faults.clear()
        return JSONResponse({"ok": True})

    async def set_latency(self, request: Request) -> Response:
        body = await _json(request)
        self.state.latency = float(body.get("seconds", 0.0)) if isinstance(body, dict) else 0.0
        return JSONResponse({"latency": self.state.latency})

    async def usage(self, request: Request) -> Response:
        with self.state.lock:
            characters, requests = dict(self.state.characters), dict(self.state.requests)
        return JSONResponse({"characters": characters, "requests": requests})


def create_translation_sandbox(state: TranslationSandboxState | None = None) -> Starlette:
    sandbox = TranslationSandbox(state or TranslationSandboxState())
    providers: list[tuple[str, Provider, Parse, Answer]] = [
        ("/v2/translate", "deepl", sandbox.parse_deepl, sandbox.answer_deepl),
        ("/language/translate/v2", "google", sandbox.parse_google, sandbox.answer_google),
        ("/api/trans/vip/translate", "baidu", sandbox.parse_baidu, sandbox.answer_baidu),
        (
            "/translate",
            "libretranslate",
            sandbox.parse_libretranslate,
            sandbox.answer_libretranslate,
        ),
    ]
    return Starlette(
        routes=[
            *(
                Route(path, sandbox.endpoint(provider, parse, answer), methods=["POST"])
                for path, provider, parse, answer in providers
            ),
            Route("/faults", sandbox.add_fault, methods=["POST"]),
            Route("/faults", sandbox.clear_faults, methods=["DELETE"]),
            Route("/latency", sandbox.set_latency, methods=["POST"]),
            Route("/usage", sandbox.usage, methods=["GET"]),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    """`python -m kefu.adapters.translators.sandbox [--port 8765]`."""
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--recordings", type=Path, default=RECORDINGS)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--baidu-premium", action="store_true", help="Hebrew and Turkish on Baidu")
    args = parser.parse_args(argv)
    state = TranslationSandboxState(
        Recordings.load(args.recordings), latency=args.latency, baidu_premium=args.baidu_premium
    )
    print(f"{state.recordings.count} recorded texts from {args.recordings}")
    uvicorn.run(create_translation_sandbox(state), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
