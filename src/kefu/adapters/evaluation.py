"""Scores of a classifier on labelled messages: accuracy, macro-F1, per-intent P/R, confusion."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)


def scores(
    truth: Sequence[str], predicted: Sequence[str], confident: Sequence[bool]
) -> dict[str, Any]:
    """Macro-F1 over the intents present in `truth`; the confident subset scored apart."""
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    sure = [i for i, c in enumerate(confident) if c]
    return {
        "messages": len(truth),
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4
        ),
        "confident_share": round(len(sure) / len(truth), 4) if truth else 0.0,
        "confident_accuracy": round(
            float(accuracy_score([truth[i] for i in sure], [predicted[i] for i in sure])), 4
        )
        if sure
        else 0.0,
        "per_intent": {
            label: {
                "precision": round(float(p), 3),
                "recall": round(float(r), 3),
                "f1": round(float(f), 3),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
        "labels": labels,
        "confusion": confusion_matrix(truth, predicted, labels=labels).tolist(),
    }


def plot_confusion(result: dict[str, Any], path: Path, title: str) -> None:
    """The confusion matrix as a PNG (rows: truth, columns: prediction)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = result["labels"]
    matrix = result["confusion"]
    fig, ax = plt.subplots(figsize=(11, 9))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=75, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value:
                ax.text(
                    j,
                    i,
                    str(value),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if value > max(map(max, matrix)) / 2 else "black",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{title} — accuracy {result['accuracy']:.3f}, macro-F1 {result['macro_f1']:.3f}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
