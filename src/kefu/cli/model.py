"""`kefu model train|eval|apply` and `kefu classify`: the intent model from the command line."""

from __future__ import annotations

import hashlib
import json
import platform
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from kefu import __version__
from kefu.bootstrap import (
    bootstrap,
    evaluate_model,
    load_classifier,
    open_table,
    plot_confusion,
    train_intent_model,
)
from kefu.config import Settings
from kefu.domain.errors import DomainError
from kefu.domain.messages import MAX_TEXT_BYTES
from kefu.domain.triage import Triage
from kefu.services import model_versions, training
from kefu.services.ports import Classifier, TableError
from kefu.services.triage import triage

app = typer.Typer(help="Train, evaluate and apply the intent model.", no_args_is_help=True)
DataDir = Annotated[
    Path, typer.Option("--data", help="training data folder (train/*.jsonl, bitext/)")
]


def triage_json(item_id: object, result: Triage) -> dict[str, Any]:
    return {
        "id": item_id,
        "language": result.language,
        "intent": result.intent,
        "intent_group": result.intent_group,
        "sub_intent": result.sub_intent,
        "confidence": result.confidence,
        "unsure": result.unsure,
        "guess": result.guess,
        "emotion": list(result.mood.flags),
        "entities": [
            {
                "kind": e.kind,
                "text": e.text,
                "value": e.value,
                **({"platform": e.platform} if e.platform else {}),
            }
            for e in result.entities
        ],
    }


