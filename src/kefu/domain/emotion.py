"""The buyer's mood (SPEC §4 "recognise emotion"): upset, urgent, and threats of a dispute,
a chargeback or a bad review — rules over the buyer's own language.

Rules, not a model: each flag is explainable ("matched 'open a dispute'"), works in all
14 buyer languages from the first message, and costs microseconds. The intent model
handles what a message is about; these flags handle how the buyer feels about it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

FLAGS = ("upset", "urgent", "threat_dispute", "threat_chargeback", "threat_review")

# Lower-case, accent-free fragments; matched on word starts of the folded text.
_LEXICON: dict[str, tuple[str, ...]] = {
    "threat_dispute": (
        "disput*",
        "open a case",
        "open case",
        "a-to-z",
        "a to z claim",
        "report you",
        "resolution center",
        "disputa",
        "reclamacao",
        "reclamação",
        "reclamo",
        "litige",
        "litigio",
        "streitfall",
        "konflikt",
        "fall eroffnen",
        "spor",
        "otworze spor",
        "спор",
        "открою спор",
        "открыть спор",
        "диспут",
        "anlasmazlik",
        "itiraz",
        "분쟁",
        "紛争",
        "מחלוקת",
        "نزاع",
        "geschil",
        "claim openen",
        "aliexpress support",
        "ebay support",
        "amazon support",
        "paypal claim",
    ),
    "threat_chargeback": (
        "chargeback*",
        "charge back",
        "contracargo",
        "retrofacturacion",
        "opposition bancaire",
        "ruckbuchung",
        "rückbuchung",
        "обратный платеж",
        "чарджбэк",
        "chargeback yap",
        "지불 거절",
        "チャージバック",
        "ביטול עסקה",
        "استرداد المبلغ من البنك",
        "terugboeking",
        "my bank",
        "mi banco",
        "ma banque",
        "meine bank",
        "мой банк",
        "bankam",
        "moj bank",
        "mijn bank",
    ),
    "threat_review": (
        "bad review",
        "negative review",
        "1 star",
        "one star",
        "negative feedback",
        "leave feedback",
        "mala resena",
        "mala reseña",
        "1 estrella",
        "avaliacao negativa",
        "avaliação negativa",
        "1 estrela",
        "mauvais avis",
        "avis negatif",
        "1 etoile*",
        "schlechte bewertung",
        "1 stern*",
        "negative bewertung",
        "cattiva recensione",
        "recensione negativa",
        "1 stella",
        "negatywna opinia",
        "negatywny komentarz",
        "1 gwiazdk*",
        "плохой отзыв",
        "негативный отзыв",
        "1 звезд*",
        "одну звезду",
        "kotu yorum",
        "kötü yorum",
        "1 yildiz*",
        "나쁜 리뷰",
        "별점 1",
        "悪いレビュー",
        "星1",
        "ביקורת שלילית",
        "כוכב אחד",
        "تقييم سلبي",
        "نجمة واحدة",
        "slechte review",
        "slechte recensie",
        "1 ster",
    ),
    "urgent": (
        "urgent",
        "asap",
        "as soon as possible",
        "immediately",
        "right now",
        "hurry",
        "urgente",
        "cuanto antes",
        "lo antes posible",
        "urgentemente",
        "o mais rapido",
        "tout de suite",
        "au plus vite",
        "dringend",
        "sofort",
        "schnellstmoglich",
        "subito",
        "pilne",
        "pilnie",
        "natychmiast",
        "срочно",
        "немедленно",
        "acil",
        "hemen",
        "급해",
        "급합니다",
        "빨리",
        "至急",
        "急いで",
        "דחוף",
        "מיד",
        "عاجل",
        "فورا",
        "met spoed",
        "zo snel mogelijk",
    ),
    "upset": (
        "angry",
        "furious",
        "unacceptable",
        "ridiculous",
        "scam",
        "scammer",
        "fraud",
        "liar",
        "worst",
        "disgusting",
        "terrible",
        "horrible",
        "awful",
        "never again",
        "wtf",
        "fed up",
        "sick of",
        "enfadado",
        "estafa",
        "estafador",
        "inaceptable",
        "vergonzoso",
        "horrible",
        "pesimo",
        "pésimo",
        "golpe",
        "absurdo",
        "vergonha",
        "pessimo",
        "péssimo",
        "arnaque",
        "escroc",
        "inadmissible",
        "honteux",
        "nul",
        "betrug",
        "betruger*",
        "unverschamt*",
        "frechheit",
        "unmoglich*",
        "sauer",
        "truffa",
        "vergogna",
        "inaccettabile",
        "pessimo",
        "oszust",
        "oszustwo",
        "skandal",
        "zenujace*",
        "żenujące",
        "obrzydliw*",
        "мошенни*",
        "обман",
        "развод",
        "ужас*",
        "безобразие",
        "позор",
        "отвратительн*",
        "возмутительн*",
        "dolandirici",
        "dolandırıcı",
        "rezalet",
        "berbat",
        "kabul edilemez",
        "사기",
        "최악",
        "화가",
        "짜증",
        "詐欺",
        "最悪",
        "ひどい",
        "怒",
        "נוכל",
        "רמאות",
        "שערורייה",
        "גרוע",
        "نصاب",
        "احتيال",
        "سيء جدا",
        "غاضب",
        "oplichter",
        "oplichting",
        "schandalig",
        "belachelijk",
        "waardeloos",
    ),
}
_SHOUTING = re.compile(r"[A-ZА-ЯÄÖÜÉÈÇ]{4,}")
# Two full-width marks shout in Chinese, Japanese and Korean; triage reads NFKC text,
# where "まだ！！" is "まだ!!", so two ASCII marks after those scripts' letters count too.
_EXCLAIM = re.compile(r"[!?]{3,}|！{2,}|(?<=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])!{2,}")


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """Whole words, except stems marked "*" (any ending) and words of scripts written without
    spaces between words (Chinese, Japanese) or with endings glued on (Korean).

    One shared look-behind keeps the big alternation fast (a look-behind per word made
    it ten times slower).
    """
    spaced, unspaced = [], []
    for word in sorted(words, key=len, reverse=True):
        folded = re.escape(fold(word.rstrip("*")))
        if _UNSPACED.search(word):
            unspaced.append(folded)
        else:
            spaced.append(folded + (r"\w*" if word.endswith("*") else r"(?!\w)"))
    pattern = r"(?<!\w)(?:" + "|".join(spaced) + ")"
    return re.compile(pattern + ("|" + "|".join(unspaced) if unspaced else ""))


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Mood:
    flags: tuple[str, ...]
    evidence: tuple[str, ...]  # what matched, for the screen and for review

    @property
    def threatening(self) -> bool:
        return any(flag.startswith("threat_") for flag in self.flags)


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'PÉSSIMO' and 'pessimo' match the same word.

    Recomposed afterwards, so Hangul syllables stay whole; the lexicon is folded the
    same way, so 'плохой' matches whether or not the buyer typed the breve.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("ı", "i"))
    if decomposed.isascii():  # no accents to strip (most messages)
        return decomposed
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", stripped)


def mood_of(text: str) -> Mood:
    """Flags in the order of FLAGS; a threat also counts as upset."""
    folded = fold(text)
    flags: dict[str, str] = {}
    for flag, pattern in _PATTERNS.items():
        match = pattern.search(folded)
        if match:
            flags[flag] = match.group(0)
    if "upset" not in flags and _SHOUTING.search(text):  # counting only when it can shout
        letters = sum(map(str.isalpha, text))
        upper = sum(map(str.isupper, text))
        if letters >= 12 and upper / letters > 0.6:
            flags["upset"] = "CAPITALS"
    if "upset" not in flags and _EXCLAIM.search(text):
        flags["upset"] = "!!!"
    if any(f.startswith("threat_") for f in flags) and "upset" not in flags:
        flags["upset"] = "threat"
    ordered = tuple(f for f in FLAGS if f in flags)
    return Mood(flags=ordered, evidence=tuple(flags[f] for f in ordered))


def with_intent(mood: Mood, intent: str) -> Mood:
    """Rules plus the model: a buyer the model reads as complaining is upset, even in calm words."""
    if intent != "complaint" or "upset" in mood.flags:
        return mood
    flags = dict(zip(mood.flags, mood.evidence, strict=True))
    flags["upset"] = "intent: complaint"
    ordered = tuple(f for f in FLAGS if f in flags)
    return Mood(flags=ordered, evidence=tuple(flags[f] for f in ordered))


_PATTERNS = {flag: _pattern(words) for flag, words in _LEXICON.items()}
