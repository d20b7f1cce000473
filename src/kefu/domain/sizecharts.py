"""Size charts written out for a buyer: metric, concrete measurements (SPEC §4 "Size")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# Column words of the demo and imported charts, in the template languages.
COLUMN_WORDS: Mapping[str, Mapping[str, str]] = {
    "bust": {"en": "bust", "zh": "胸围", "es": "busto", "ru": "обхват груди",
             "fr": "tour de poitrine", "de": "Brustumfang", "pt": "busto", "it": "petto",
             "pl": "biust"},
    "waist": {"en": "waist", "zh": "腰围", "es": "cintura", "ru": "талия", "fr": "tour de taille",
              "de": "Taille", "pt": "cintura", "it": "vita", "pl": "talia"},
    "hips": {"en": "hips", "zh": "臀围", "es": "cadera", "ru": "бёдра", "fr": "tour de hanches",
             "de": "Hüfte", "pt": "quadril", "it": "fianchi", "pl": "biodra"},
    "length": {"en": "length", "zh": "衣长", "es": "largo", "ru": "длина", "fr": "longueur",
               "de": "Länge", "pt": "comprimento", "it": "lunghezza", "pl": "długość"},
    "foot length": {"en": "foot length", "zh": "脚长", "es": "largo del pie", "ru": "длина стопы",
                    "fr": "longueur du pied", "de": "Fußlänge", "pt": "comprimento do pé",
                    "it": "lunghezza del piede", "pl": "długość stopy"},
}  # fmt: skip
DECIMAL_COMMA = frozenset({"es", "ru", "fr", "de", "pt", "it", "pl", "nl", "tr"})


@dataclass(frozen=True)
class SizeChart:
    unit: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[float | int | str, ...]], ...]

    @classmethod
    def from_mapping(cls, chart: Mapping[str, object]) -> SizeChart | None:
        """The stored JSON form ({unit, columns, rows: [{size, values}]}); None if malformed."""
        unit, columns, rows = chart.get("unit"), chart.get("columns"), chart.get("rows")
        if not isinstance(unit, str) or not isinstance(columns, list) or not isinstance(rows, list):
            return None
        parsed: list[tuple[str, tuple[float | int | str, ...]]] = []
        for row in rows:
            if not isinstance(row, dict) or not isinstance(row.get("values"), list):
                return None
            parsed.append((str(row.get("size", "")), tuple(row["values"])))
        return cls(unit, tuple(str(c) for c in columns), tuple(parsed))

    def describe(self, language: str) -> str:
        """'S: bust 84 cm, waist 66 cm; M: …' — sizes in other systems (EU, US) without unit."""
        return "; ".join(
            f"{size}: "
            + ", ".join(
                self._cell(c, v, language) for c, v in zip(self.columns, values, strict=False)
            )
            for size, values in self.rows
        )

    def _cell(self, column: str, value: float | int | str, language: str) -> str:
        word = COLUMN_WORDS.get(column.lower(), {})
        name = word.get(language) or word.get("en") or column
        shown = _number(value, language)
        return f"{name} {shown} {self.unit}" if word else f"{column} {shown}"


def _number(value: float | int | str, language: str) -> str:
    if isinstance(value, float):
        text = f"{value:g}"
        return text.replace(".", ",") if language in DECIMAL_COMMA else text
    return str(value)
