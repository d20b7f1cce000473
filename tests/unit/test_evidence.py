"""Evidence images (issue 20 "Bad input"): decided by the bytes, up to each platform's
limit, width and height read from the header; random bytes never crash the check."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from kefu.domain.errors import InvalidInput
from kefu.domain.evidence import (
    DEFAULT_RULE,
    RULES,
    EvidenceEmpty,
    EvidenceImage,
    EvidenceNotImage,
    EvidenceTooLarge,
    EvidenceTypeRefused,
    check_image,
    image_type,
)
from kefu.web.errors import in_words


def encoded(kind: str, width: int = 37, height: int = 21, **options: object) -> bytes:
    """A real image from Pillow's encoders."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, kind, **options)
    return buffer.getvalue()


JPEG, PNG = encoded("JPEG"), encoded("PNG")
WEBP_LOSSY, WEBP_LOSSLESS = encoded("WEBP"), encoded("WEBP", lossless=True)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"


@pytest.mark.parametrize(
    ("data", "name", "platform", "mime", "extension"),
    [
        (JPEG, "photo.jpg", "ebay", "image/jpeg", "jpg"),
        (encoded("JPEG", progressive=True), "p.jpeg", "amazon", "image/jpeg", "jpg"),
        (PNG, "photo.png", "aliexpress", "image/png", "png"),
        (PNG, "IMG_0001.jpg", "ebay", "image/png", "png"),  # the name lies: the bytes decide
        (WEBP_LOSSY, "a.webp", "wish", "image/webp", "webp"),
        (WEBP_LOSSLESS, "b.webp", "wish", "image/webp", "webp"),
        (JPEG, "noname", "unknown-platform", "image/jpeg", "jpg"),
    ],
)
def test_images_are_known_by_their_bytes(
    data: bytes, name: str, platform: str, mime: str, extension: str
) -> None:
    image = check_image(data, name, platform)
    assert isinstance(image, EvidenceImage)
    assert (image.mime, image.extension, image.size) == (mime, extension, len(data))
    assert (image.width, image.height) == (37, 21)
    assert len(image.sha256) == 64


def test_webp_with_an_alpha_channel_uses_the_extended_header() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (640, 480), (0, 0, 0, 0)).save(buffer, "WEBP")
    data = buffer.getvalue()
    image = check_image(data, "alpha.webp", "wish")
    assert (image.width, image.height) == (640, 480)


def test_a_pdf_called_png_is_refused_saying_what_it_is() -> None:
    with pytest.raises(EvidenceNotImage) as refused:
        check_image(PDF, "damage.png", "ebay")
    assert refused.value.code == "evidence_not_image"
    assert refused.value.params == {"filename": "damage.png", "found": "pdf"}
    assert isinstance(refused.value, InvalidInput)  # a 422 at the edge


@pytest.mark.parametrize(
    ("data", "found"),
    [(encoded("GIF"), "gif"), (encoded("BMP"), "bmp"), (b"<html>hi</html>", "unknown")],
)
def test_other_files_are_refused(data: bytes, found: str) -> None:
    with pytest.raises(EvidenceNotImage) as refused:
        check_image(data, "x.jpg", "wish")
    assert refused.value.params["found"] == found


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(EvidenceEmpty) as refused:
        check_image(b"", "empty.jpg", "ebay")
    assert refused.value.code == "evidence_empty"


@pytest.mark.parametrize("platform", sorted(RULES))
def test_each_platforms_limit_is_the_last_byte_accepted(platform: str) -> None:
    limit = RULES[platform].max_bytes
    padded = PNG + b"\0" * (limit - len(PNG))  # bytes after IEND: still the same image
    assert check_image(padded, "big.png", platform).size == limit
    with pytest.raises(EvidenceTooLarge) as refused:
        check_image(padded + b"\0", "big.png", platform)
    assert refused.value.code == "evidence_too_large"
    assert (refused.value.params["limit"], refused.value.params["size"]) == (limit, limit + 1)


def test_the_walk_over_platforms_covers_four() -> None:
    assert sorted(RULES) == ["aliexpress", "amazon", "ebay", "wish"]
    assert all(rule.source for rule in [*RULES.values(), DEFAULT_RULE])


def test_webp_is_refused_where_the_platform_does_not_take_it() -> None:
    with pytest.raises(EvidenceTypeRefused) as refused:
        check_image(WEBP_LOSSY, "a.webp", "ebay")
    assert refused.value.params == {"filename": "a.webp", "found": "WEBP", "accepted": "JPEG, PNG"}


@pytest.mark.parametrize("data", [JPEG[:20], PNG[:20], WEBP_LOSSY[:20], b"\xff\xd8\xff"])
def test_a_file_cut_after_the_magic_is_refused(data: bytes) -> None:
    with pytest.raises(EvidenceNotImage) as refused:
        check_image(data, "cut.jpg", "wish")
    assert str(refused.value.params["found"]).endswith("(damaged)")


@given(st.binary(max_size=2048), st.sampled_from([*RULES, "other"]))
def test_random_bytes_never_crash_and_are_never_accepted_without_the_magic(
    data: bytes, platform: str
) -> None:
    try:
        image = check_image(data, "random.jpg", platform)
    except (EvidenceNotImage, EvidenceEmpty, EvidenceTooLarge, EvidenceTypeRefused):
        return
    assert image_type(data) is not None
    assert image.mime == f"image/{image_type(data)}"
    assert image.width > 0 and image.height > 0


@given(
    st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\0\0\0\0WEBP"]),
    st.binary(max_size=512),
)
def test_random_bytes_after_a_real_magic_never_crash(magic: bytes, rest: bytes) -> None:
    """A header that parses gives sizes within the limits; any other is "damaged"."""
    try:
        image = check_image(magic + rest, "r.png", "wish")
    except EvidenceNotImage as refused:
        assert str(refused.params["found"]).endswith("(damaged)")
    else:
        assert 0 < image.width <= 100_000 and 0 < image.height <= 100_000


@pytest.mark.parametrize(
    ("data", "platform", "chinese"),
    [
        (PDF, "ebay", "damage.png：不是 JPEG、PNG 或 WebP 图片（实际文件类型：pdf）。"),
        (b"", "ebay", "damage.png：文件是空的。"),
        (
            PNG.ljust(2_000_001, b"\0"),
            "aliexpress",
            "damage.png：2000001 字节，超过平台允许的大小（2.0 MB）。",
        ),
        (WEBP_LOSSY, "ebay", "damage.png：平台不接受 WEBP 图片，只接受 JPEG, PNG。"),
    ],
)
def test_each_refusal_reads_in_chinese_with_its_figures(
    data: bytes, platform: str, chinese: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_image(data, "damage.png", platform)
    assert in_words(refused.value, "zh_CN") == chinese
    assert in_words(refused.value, "en").startswith("damage.png: ")
