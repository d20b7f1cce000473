"""Credentials encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`).

KEFU_SECRET_KEY holds one key or several, comma-separated, newest first: MultiFernet
seals with the first and opens with any, so a key is rotated by putting a new one in
front, running `kefu secrets rotate`, then dropping the old one (docs/mail.md).
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from kefu.services.ports import SecretsUnavailable

NO_KEY = (
    "no secret key is configured: set KEFU_SECRET_KEY to a Fernet key "
    "(`kefu secrets new-key` prints one) to store mailbox passwords"
)


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


class FernetBox:
    """SecretBox over MultiFernet; without keys every call raises SecretsUnavailable."""

    def __init__(self, keys: str | None) -> None:
        parts = [k.strip() for k in (keys or "").split(",") if k.strip()]
        self._box: MultiFernet | None = None
        if parts:
            try:
                self._box = MultiFernet([Fernet(k.encode("ascii")) for k in parts])
            except (ValueError, UnicodeEncodeError) as exc:
                raise SecretsUnavailable(
                    "KEFU_SECRET_KEY is not a list of Fernet keys (32 url-safe base64 bytes each)"
                ) from exc

    @property
    def configured(self) -> bool:
        return self._box is not None

    def _fernet(self) -> MultiFernet:
        if self._box is None:
            raise SecretsUnavailable(NO_KEY)
        return self._box

    def seal(self, plain: str) -> str:
        return self._fernet().encrypt(plain.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet().decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError) as exc:
            raise SecretsUnavailable(
                "a stored credential cannot be opened with KEFU_SECRET_KEY "
                "(was it sealed with a key no longer listed?)"
            ) from exc

    def rotate(self, sealed: str) -> str:
        try:
            return self._fernet().rotate(sealed.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise SecretsUnavailable("a stored credential cannot be opened to rotate it") from exc
