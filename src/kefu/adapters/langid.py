"""Language of a buyer message: script rules, romanized Arabic and Russian, then py3langid
restricted to the buyer languages (ADR 0005).

py3langid alone read Chinese as Japanese (Han characters are most of both) and Arabic or
Russian typed in Latin letters as Turkish, Polish or English. The script decides the
first case without doubt: kana is Japanese, Hangul Korean, Han without kana Chinese.
The second is decided by words only those writers use ("privet", "spasibo", "3andi",
"wsletni") and by digits standing for Arabic letters inside words ("m3a", "7abibi").
"""

from __future__ import annotations

import json
import re
from importlib.resources import files

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from kefu.domain.geo import DETECTED_LANGUAGES
from kefu.domain.triage import MIN_LETTERS_FOR_LANGUAGE, UNDETERMINED, letters

# Outgoing text may also be in the agents' own language (a reply sent untranslated).
OUTGOING_LANGUAGES = DETECTED_LANGUAGES

# One buyer language writes each of these scripts (the others write Latin letters).
_SCRIPTS = (
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
)
_BEYOND_LATIN = re.compile(r"[^\x00-\u024f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Japanese-only forms (shinjitai: 変 not 变/變, 発 not 发/發) and words (番号, 住所): a
# Japanese buyer writing only kanji ("住所変更", "追跡番号") still writes Japanese.
_JAPANESE_KANJI = re.compile("[変様込払済売帰気図県円対転実戻駅発続険辺単歳壊検読訳労]|番号|住所")
_NON_LATIN_LETTER = re.compile(r"[^\W\d_a-zA-Z\u00c0-\u024f]")
_WORD = re.compile(r"[a-z0-9']+")


def _words(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


# Arabizi: a digit for an Arabic sound inside a word (3 ع, 7 ح, 9 ق, 5 خ, 2 ء): "m3a",
# "wa7ed", "3andi", "7abibi". A digit before a unit or an ordinal ("3pcs", "2nd") is not.
_ARABIZI_WORD = re.compile(r"[a-z]+(?:[23579][a-z]+)+|[23579][a-z]{2,}(?:[23579][a-z]+)*")
_NOT_ARABIZI = _words(
    "nd rd th st pcs pc psc kg cm mm ml gb mb tb day days pm am xl xxl xxxl min mins hrs "
    "hours weeks months years sets pairs units in inch inches ft lbs oz usd eur gbp "
    "b2b b2c p2p"
)
_ARABIZI_WORDS = _words(
    "salam salaam slm wallah wallahi inchallah inshallah nchallah habibi khalas mazal mazel "
    "wsletni wslatni wsalni mochkil mouchkil mushkila mochkila kifach kifash kifesh wach "
    "wesh bghit bghina chokran choukran shukran shokran sahbi sa7bi ya3ni talabia talabiya "
    "tlabiya talabiti dyal dial diali dyali lhamdulillah hamdoulah hamdullah walo bzaf "
    "bezzaf labas kayn makaynch mazal3 3andi 3afak m3a ma3ndich mafhmtch wla chno chnou "
    "3lach 3lah ghir imta kolchi ntouma ldrahem flous fulus"
)
# Romanized Russian: words other Latin-script languages do not have.
_RUSSIAN_WORDS = _words(
    "privet spasibo spasiba zakaz zakaza zakazal zakazala zakazu gde kogda posylka posylku "
    "posilka posylki pozhaluysta pozhalujsta pojaluysta pojaluista pozhalusta uzhe uje "
    "mesyac mesyats zhdu jdu nichego prishel prishla prishlo dostavka dostavku vernite "
    "verni dengi dengy tovar tovara ochen khorosho horosho chto pochemu skolko razmer "
    "slomano slomalsya vozvrat rabotaet mozhno nado pochta pochtu etot eta tolko seychas "
    "sejchas vsyo bolshoe zdravstvuyte zdravstvujte dobryy dobriy otslezhivanie "
    "moy moya mne menya eshe eshche esche nomer treka poluchil "
    "poluchila polucheno otpravili otpravlen otpravka kuda davno nedeli nedelyu"
)
# Words the training corpus shows only in Latin-written Arabic or Russian lines
# (scripts/romanized_lexicon.py), beside the hand-written lists above.
_LEARNED = json.loads(
    (files("kefu") / "models" / "romanized_words.json").read_text(encoding="utf-8")
)
_ARABIZI_WORDS |= frozenset(_LEARNED["ar"])
_RUSSIAN_WORDS |= frozenset(_LEARNED["ru"])
# Two of these words (or, for Arabizi, digit-words) in a message decide; one is chance.
_ROMANIZED_EVIDENCE = 2


def script_language(sample: str) -> str | None:
    """The language a script says, when its letters are most of the text: kana is
    Japanese, Hangul Korean, Han alone Chinese unless a Japanese-only form shows; Hebrew,
    Arabic and Cyrillic letters are the one buyer language written in each."""
    if not _BEYOND_LATIN.search(sample):  # most messages: nothing for these rules
        return None
    half = letters(sample) / 2
    for language, script in _SCRIPTS:
        if len(script.findall(sample)) > half:
            return language
    kana, hangul, han = (len(p.findall(sample)) for p in (_KANA, _HANGUL, _HAN))
    if kana + hangul + han < half:
        return None
    if hangul > kana + han:
        return "ko"
    if kana or _JAPANESE_KANJI.search(sample):
        return "ja"
    if han:
        return "zh"
    return None


def romanized_language(sample: str) -> str | None:
    """`ar` for Arabizi, `ru` for Russian in Latin letters, None for anything else."""
    if _NON_LATIN_LETTER.search(sample):
        return None
    words = _WORD.findall(sample.lower())
    russian = len({w for w in words if w in _RUSSIAN_WORDS})
    arabic = len({w for w in words if w in _ARABIZI_WORDS or _arabizi_digits(w)})
    if max(russian, arabic) < _ROMANIZED_EVIDENCE:
        return None
    return "ru" if russian > arabic else "ar"


def _arabizi_digits(word: str) -> bool:
    return bool(_ARABIZI_WORD.fullmatch(word)) and word.lstrip("0123456789") not in _NOT_ARABIZI


class LanguageDetector:
    def __init__(self, languages: tuple[str, ...] = DETECTED_LANGUAGES) -> None:
        self._languages = languages
        self._identifier: LanguageIdentifier | None = None

    def detect(self, text: str) -> str:
        sample = text[:1000]
        if letters(sample) < MIN_LETTERS_FOR_LANGUAGE:
            return UNDETERMINED
        by_rule = script_language(sample) or romanized_language(sample)
        if by_rule in self._languages:
            return by_rule
        return str(self._latin().classify(sample)[0])

    def _latin(self) -> LanguageIdentifier:
        """py3langid, loaded on first need: its model takes half a second to unpack, and
        only Latin-script messages need it (`kefu classify "hi"` never does)."""
        if self._identifier is None:
            identifier = LanguageIdentifier.from_modelpath(MODEL_DIR / MODEL_FILE)
            identifier.set_languages(list(self._languages))
            self._identifier = identifier
        return self._identifier


class OutgoingLanguageDetector(LanguageDetector):
    """For the policy check: None when unsure, so no warning is raised on a guess."""

    def __init__(self) -> None:
        super().__init__(OUTGOING_LANGUAGES)

    def detect(self, text: str) -> str:
        found = super().detect(text)
        return "" if found == UNDETERMINED else found
