"""Write src/kefu/models/romanized_words.json: words that mark Arabizi and Latin-written Russian.

Read from the training corpus only (never a held-out set): a word marks `ar` or `ru` when
it occurs at least twice in that language's Latin-written lines and never in any other
Latin-script training line (the English, Spanish, French, German, Italian, Dutch,
Polish, Portuguese and Turkish files, the demo corpus and the Bitext sample). Language
identification counts these beside its hand-written lists (adapters/langid.py).

Run after changing the corpus: python scripts/romanized_lexicon.py
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from kefu.services import training

OUT = Path(__file__).resolve().parent.parent / "src" / "kefu" / "models" / "romanized_words.json"
WORD = re.compile(r"[a-z0-9']+")
LATIN_ONLY = re.compile(r"^[\x00-\u024f\s\W]*$")
MIN_COUNT = 2


def main() -> None:
    marked: dict[str, Counter[str]] = {"ar": Counter(), "ru": Counter()}
    elsewhere: set[str] = set()
    for example in training.corpus_examples() + training.demo_examples(7):
        text = example.text.lower()
        if not LATIN_ONLY.match(text):
            continue
        words = set(WORD.findall(text))
        if example.language in marked:
            marked[example.language].update(words)
        else:
            elsewhere |= words
    out = {}
    for language, counts in marked.items():
        out[language] = sorted(
            w
            for w, n in counts.items()
            if n >= MIN_COUNT and w not in elsewhere and len(w) >= 3 and not w.isdigit()
        )
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"romanized words: ar {len(out['ar'])}, ru {len(out['ru'])} → {OUT}")


if __name__ == "__main__":
    main()
