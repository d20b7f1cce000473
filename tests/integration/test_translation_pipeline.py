"""Bad input through the whole pipeline (mask → provider over HTTP → checks → cache), each
provider's format served by kefu's sandbox: nothing wrong is ever given as the buyer's
text, and nothing wrong is cached."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from kefu.adapters.db import tables as t
from kefu.bootstrap import Kefu
from kefu.services.translation import TranslationService
from tests.integration.test_translators import PROVIDERS, Sandbox, sandbox, served

__all__ = ["sandbox", "served"]  # fixtures shared with the adapter tests

ORDER = "Pedido 8123456789012345, talla 38, total 15,50 €"


def _service(kefu: Kefu, box: Sandbox, provider: str) -> TranslationService:
    return TranslationService(kefu.uow, box.adapter(provider), kefu.clock)


def _store(kefu: Kefu) -> int:
    with kefu.uow() as uow:
        return uow.inbox.stores_by_code(["ali-global"])["ali-global"].id


def _cached(kefu: Kefu) -> int:
    with kefu.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(t.TranslationCache)) or 0)


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize(
    ("fault", "reason"),
    [("number", "number"), ("html", "markup"), ("token", "lost"), ("count", "segments|lines")],
)
def test_a_provider_that_changes_what_is_said_is_refused(
    kefu: Kefu, sandbox: Sandbox, provider: str, fault: str, reason: str
) -> None:
    service = _service(kefu, sandbox, provider)
    sandbox.fault(fault, provider)
    text = ORDER if fault != "count" else f"{ORDER}\nGracias"
    result = service.translate(text, source="es", target="zh", store_id=_store(kefu))
    assert result.text is None, result
    assert any(r in (result.problem or "") for r in reason.split("|")), result.problem
    assert result.problem_kind in ("refused", "malformed")
    assert _cached(kefu) == 0 or fault == "count"


@pytest.mark.parametrize("provider", PROVIDERS)
def test_right_to_left_emoji_and_placeholders_at_the_edges_survive(
    kefu: Kefu, sandbox: Sandbox, provider: str
) -> None:
    service = _service(kefu, sandbox, provider)
    text = "{name} שלום 😀 ההזמנה 8123456789012345 {order_number}\n\nمرحبا {amount}"
    result = service.translate(text, source=None, target="zh", store_id=_store(kefu))
    assert result.text is not None, result.problem
    for kept in ("{name}", "8123456789012345", "{order_number}", "{amount}", "\n\n"):
        assert kept in result.text
    assert result.text.startswith("{name}") or "{name}" in result.text.splitlines()[0]


def test_64_kib_of_text_is_translated_line_by_line(kefu: Kefu, sandbox: Sandbox) -> None:
    service = _service(kefu, sandbox, "deepl")
    line = "Mi pedido 8123456789012345 no llega, ¿pueden revisar el envío? "
    text = "\n".join(f"{line}{n}" for n in range(64 * 1024 // (len(line) + 6)))
    assert len(text.encode()) > 60 * 1024
    result = service.translate(text, source="es", target="zh", store_id=_store(kefu))
    assert result.text is not None, result.problem
    assert result.text.count("\n") == text.count("\n")
    assert result.text.count("8123456789012345") == text.count("8123456789012345")


def test_html_typed_by_the_buyer_is_text_both_ways(kefu: Kefu, sandbox: Sandbox) -> None:
    service = _service(kefu, sandbox, "google")
    text = "<b>¿Talla?</b> <script>alert(1)</script> & más"
    result = service.translate(text, source="es", target="zh", store_id=_store(kefu))
    assert result.text is not None, result.problem
    assert "<script>alert(1)</script>" in result.text and "&amp;" not in result.text