@app.command()
def train(
    data: DataDir = training.CORPUS,
    output: Annotated[
        Path | None,
        typer.Option(help="write the model to this file instead of storing a version"),
    ] = None,
    heldout: Annotated[
        Path | None,
        typer.Option(
            help="labelled messages never trained on, for --output's report (default: "
            "every heldout/*.jsonl of --data, the sets a stored version is scored on)"
        ),
    ] = None,
    seed: int = 7,
    activate: Annotated[
        bool, typer.Option("--activate/--no-activate", help="make the new version active")
    ] = True,
    database_url: Annotated[
        str | None,
        typer.Option(envvar="KEFU_DATABASE_URL", help="the database the version is stored in"),
    ] = None,
) -> None:
    """Train from our corpus, the demo corpus, the Bitext sample and the shop's corrections,
    and store the model as a version in the database (active unless --no-activate). With
    --output: write a file instead (the packaged build, `make model`; no database needed
    unless KEFU_DATABASE_URL is given for the corrections)."""
    if output is None:
        _train_version(data, seed, activate, database_url)
        return
    try:
        examples = training.corpus_examples(data) + training.demo_examples(seed)
    except training.CorpusIncomplete as error:
        raise typer.BadParameter(str(error), param_hint="--data") from None
    if database_url:
        with bootstrap(Settings(database_url=database_url)) as kefu, kefu.uow() as uow:
            examples += [
                training.Example(t, i, lang or "und", "corrections")
                for t, i, lang in uow.queries.intent_corrections()
            ]
    if not examples:
        raise typer.BadParameter(f"no training data under {data}", param_hint="--data")
    started = time.perf_counter()
    report: dict[str, Any] = {
        "version": f"{datetime.now(UTC):%Y%m%d}-{_digest(examples)}",
        "kefu": __version__,
        "seed": seed,
        "trained_on": training.summarise(examples),
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
    }
    typer.echo(f"training on {len(examples)} messages…", err=True)
    model = train_intent_model(
        [e.text for e in examples], [e.intent for e in examples], seed, report
    )
    report["train_seconds"] = round(time.perf_counter() - started, 1)
    # The same sets a stored version is scored on, so the Model page compares like with like.
    rows, names = (
        (list(training.read_jsonl(heldout, "heldout")), [heldout.name])
        if heldout is not None
        else (training.heldout_examples(data), training.heldout_sets(data))
    )
    if rows:
        result = evaluate_model(model, [r.text for r in rows], [r.intent for r in rows])
        report["heldout"] = {
            "files": names,
            **{k: v for k, v in result.items() if k != "confusion"},
        }
        typer.echo(
            f"held-out {', '.join(names)}: accuracy {result['accuracy']}, "
            f"macro-F1 {result['macro_f1']}, "
            f"confident {result['confident_share']:.0%} at accuracy {result['confident_accuracy']}"
        )
    model.save(output)
    output.with_suffix(".report.json").write_text(
        json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    typer.echo(f"model {report['version']} written to {output} (report beside it)")


def _train_version(data: Path, seed: int, activate: bool, database_url: str | None) -> None:
    """Train as the Model page's retrain does, in this process, and store the version."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu:
        kefu.upgrade()
        deps = replace(kefu.training_deps, corpus=data, seed=seed)
        try:
            version_id = model_versions.request_retrain(
                None,
                uow=kefu.uow(),
                clock=kefu.clock,
                corpus=data,
                reason="cli",
                activate=activate,
                queue=False,
            )
        except DomainError as error:
            raise typer.BadParameter(error.message, param_hint="--data") from None
        typer.echo(f"training version {version_id}…", err=True)
        done = model_versions.run_retrain(version_id, deps, uow=kefu.uow, clock=kefu.clock)
    if done.status != "ready":
        typer.echo(f"version {done.id} failed: {done.error}", err=True)
        raise typer.Exit(1)
    f = done.figures
    typer.echo(
        f"held-out {', '.join(f.get('sets', []))}: {f['messages']} messages, "
        f"accuracy {f['accuracy']}, macro-F1 {f['macro_f1']} "
        f"(the version before: {done.previous.get('macro_f1')})"
    )
    typer.echo(
        f"model version {done.id} stored"
        + (" and active" if done.active else " (not active: kefu model activate)")
    )


def _digest(examples: list[training.Example]) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(f"{e.intent}\t{e.text}\n".encode())
    return h.hexdigest()[:8]


@app.command("eval")
def evaluate(
    input_file: Annotated[Path, typer.Option("--input", exists=True, dir_okay=False)],
    text_field: Annotated[str, typer.Option("--text-field")] = "text",
    label_field: Annotated[str, typer.Option("--label-field")] = "intent",
    model_path: Annotated[Path | None, typer.Option("--model")] = None,
    matrix: Annotated[Path | None, typer.Option(help="write the confusion matrix as a PNG")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Accuracy, macro-F1, per-intent precision/recall and confusion matrix on a labelled file."""
    rows = list(training.read_jsonl(input_file, "eval", text_field, label_field))
    result = evaluate_model(
        load_classifier(model_path).model, [r.text for r in rows], [r.intent for r in rows]
    )
    if matrix:
        try:
            plot_confusion(result, matrix, input_file.name)
        except ImportError:
            raise typer.BadParameter(
                "drawing needs matplotlib: pip install 'kefu[eval]'", param_hint="--matrix"
            ) from None
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(f"{'intent':18} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>5}")
    for label, s in result["per_intent"].items():
        typer.echo(
            f"{label:18} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f} {s['support']:5d}"
        )
    typer.echo("confusion (rows = truth, columns = prediction, order as above):")
    for label, row in zip(result["labels"], result["confusion"], strict=True):
        typer.echo(f"{label[:12]:12} " + " ".join(f"{v:3d}" for v in row))
    typer.echo(
        f"eval: {result['messages']} messages, accuracy {result['accuracy']}, "
        f"macro-F1 {result['macro_f1']}, "
        f"{result['confident_share']:.0%} confident at accuracy {result['confident_accuracy']}"
    )


@app.command()
def apply(
    database_url: Annotated[str | None, typer.Option(envvar="KEFU_DATABASE_URL")] = None,
    model_path: Annotated[Path | None, typer.Option("--model")] = None,
) -> None:
    """Triage every stored buyer message again with the current model (after training)."""
    from kefu.cli.progress import progress_bar
    from kefu.services.inbox import retriage

    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu, progress_bar() as bar:
        kefu.upgrade()
        classifier = load_classifier(model_path) if model_path else kefu.classifier()
        task = bar.add_task(f"re-triage with model {classifier.version}", total=None)
        done = retriage(
            kefu.uow,
            classifier,
            progress=lambda n, total: bar.update(task, completed=n, total=total),
        )
    typer.echo(
        f"{done} buyer messages triaged with model {classifier.version}; corrected ones kept"
    )


# `--input`: a file this size is a whole shop's history; a row's text is a message's size.
MAX_INPUT_BYTES = 256 * 1024 * 1024
MAX_ROW_BYTES = 8 * MAX_TEXT_BYTES  # JSON escapes make a 64 KiB text up to six times longer


def classify_command(
    text: Annotated[str | None, typer.Argument(help="one message")] = None,
    input_file: Annotated[
        Path | None,
        typer.Option("--input", exists=True, dir_okay=False, help="JSONL with id and text"),
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="JSONL to write (default: standard output)")
    ] = None,
    model_path: Annotated[Path | None, typer.Option("--model")] = None,
) -> None:
    """Language, intent, confidence, emotion and entities of a message or a JSONL file.

    A row without a text, a line that is not JSON or a text over 64 KiB is reported with
    its line number and skipped; the others are classified. Exit code 1 when any was."""
    if input_file is None:
        if text is None:
            raise typer.BadParameter("give a TEXT or --input FILE")
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise typer.BadParameter(f"at most {MAX_TEXT_BYTES} bytes (64 KiB)", param_hint="TEXT")
        classifier = _classifier(model_path)
        print(json.dumps(triage_json(None, triage([text], classifier)[0]), ensure_ascii=False))
        return
    size = input_file.stat().st_size
    if size > MAX_INPUT_BYTES:
        raise typer.BadParameter(
            f"{size} bytes; the limit is {MAX_INPUT_BYTES // 1024 // 1024} MiB (split the file)",
            param_hint="--input",
        )
    rows, refused = _classify_rows(input_file)
    classifier = _classifier(model_path)
    results = []
    for start in range(0, len(rows), 1000):
        part = rows[start : start + 1000]
        found = triage([row_text for _, row_text in part], classifier)
        results += [triage_json(item, t) for (item, _), t in zip(part, found, strict=True)]
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results)
    if output:
        output.write_text(lines, encoding="utf-8")
        typer.echo(f"{len(results)} messages classified into {output}", err=True)
    else:
        print(lines, end="")
    for number, reason in refused:
        typer.echo(f"{input_file.name}, line {number}: {reason}; not classified", err=True)
    if refused:
        typer.echo(f"{len(refused)} rows refused, {len(results)} classified", err=True)
        raise typer.Exit(code=1)


