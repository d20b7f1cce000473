"""The model's settings come from cross-validation on training data, and the product uses them."""

from __future__ import annotations

from kefu.adapters.classifier import TOKEN_PATTERNS, chosen, make_pipeline
from kefu.domain.triage import CONFIDENCE_THRESHOLD


def test_the_unsure_threshold_is_the_cross_validated_one() -> None:
    settings = chosen()
    assert "cross-validation" in settings["chosen_by"]
    assert "no held-out set" in settings["chosen_by"]
    assert settings["threshold"] == CONFIDENCE_THRESHOLD


def test_the_pipeline_is_built_with_the_chosen_settings() -> None:
    settings = chosen()
    pipeline = make_pipeline(seed=7)
    assert settings["C"] == pipeline.named_steps["model"].C
    words = dict(pipeline.named_steps["features"].transformer_list)["words"]
    assert words.token_pattern == TOKEN_PATTERNS[settings["tokens"]]


def test_chinese_and_japanese_characters_are_words_in_the_cjk_variant() -> None:
    words = make_pipeline(seed=7, tokens="cjk_characters").named_steps["features"]
    analyse = dict(words.transformer_list)["words"].build_analyzer()
    grams = analyse("我要退货 返品したい 환불해요 refund please")
    assert {"退", "货", "退 货", "返", "品", "환불해요", "refund please"} <= set(grams)


def test_the_model_page_has_a_coverage_point_at_the_unsure_threshold() -> None:
    # The page marks each version's sure share at the threshold; a re-tuned threshold
    # between the coverage points would leave that column empty without a word.
    from kefu.domain.model_versions import THRESHOLDS

    assert CONFIDENCE_THRESHOLD in THRESHOLDS
