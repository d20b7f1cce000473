"""Evidence images a case carries to the platform (issue 20 "Bad input"): only JPEG, PNG
and WebP, up to the platform's size limit, decided by the bytes, never by the name.

A buyer's photo arrives as whatever the phone or the mail client called it: "IMG_1.jpg"
may hold PNG bytes (accepted, reported as the PNG it is), and "photo.png" may hold a PDF
or an HTML page (refused). The header is read far enough to know the image's width and
height, so a file that only starts like an image is refused too. Standard library only.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from kefu.domain.errors import InvalidInput

MB = 1_000_000
MIB = 1024 * 1024


@dataclass(frozen=True)
class ImageRule:
    """What one platform takes as evidence, with where that comes from."""

    max_bytes: int
    types: frozenset[str]  # "jpeg", "png", "webp"
    source: str
    unsure: bool = False  # ⚠ not found in the platform's documentation: kefu's own choice


ALL_TYPES = frozenset({"jpeg", "png", "webp"})
# Per platform, as data. A limit kefu could not confirm is the smaller of the plausible
# ones: a photo refused here can be made smaller now, one the platform refuses after the
# case was decided leaves the case "not sent to the platform".
RULES: dict[str, ImageRule] = {
    "ebay": ImageRule(
        5 * MIB,
        frozenset({"jpeg", "png"}),
        "eBay Post-Order API UploadFileRequest (return files: BMP, GIF, JPEG, PNG) and "
        "Media API uploadPostOrderDocument (at most 5 MB = 5,242,880 bytes); no WebP",
    ),
    "amazon": ImageRule(
        10 * MB,
        frozenset({"jpeg", "png"}),
        "Amazon Buyer-Seller Messaging: attachments up to 10 MB (PLATFORMS.md); ⚠ WebP is "
        "not among the attachment types Amazon names",
        unsure=True,
    ),
    "aliexpress": ImageRule(
        2 * MB,
        frozenset({"jpeg", "png"}),
        "AliExpress aliexpress.issue.image.upload (image_bytes with its extension); ⚠ the "
        "size limit is not published where kefu could read it: 2 MB, the smallest in use",
        unsure=True,
    ),
    "wish": ImageRule(
        5 * MB,
        ALL_TYPES,
        "Wish merchant API ticket replies; ⚠ no published limit found: 5 MB",
        unsure=True,
    ),
}
DEFAULT_RULE = ImageRule(5 * MB, ALL_TYPES, "kefu's default for a platform without a rule")
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}
MIMES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# What else a file often is, named in the refusal ("this file is a PDF").
OTHER_MAGIC = (
    (b"%PDF", "pdf"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
    (b"PK\x03\x04", "zip"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
_PNG = b"\x89PNG\r\n\x1a\n"
MAX_SIDE = 100_000  # a header claiming more is not a photo


class EvidenceNotImage(InvalidInput):
    code = "evidence_not_image"


class EvidenceTooLarge(InvalidInput):
    code = "evidence_too_large"


class EvidenceEmpty(InvalidInput):
    code = "evidence_empty"


class EvidenceTypeRefused(InvalidInput):
    """An image, but of a type this platform does not take (WebP on eBay)."""

    code = "evidence_type_refused"


@dataclass(frozen=True)
class EvidenceImage:
    mime: str
    extension: str  # the real type's, whatever the file was called
    size: int
    sha256: str
    width: int
    height: int


def check_image(data: bytes, filename: str, platform: str) -> EvidenceImage:
    """The image `data` is, or a refusal saying what and why (filename in every one)."""
    rule = RULES.get(platform, DEFAULT_RULE)
    if not data:
        raise EvidenceEmpty(f"{filename}: an empty file (0 bytes)", filename=filename)
    if len(data) > rule.max_bytes:
        raise EvidenceTooLarge(
            f"{filename}: {len(data)} bytes, more than {platform}'s limit of {rule.max_bytes}",
            filename=filename,
            size=len(data),
            limit=rule.max_bytes,
            limit_mb=round(rule.max_bytes / MB, 1),
        )
    kind = image_type(data)
    if kind is None:
        found = next((name for magic, name in OTHER_MAGIC if data.startswith(magic)), "unknown")
        raise EvidenceNotImage(
            f"{filename}: not a JPEG, PNG or WebP image (found: {found})",
            filename=filename,
            found=found,
        )
    size = dimensions(kind, data)
    if size is None:
        raise EvidenceNotImage(
            f"{filename}: starts like a {kind.upper()} image but its header is damaged",
            filename=filename,
            found=f"{kind} (damaged)",
        )
    if kind not in rule.types:
        accepted = ", ".join(sorted(t.upper() for t in rule.types))
        raise EvidenceTypeRefused(
            f"{filename}: {platform} does not take {kind.upper()} images ({accepted} only)",
            filename=filename,
            found=kind.upper(),
            accepted=accepted,
        )
    return EvidenceImage(
        MIMES[kind],
        EXTENSIONS[kind],
        len(data),
        hashlib.sha256(data).hexdigest(),
        size[0],
        size[1],
    )


def image_type(data: bytes) -> str | None:
    """ "jpeg", "png" or "webp" by the file's first bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def dimensions(kind: str, data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header; None when it is cut short or makes no sense."""
    try:
        found = {"jpeg": _jpeg, "png": _png, "webp": _webp}[kind](data)
    except (struct.error, IndexError):
        return None
    if found is None or not (0 < found[0] <= MAX_SIDE and 0 < found[1] <= MAX_SIDE):
        return None
    return found


def _png(data: bytes) -> tuple[int, int] | None:
    # The first chunk must be IHDR: length 13, then width and height.
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


# JPEG markers with no length after them; every other marker is followed by one.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Start-of-frame markers (baseline, progressive, lossless…), not DHT, JPG or DAC.
_FRAMES = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(data: bytes) -> tuple[int, int] | None:
    """Walk the segments after SOI to the first frame header."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame
            return None
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2:
            return None
        if marker in _FRAMES:
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
        at += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        if len(data) < 30:
            return None
        # Key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return int(width & 0x3FFF), int(height & 0x3FFF)
    if chunk == b"VP8L":
        if len(data) < 25 or data[20] != 0x2F:
            return None
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        if len(data) < 30:
            return None
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None
