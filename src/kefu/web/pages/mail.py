"""Mail attachments, opened by the agents who see the store they came to (docs/mail.md)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.responses import Response

from kefu.services import mail
from kefu.web.deps import KefuDep
from kefu.web.security import InboxViewer

router = APIRouter(include_in_schema=False)

Digest = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="the file's SHA-256")]


@router.get("/mail/attachments/{digest}")
def attachment(digest: Digest, kefu: KefuDep, who: InboxViewer) -> Response:
    """Always a download (never shown inline), with sniffing off: a buyer's file cannot
    run as a page of kefu."""
    filename, _content_type, data = mail.attachment(who, digest, uow=kefu.uow())
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
        },
    )
