"""Recorded translations for the sandbox, matched with their slots filled.

A recording file (src/kefu/demo/corpus/translations/<lang>.json) holds texts of the
demo corpus with their translations, which are read both ways (an agent's Chinese into
the buyer's language is the same recording backwards):

    {"language": "es", "translations": {"hola tienen {product} en stock?": {"zh": "…", "en": "…"}}}

The corpus texts have slots (`{product}`, `{order_number}`…, src/kefu/demo/corpus/README.md)
where the demo put values; by the time a text reaches a provider each value is either
still there or masked as a token. So every recorded text becomes, once at start-up, a
pattern in which each slot matches any text (a token included), and the values found
are put into the recorded translation's slots. Lookups stay fast for thousands of
recordings: texts without slots are found in a dict, the others are tried only if
their text before the first slot starts the same way (an index on a short prefix).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SLOT = re.compile(r"\{([a-z_]+)\}")
PREFIX_CHARS = 8


@dataclass(frozen=True)
class Recording:
    language: str
    pattern: re.Pattern[str]
    translations: Mapping[str, str]
    specificity: int  # characters outside the slots: the more, the better the match


def normalise(text: str) -> str:
    return " ".join(text.split())


class Recordings:
    def __init__(self, files: Iterable[Mapping[str, Any]] = ()) -> None:
        self._exact: dict[str, list[Recording]] = {}
        self._by_prefix: dict[str, list[Recording]] = {}
        self.count = 0
        for data in files:
            language = data["language"]
            for text, translations in data["translations"].items():
                self._add(language, normalise(text), translations)
                # Read backwards too: the agent's Chinese (or English) into the buyer's
                # language, and the back-translation the composer shows.
                every = {language: text, **translations}
                for other, written in translations.items():
                    self._add(
                        other,
                        normalise(written),
                        {k: v for k, v in every.items() if k != other},
                    )

    @classmethod
    def load(cls, folder: Path) -> Recordings:
        """Every `*.json` in the folder; none (or no folder) is an empty set, since the
        sandbox then answers with pseudo-translations. A broken file is an error."""
        files = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            data = json.loads(path.read_text(encoding="utf-8"))
            problem = _problem(data)
            if problem:
                raise ValueError(f"{path}: {problem}")
            files.append(data)
        return cls(files)

    def _add(self, language: str, text: str, translations: Mapping[str, str]) -> None:
        pieces = _SLOT.split(text)  # literal, slot, literal, slot, …, literal
        literals, slots = pieces[0::2], pieces[1::2]
        seen: set[str] = set()
        regex = re.escape(literals[0])
        for slot, literal in zip(slots, literals[1:], strict=True):
            regex += f"(?P={slot})" if slot in seen else f"(?P<{slot}>.+?)"
            regex += re.escape(literal)
            seen.add(slot)
        recording = Recording(
            language, re.compile(regex, re.S), dict(translations), sum(map(len, literals))
        )
        if not slots:
            self._exact.setdefault(text, []).append(recording)
        else:
            self._by_prefix.setdefault(literals[0][:PREFIX_CHARS], []).append(recording)
        self.count += 1

    def find(self, text: str, source: str | None, target: str) -> tuple[str, str] | None:
        """(translation, source language) of the best recording, None if there is none."""
        text = normalise(text)
        best: tuple[Recording, dict[str, str]] | None = None
        for recording in self._candidates(text):
            if recording.language != (source or recording.language):
                continue
            if target not in recording.translations:
                continue
            match = recording.pattern.fullmatch(text)
            if match and (best is None or recording.specificity > best[0].specificity):
                best = recording, match.groupdict()
        if best is None:
            return None
        recording, values = best
        filled = _SLOT.sub(
            lambda m: values.get(m.group(1), m.group(0)), recording.translations[target]
        )
        return filled, recording.language

    def _candidates(self, text: str) -> Iterable[Recording]:
        yield from self._exact.get(text, ())
        for length in range(min(PREFIX_CHARS, len(text)) + 1):
            yield from self._by_prefix.get(text[:length], ())


def _problem(data: Any) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("language"), str):
        return 'expected {"language": "<tag>", "translations": {…}}'
    translations = data.get("translations")
    if not isinstance(translations, dict):
        return "translations must be an object"
    for text, targets in translations.items():
        if not isinstance(targets, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in targets.items()
        ):
            return f"the translations of {text!r} must map language tags to texts"
    return None
