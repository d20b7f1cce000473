"""kefu's language tags and each provider's codes for them."""

from __future__ import annotations

from collections.abc import Mapping

from kefu.domain.geo import BUYER_LANGUAGES
from kefu.services.ports import TranslationFailed

# Chinese (Simplified) is the agents' language; the others are the buyers'.
KEFU_LANGUAGES = ("zh", *BUYER_LANGUAGES)


def provider_code(codes: Mapping[str, str], tag: str, provider: str) -> str:
    """The provider's code for one of kefu's tags; unsupported when it has none."""
    try:
        return codes[tag]
    except KeyError:
        raise TranslationFailed(
            f"{provider} does not translate {tag!r} in kefu", kind="unsupported"
        ) from None


def kefu_tag(
    codes: Mapping[str, str], code: object, aliases: Mapping[str, str] | None = None
) -> str | None:
    """kefu's tag for a code a provider detected: exact, else by its primary subtag
    (`zh-Hans`, `ZH`, `zh-CN` are all `zh`); the provider's own code if we have no tag."""
    if not isinstance(code, str) or not code:
        return None
    wanted = code.casefold()
    wanted = (aliases or {}).get(wanted, wanted)
    for tag, known in codes.items():
        if known.casefold() == wanted:
            return tag
    primary = wanted.split("-")[0]
    for tag, known in codes.items():
        if known.casefold().split("-")[0] == primary:
            return tag
    return code
