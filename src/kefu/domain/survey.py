"""Reading a buyer's answer to the satisfaction survey (SPEC §8): a score 1–5 and a comment.

Buyers answer in their own words and scripts: "5", "５", "٤", "5 stars", "4/5",
"⭐⭐⭐⭐", "3 - ok but slow", "Note: 4", "оценка 5". A buyer also keeps writing about
other things after a case closes ("order 12345", "I paid 5 dollars", "size 5"); a message
taken for an answer would put a score on the agent they never gave, so the rule is
narrow: a number is an answer only where the survey's question put it — alone at the
start of the message, or after a word for a score — and when unsure it is not one.
"""

from __future__ import annotations

import re
import unicodedata

MAX_COMMENT_CHARS = 2000  # as ratings from the platforms (domain/ratings.py)
MIN_SCORE, MAX_SCORE = 1, 5
# Filled and empty stars, and the emoji one (with or without its variation selector).
_FULL_STARS = "★⭐🌟"
_EMPTY_STARS = "☆"

# A lone digit (any script: \d is Unicode-aware), not part of a longer number or a decimal.
_DIGIT = r"(?P<score>\d)(?![\d.,]\d)(?!\d)"
# What may follow the score: out of five, stars or points in the buyer's words.
_SCALE = (
    r"(?:\s*(?:/|／|из|de|di|sur|von|van|su|na|z|od)\s*5(?!\d)"
    r"|\s*out\s+of\s+5(?!\d)"
    r"|\s*(?:stars?|estrellas?|étoiles?|sterne?n?|stelle|estrelas?|gwiazd\w*|звезд\w*|звёзд\w*"
    r"|yıldız|sterren|points?|punkte?|puntos?|pontos?|punti|баллов|балла|балл)(?!\w)"
    r"|\s*[★⭐🌟]\ufe0f?"
    r"|\s*(?:分(?!钟|鐘)|점))"
)
# After a bare score, the end or a punctuation mark, dash or line before a comment; after
# one that says "of 5" or "stars", anything ("5 stars great service").
_AFTER = rf"(?:{_SCALE}(?P<scaled>(?!\w).*)|(?P<rest>\s*$|\s*[-–—:：,，.。!！)）;；\n].*))"
# Words that say "my score is": "Note: 4", "оценка 5", "rating 3", "評価：5".
_LABELS = (
    "note", "rating", "rate", "score", "grade", "mark", "оценка", "оценку", "оцениваю", "балл",
    "nota", "puntuación", "puntuacion", "calificación", "calificacion", "valutazione", "voto",
    "bewertung", "punkte", "ocena", "oceniam", "puan", "notu", "beoordeling", "cijfer",
    "평점", "점수", "評価", "评分", "打分", "分数", "تقييم", "التقييم", "ציון", "דירוג",
)  # fmt: skip
_LABEL = "|".join(sorted((re.escape(w) for w in _LABELS), key=len, reverse=True))
_LEADING = re.compile(rf"^[\s\"'«“„(]*{_DIGIT}{_AFTER}", re.DOTALL | re.IGNORECASE)
_LABELLED = re.compile(
    rf"^[\s\"'«“„(]*(?:my\s+|mi\s+|ma\s+|meine\s+|моя\s+)?(?:{_LABEL})"
    rf"(?:\s+(?:is|es|est|ist|è|é|=)|\s*[:：=\-–—])?\s*{_DIGIT}{_AFTER}",
    re.DOTALL | re.IGNORECASE,
)
_STARS = re.compile(
    rf"^\s*(?P<stars>(?:[{_FULL_STARS}]\ufe0f?\s*)+)(?P<empty>(?:{_EMPTY_STARS}\s*)*)(?P<rest>.*)$",
    re.DOTALL,
)
# "1. … 2. …": a numbered list, not a score with a comment.
_LIST_ITEM = re.compile(r"(?:^|\n)\s*\d[.)]\s")


def parse_answer(text: str) -> tuple[int, str | None] | None:
    """(score, comment) when `text` answers the survey, else None; never raises.

    The comment is what the buyer wrote after the score, at most MAX_COMMENT_CHARS.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    # Full-width digits and letters read as plain ones ("５" → "5"), one character for one
    # so that the comment is cut from the buyer's own text; other scripts' digits stay as
    # they are and are read by int().
    plain = "".join(_plain(ch) for ch in text)
    stars = _STARS.match(plain)
    if stars is not None:
        count = sum(1 for ch in stars["stars"] if ch in _FULL_STARS)
        return _answer(count, text[stars.start("rest") :])
    for pattern in (_LEADING, _LABELLED):
        found = pattern.match(plain)
        if found is not None:
            rest = "rest" if found["rest"] is not None else "scaled"
            if _LIST_ITEM.search(found[rest]) and _LIST_ITEM.match(plain):
                return None
            return _answer(int(found["score"]), text[found.start(rest) :])
    return None


def _plain(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch


def _answer(score: int, rest: str) -> tuple[int, str | None] | None:
    if not MIN_SCORE <= score <= MAX_SCORE:
        return None
    comment = rest.strip().lstrip("-–—:：,，.。!！)）;；/|").strip()
    return score, (comment[:MAX_COMMENT_CHARS] or None)
