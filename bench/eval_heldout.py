"""Score the packaged triage (language, intent as agents see it, sub-intent) on held-out sets.

Runs the whole triage path a new message takes (normalisation, language, model, unsure
rule, sub-intent rules) on each held-out file and prints, per file: macro-F1 as shown,
the unsure share, accuracy of the rest, accuracy per language and per style, language
accuracy, sub-intent precision and recall. Nothing here chooses a setting.

Usage: python bench/eval_heldout.py [--model FILE] [--json] [FILE ...]
(default: every src/kefu/triage_corpus/heldout/*.jsonl)
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from sklearn.metrics import f1_score

from kefu.bootstrap import load_classifier
from kefu.services import training
from kefu.services.triage import triage


def score(path: Path, model: Path | None) -> dict[str, Any]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    results = triage([r["text"] for r in rows], load_classifier(model))
    truth = [r["intent"] for r in rows]
    shown = [t.intent for t in results]
    right = [a == b for a, b in zip(truth, shown, strict=True)]
    unsure = [t.unsure for t in results]
    rest = [i for i, u in enumerate(unsure) if not u]
    by: dict[str, dict[str, list[bool]]] = {
        "language": defaultdict(list),
        "style": defaultdict(list),
    }
    language_right: dict[str, list[bool]] = defaultdict(list)
    for row, result, ok in zip(rows, results, right, strict=True):
        by["language"][row["language"]].append(ok)
        by["style"][row.get("style", "-")].append(ok)
        language_right[row["language"]].append(result.language == row["language"])
    sub_truth = [(r.get("sub_intent") or None) for r in rows]
    sub_found = [t.sub_intent for t in results]
    found = sum(1 for s in sub_found if s)
    hits = sum(1 for s, t in zip(sub_found, sub_truth, strict=True) if s and s == t)
    labelled = sum(1 for t in sub_truth if t)
    return {
        "file": path.name,
        "messages": len(rows),
        "macro_f1_shown": round(float(f1_score(truth, shown, average="macro")), 4),
        "accuracy_shown": round(sum(right) / len(rows), 4),
        "unsure_share": round(sum(unsure) / len(rows), 4),
        "accuracy_of_rest": round(sum(truth[i] == shown[i] for i in rest) / max(1, len(rest)), 4),
        "per_language": {k: round(sum(v) / len(v), 3) for k, v in sorted(by["language"].items())},
        "per_style": {k: round(sum(v) / len(v), 3) for k, v in sorted(by["style"].items())},
        "language_id": {k: round(sum(v) / len(v), 3) for k, v in sorted(language_right.items())},
        "language_id_all": round(sum(sum(v) for v in language_right.values()) / len(rows), 4),
        "sub_intent_precision": round(hits / found, 3) if found else None,
        "sub_intent_recall": round(hits / labelled, 3) if labelled else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    files = args.files or sorted((training.CORPUS / "heldout").glob("*.jsonl"))
    for path in files:
        result = score(path, args.model)
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
            continue
        print(
            f"{result['file']}: {result['messages']} messages, macro-F1 shown "
            f"{result['macro_f1_shown']}, unsure {result['unsure_share']:.1%}, accuracy of the "
            f"rest {result['accuracy_of_rest']}, language id {result['language_id_all']}, "
            f"sub-intents P {result['sub_intent_precision']} R {result['sub_intent_recall']}"
        )
        print("  per language:", result["per_language"])
        print("  per style:", result["per_style"])
        print("  language id:", result["language_id"])


if __name__ == "__main__":
    main()