@app.command()
def corrections(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, JSONL or XLSX")],
    encoding: Annotated[
        str | None, typer.Option(help="the CSV's encoding (default: guessed)")
    ] = None,
    database_url: Annotated[str | None, typer.Option(envvar="KEFU_DATABASE_URL")] = None,
) -> None:
    """Add labelled messages (columns text, intent; optional language, sub_intent) as
    training examples for the next retrain; a row with an error is reported and skipped,
    and a file given twice adds nothing the second time."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu:
        kefu.upgrade()
        try:
            with open_table(file, encoding=encoding) as table:
                report = model_versions.import_labelled(
                    table.rows(), file.name, uow=kefu.uow(), clock=kefu.clock
                )
        except (DomainError, TableError, ValueError) as error:
            raise typer.BadParameter(str(error), param_hint="FILE") from None
    for problem in report.errors[:50]:
        typer.echo(problem.describe(), err=True)
    typer.echo(
        f"{report.rows} rows: {report.added} added, {report.changed} relabelled, "
        f"{report.unchanged} already known, {len(report.errors)} errors"
    )
    if report.errors:
        raise typer.Exit(1)


@app.command("activate")
def activate_version(
    version_id: Annotated[str, typer.Argument(help="a ready version (kefu model versions)")],
    database_url: Annotated[str | None, typer.Option(envvar="KEFU_DATABASE_URL")] = None,
) -> None:
    """Make a stored version the active one (roll back: an earlier version)."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu:
        try:
            model_versions.activate_as_system(version_id, uow=kefu.uow(), clock=kefu.clock)
        except DomainError as error:
            raise typer.BadParameter(error.message, param_hint="VERSION_ID") from None
    typer.echo(f"model version {version_id} is active; every process uses it within seconds")


@app.command("versions")
def list_versions(
    database_url: Annotated[str | None, typer.Option(envvar="KEFU_DATABASE_URL")] = None,
) -> None:
    """The stored model versions, newest first, with the active one marked."""
    settings = Settings(database_url=database_url) if database_url else Settings()
    with bootstrap(settings) as kefu:
        listed = model_versions.versions_as_system(uow=kefu.uow())
    if not listed:
        typer.echo("no stored version: the model file or the packaged model answers")
    for v in listed:
        f1 = f"{v.macro_f1:.3f}" if v.macro_f1 is not None else "—"
        mark = "*" if v.active else " "
        typer.echo(f"{mark} {v.id}  {v.created_at:%Y-%m-%d %H:%M}  {v.reason:8} {v.status:8} {f1}")


def _classifier(model_path: Path | None) -> Classifier:
    """The model, or a one-line error when its file is of an older format or damaged."""
    try:
        return load_classifier(model_path)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--model") from None


def _classify_rows(path: Path) -> tuple[list[tuple[object, str]], list[tuple[int, str]]]:
    """(id, text) of each good row, and (line number, reason) of each refused one."""
    rows: list[tuple[object, str]] = []
    refused: list[tuple[int, str]] = []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            read = _read_row(raw)
            if isinstance(read, str):
                refused.append((number, read))
            else:
                rows.append(read)
    return rows, refused


def _read_row(raw: bytes) -> tuple[object, str] | str:
    """The row's id and text, or why it cannot be classified."""
    if len(raw) > MAX_ROW_BYTES:
        return f"the line is {len(raw)} bytes; the limit is {MAX_ROW_BYTES}"
    try:
        row = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"not a JSON object ({error})"
    if not isinstance(row, dict):
        return "not a JSON object"
    text = row.get("text")
    if not isinstance(text, str):
        return "no text" if text is None else f"text is a {type(text).__name__}, not a string"
    if not text.strip():
        return "the text is empty"
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        return f"the text is {len(text.encode('utf-8'))} bytes; the limit is {MAX_TEXT_BYTES}"
    return row.get("id"), text
