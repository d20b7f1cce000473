"""A small training corpus of the packaged layout, for tests about model-version plumbing:
two languages' training files cut short and two held-out files, with their manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from kefu.services.training import CORPUS


def small_corpus(folder: Path, lines: int = 60) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for language in ("en", "de"):
        text = (CORPUS / "train" / f"{language}.jsonl").read_text(encoding="utf-8")
        kept = "".join(line + "\n" for line in text.splitlines()[:lines])
        path = folder / "train" / f"{language}.jsonl"
        path.parent.mkdir(exist_ok=True)
        path.write_text(kept, encoding="utf-8")
        files[f"train/{language}.jsonl"] = {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "lines": lines,
        }
    heldout = (CORPUS / "heldout" / "buyers_v1.jsonl").read_text(encoding="utf-8").splitlines()
    (folder / "heldout").mkdir(exist_ok=True)
    # Two sets: a retrain scores on every heldout/*.jsonl.
    for name, part in (("first", heldout[:40]), ("second", heldout[40:80])):
        (folder / "heldout" / f"{name}.jsonl").write_text(
            "".join(line + "\n" for line in part), encoding="utf-8"
        )
    (folder / "MANIFEST.json").write_text(json.dumps({"files": files}), encoding="utf-8")
    return folder
