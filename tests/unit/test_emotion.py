"""mood_of(): upset, urgent and threat flags from rules over the buyer's own language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.domain.emotion import FLAGS, Mood, fold, mood_of

THREATS = ("threat_dispute", "threat_chargeback", "threat_review")

# language: (upset message, (threat message, its threat flag), calm message);
# every upset or threat message uses a word of the lexicon in emotion.py.
BY_LANGUAGE: dict[str, tuple[str, tuple[str, str], str]] = {
    "en": (
        "This is unacceptable, the parcel is lost.",
        ("I will open a dispute if you do not answer.", "threat_dispute"),
        "Thanks, all good, the parcel arrived.",
    ),
    "es": (
        "Esto es una estafa, el paquete no llegó.",
        ("Voy a abrir una disputa con la tienda.", "threat_dispute"),
        "Muchas gracias, todo bien.",
    ),
    "pt": (
        "Péssimo atendimento, que vergonha.",
        ("Vou deixar uma avaliação negativa.", "threat_review"),
        "Obrigado, chegou tudo certo.",
    ),
    "fr": (
        "C'est une arnaque, je n'ai rien reçu.",
        ("Je vais laisser un mauvais avis.", "threat_review"),
        "Merci beaucoup, tout est parfait.",
    ),
    "de": (
        "Das ist eine Frechheit, ich warte seit Wochen.",
        ("Ich mache eine Rückbuchung über PayPal.", "threat_chargeback"),
        "Danke, alles gut angekommen.",
    ),
    "it": (
        "È una truffa, il pacco non è mai arrivato.",
        ("Lascerò una recensione negativa.", "threat_review"),
        "Grazie mille, tutto perfetto.",
    ),
    "pl": (
        "To jest oszustwo, paczki nie ma.",
        ("Otworzę spór, jeśli nie odpowiecie.", "threat_dispute"),
        "Dziękuję, wszystko w porządku.",
    ),
    "ru": (
        "Это обман, верните деньги.",
        ("Я открою спор, если не ответите.", "threat_dispute"),
        "Спасибо, всё хорошо.",
    ),
    "tr": (
        "Bu tam bir rezalet, kargo gelmedi.",
        ("Kötü yorum yazacağım.", "threat_review"),
        "Teşekkürler, her şey yolunda.",
    ),
    "ko": (
        "정말 최악이에요, 아직도 안 왔어요.",
        ("분쟁을 열겠습니다.", "threat_dispute"),
        "감사합니다, 잘 받았어요.",
    ),
    "ja": (
        "最悪です。まだ届いていません。",
        ("チャージバックを申請します。", "threat_chargeback"),
        "ありがとうございます、届きました。",
    ),
    "he": (
        "אתה נוכל, החבילה לא הגיעה.",
        ("אני אכתוב ביקורת שלילית על החנות.", "threat_review"),
        "תודה רבה, הכל הגיע.",
    ),
    "ar": (
        "هذا احتيال، لم يصل الطلب.",
        ("سأترك تقييم سلبي للمتجر.", "threat_review"),
        "شكرا جزيلا، وصل كل شيء.",
    ),
    "nl": (
        "Dit is belachelijk, ik wacht al weken.",
        ("Ik ga een geschil openen bij het platform.", "threat_dispute"),
        "Bedankt, alles is goed aangekomen.",
    ),
}
LANGUAGES = sorted(BY_LANGUAGE)


def test_all_fourteen_buyer_languages_are_covered() -> None:
    assert len(BY_LANGUAGE) == 14


@pytest.mark.parametrize("language", LANGUAGES)
def test_upset_message_is_upset_and_not_a_threat(language: str) -> None:
    upset, _, _ = BY_LANGUAGE[language]
    mood = mood_of(upset)
    assert mood.flags == ("upset",)
    assert not mood.threatening
    # the evidence is the lexicon word, not a fallback such as "!!!" or "threat"
    assert mood.evidence[0] in fold(upset)


@pytest.mark.parametrize("language", LANGUAGES)
def test_threat_message_gets_its_threat_flag_and_upset(language: str) -> None:
    _, (threat, flag), _ = BY_LANGUAGE[language]
    mood = mood_of(threat)
    assert mood.flags == ("upset", flag)
    assert mood.threatening
    assert dict(zip(mood.flags, mood.evidence, strict=True))["upset"] == "threat"


@pytest.mark.parametrize("language", LANGUAGES)
def test_calm_message_has_no_flags(language: str) -> None:
    _, _, calm = BY_LANGUAGE[language]
    assert mood_of(calm) == Mood(flags=(), evidence=())


@pytest.mark.parametrize(
    ("text", "flag", "evidence"),
    [
        ("Please send it ASAP", "urgent", "asap"),
        ("Lo necesito urgentemente", "urgent", "urgentemente"),
        ("Bitte sofort schicken", "urgent", "sofort"),
        ("Срочно нужен ответ", "urgent", "срочно"),
        ("I will do a chargeback", "threat_chargeback", "chargeback"),
        ("Ich rufe meine Bank an", "threat_chargeback", "meine bank"),
        ("I'll give you 1 star", "threat_review", "1 star"),
        ("Je vais ouvrir un litige", "threat_dispute", "litige"),
        ("Voy a abrir un reclamo", "threat_dispute", "reclamo"),
    ],
)
def test_single_flags_with_their_evidence(text: str, flag: str, evidence: str) -> None:
    mood = mood_of(text)
    assert flag in mood.flags
    assert dict(zip(mood.flags, mood.evidence, strict=True))[flag] == evidence


# --- capitals and exclamation marks -----------------------------------------------------


def test_shouting_in_capitals_is_upset() -> None:
    mood = mood_of("WHERE IS MY PACKAGE, I PAID WEEKS AGO")
    assert mood.flags == ("upset",)
    assert mood.evidence == ("CAPITALS",)


def test_shouting_in_cyrillic_capitals_is_upset() -> None:
    assert mood_of("ГДЕ МОЯ ПОСЫЛКА, Я ЖДУ МЕСЯЦ").evidence == ("CAPITALS",)


@pytest.mark.parametrize(
    "text",
    [
        "OK THX",  # fewer than 12 letters
        "My order 8031234567890123 via DHL and UPS, size XL, thank you",  # a few acronyms
        "I ordered the USB cable",
    ],
)
def test_short_capitals_or_acronyms_are_not_shouting(text: str) -> None:
    assert mood_of(text).flags == ()


@pytest.mark.parametrize("text", ["Where is my order!!!", "Where is it???", "Why?!?", "まだ！！"])
def test_repeated_exclamation_or_question_marks_are_upset(text: str) -> None:
    mood = mood_of(text)
    assert mood.flags == ("upset",)
    assert mood.evidence == ("!!!",)


@pytest.mark.parametrize("text", ["Thanks!", "Really?!", "Great!! Thanks"])
def test_one_or_two_marks_are_calm(text: str) -> None:
    assert mood_of(text).flags == ()


def test_thanks_all_good_has_no_flags() -> None:
    mood = mood_of("thanks, all good")
    assert mood.flags == ()
    assert mood.evidence == ()
    assert not mood.threatening


# --- folding ----------------------------------------------------------------------------


def test_accents_and_case_do_not_matter() -> None:
    for text in ("PÉSSIMO", "péssimo", "pessimo", "PESSIMO"):
        assert mood_of(text) == Mood(flags=("upset",), evidence=("pessimo",)), text


def test_fold_lowercases_and_strips_accents() -> None:
    assert fold("PÉSSIMO") == "pessimo"
    assert fold("Rückbuchung") == "ruckbuchung"
    assert fold("ŻENUJĄCE") == "zenujace"


def test_fold_keeps_hangul_syllables_whole() -> None:
    assert fold("최악") == "최악"
    assert len(fold("분쟁")) == 2


def test_cyrillic_short_i_matches_with_or_without_breve() -> None:
    assert "threat_review" in mood_of("Оставлю плохой отзыв").flags
    assert "threat_review" in mood_of("Оставлю плохои отзыв").flags


def test_lexicon_words_match_only_at_a_word_start() -> None:
    # "nul" (French for rubbish) inside "annul..." must not match
    assert mood_of("Please annulate the order").flags == ()
    assert mood_of("Je voudrais annuler la commande").flags == ()


# --- threats and order ------------------------------------------------------------------


@pytest.mark.parametrize("flag", THREATS)
def test_a_threat_implies_upset(flag: str) -> None:
    text = {
        "threat_dispute": "I will open a dispute",
        "threat_chargeback": "I will call my bank",
        "threat_review": "I will leave a bad review",
    }[flag]
    mood = mood_of(text)
    assert flag in mood.flags
    assert "upset" in mood.flags
    assert mood.threatening


def test_an_upset_word_is_kept_as_evidence_over_the_threat_fallback() -> None:
    mood = mood_of("Scam! I will open a dispute")
    assert mood.flags == ("upset", "threat_dispute")
    assert mood.evidence == ("scam", "dispute")


def test_flags_come_in_the_order_of_flags_whatever_the_text_order() -> None:
    text = "I'll leave a bad review and do a chargeback, open a dispute, URGENT, you scammer"
    mood = mood_of(text)
    assert mood.flags == FLAGS
    assert mood.evidence == ("scammer", "urgent", "dispute", "chargeback", "bad review")


def test_urgent_alone_is_not_upset() -> None:
    assert mood_of("Please reply as soon as possible").flags == ("urgent",)


# --- bugs found -------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["I bought sports shoes", "Zamówiłem sporo rzeczy"])
def test_sport_is_not_a_dispute(text: str) -> None:
    assert mood_of(text).flags == ()


def test_spanish_thanks_for_replying_is_calm() -> None:
    assert mood_of("Gracias por contestar tan rápido").flags == ()


def test_hebrew_size_question_is_not_urgent() -> None:
    assert mood_of("איזו מידה מתאימה לי?").flags == ()


def test_japanese_upset_word_inside_a_sentence() -> None:
    assert mood_of("この店は最悪です").flags == ("upset",)


@pytest.mark.parametrize(
    ("text", "flag"),
    [("Anlaşmazlık açacağım", "threat_dispute"), ("1 yıldız vereceğim", "threat_review")],
)
def test_turkish_threats_with_turkish_letters(text: str, flag: str) -> None:
    assert flag in mood_of(text).flags


# --- properties -------------------------------------------------------------------------


@given(text=st.text(max_size=2000))
def test_mood_of_never_raises_and_gives_known_flags_in_order(text: str) -> None:
    mood = mood_of(text)
    assert set(mood.flags) <= set(FLAGS)
    assert list(mood.flags) == sorted(set(mood.flags), key=FLAGS.index)
    assert len(mood.evidence) == len(mood.flags)
    assert all(mood.evidence)
    if mood.threatening:
        assert "upset" in mood.flags


def test_a_complaint_read_by_the_model_makes_the_buyer_upset_even_in_calm_words() -> None:
    from kefu.domain.emotion import with_intent

    calm = mood_of("your service could be better, answers take days")
    assert "upset" not in calm.flags
    assert with_intent(calm, "complaint").flags == ("upset",)
    assert with_intent(calm, "complaint").evidence == ("intent: complaint",)
    assert with_intent(calm, "refund") == calm
    threat = mood_of("I will open a dispute")
    assert with_intent(threat, "complaint") == threat  # already upset: unchanged
