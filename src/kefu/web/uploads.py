"""Uploaded shop-data files on their way to an import (docs/imports.md).

A file sent to the Import page or POST /api/v1/stores/{code}/imports is copied, a chunk at
a time and counted against `max_upload_bytes`, into `import_dir` under a random name
(`upload-<token>`); when its run is recorded it is renamed to `run-<id>`, where the
data_import job reads it and deletes it afterwards. A preview reads its staged copy and
the page keeps it for the confirm step; abandoned ones are swept after a day.
"""

from __future__ import annotations

import codecs
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHUNK = 1024 * 1024
STAGED_PREFIX = "upload-"
STAGED_MAX_AGE_SECONDS = 24 * 3600
_TOKEN = re.compile(r"[0-9a-f]{32}")

# The encodings a file may be declared in (else it is detected): what ERPs, Excel and
# shops' systems write. Codec names outside the list (rot13, idna…) are refused as input.
ENCODINGS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "gb18030",
    "gbk",
    "gb2312",
    "big5",
    "big5hkscs",
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_kr",
    "cp949",
    "latin-1",
    "iso8859-15",
    "cp1250",
    "cp1251",
    "cp1252",
    "koi8-r",
)
_CANONICAL = {codecs.lookup(name).name for name in ENCODINGS}
FORMATS = ("csv", "xlsx", "jsonl")


class UploadTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit:,} bytes")
        self.limit = limit


class BadEncoding(ValueError):
    pass


def encoding(name: str | None) -> str | None:
    """A declared encoding, checked against the list; empty: detect it."""
    if not name or not name.strip():
        return None
    try:
        canonical = codecs.lookup(name.strip()).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        canonical = ""
    if canonical not in _CANONICAL:
        raise BadEncoding(f"unknown encoding {name.strip()[:40]!r}; one of {', '.join(ENCODINGS)}")
    return canonical


@dataclass(frozen=True)
class Staged:
    token: str
    path: Path
    size: int


def stage(source: IO[bytes], directory: Path, limit: int) -> Staged:
    """Copy an upload into the import folder; UploadTooLarge (nothing kept) above `limit`."""
    directory.mkdir(parents=True, exist_ok=True)
    sweep(directory)
    token = secrets.token_hex(16)
    path = directory / f"{STAGED_PREFIX}{token}"
    size = 0
    try:
        with path.open("xb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadTooLarge(limit)
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Staged(token, path, size)


def staged(directory: Path, token: str) -> Staged | None:
    """The staged upload of a token from a form; None when unknown, gone or not a token."""
    if not _TOKEN.fullmatch(token):
        return None
    path = directory / f"{STAGED_PREFIX}{token}"
    try:
        return Staged(token, path, path.stat().st_size)
    except OSError:
        return None


def to_run(upload: Staged) -> Callable[[int], str]:
    """What start_run is given: rename the staged file to the run's own name."""

    def place(run_id: int) -> str:
        target = upload.path.with_name(f"run-{run_id}")
        os.replace(upload.path, target)
        return str(target)

    return place


def discard(upload: Staged | None) -> None:
    if upload is not None:
        upload.path.unlink(missing_ok=True)


def sweep(directory: Path, now: float | None = None) -> None:
    """Delete staged uploads nobody confirmed within a day."""
    cutoff = (now if now is not None else time.time()) - STAGED_MAX_AGE_SECONDS
    for path in directory.glob(f"{STAGED_PREFIX}*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
