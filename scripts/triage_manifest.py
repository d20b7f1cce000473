"""Write src/kefu/triage_corpus/MANIFEST.json: each training file's line count and digest.

Training refuses to run when a file it lists is missing or differs (a partial install
once trained on half the data without a word). Run after changing the corpus:
    python scripts/triage_manifest.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "src" / "kefu" / "triage_corpus"


def main() -> None:
    entries = {}
    for path in sorted([*CORPUS.glob("train/*.jsonl"), *CORPUS.glob("bitext/*.csv")]):
        data = path.read_bytes()
        entries[path.relative_to(CORPUS).as_posix()] = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "lines": data.count(b"\n"),
        }
    (CORPUS / "MANIFEST.json").write_text(
        json.dumps({"files": entries}, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(f"{len(entries)} files listed in {CORPUS / 'MANIFEST.json'}")


if __name__ == "__main__":
    main()
