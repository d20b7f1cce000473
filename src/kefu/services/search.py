"""Search use case: one box finds conversations by identifier, buyer name or words in the
messages and their translations, within what the person may see (docs/search.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kefu.domain import search as rules
from kefu.domain.errors import InvalidInput
from kefu.services import access
from kefu.services.access import Principal
from kefu.services.ports import UnitOfWork

# Why a conversation was found, best first: the order of the results.
KEY, NAME, TEXT = "key", "name", "text"
_TIER = {KEY: 0, NAME: 1, TEXT: 2}


@dataclass(frozen=True)
class SearchResult:
    """One conversation found, with the piece of text that matched (if words did)."""

    conversation_id: int
    store_code: str
    store_name: str
    buyer_name: str | None
    order_number: str | None
    last_message_at: datetime
    colour_mark: str | None
    status: str
    matched: str  # key | name | text
    snippet: rules.Snippet
    # The language of the stored translation the snippet comes from; None: the message.
    snippet_language: str | None


@dataclass(frozen=True)
class SearchPage:
    query: str
    results: list[SearchResult]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class QueryTooLong(InvalidInput):
    code = "search_query_too_long"


def search(
    who: Principal,
    q: str,
    *,
    uow: UnitOfWork,
    page: int = 1,
    page_size: int = 20,
    store: str | None = None,
) -> SearchPage:
    """Conversations the person may see that match `q`: an exact identifier first, then
    a buyer's name, then words by relevance; most recent first among equals."""
    if len(q) > rules.MAX_QUERY_CHARS:
        raise QueryTooLong(
            f"a search is at most {rules.MAX_QUERY_CHARS} characters (got {len(q)})",
            field="q",
            limit=rules.MAX_QUERY_CHARS,
        )
    if not 1 <= page_size <= rules.MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size is between 1 and {rules.MAX_PAGE_SIZE}", field="page_size")
    if page < 1:
        raise InvalidInput("page starts at 1", field="page")
    query = rules.parse(q)
    with uow:
        store_id = access.store(uow, who, store, archived=True).id if store else None
        if query.empty or who.store_ids == frozenset():  # nothing to find, or nowhere
            return SearchPage(query.text, [], 0, page, page_size)
        scope = rules.Scope(
            viewer_id=None if who.store_ids is None else who.account_id,
            store_ids=who.store_ids,
            store_id=store_id,
        )
        index = uow.search
        index.catch_up()
        best: dict[int, tuple[int, float, int | None]] = {}  # id → (tier, -score, message)
        recency: dict[int, Any] = {}
        for cid, when in index.key_hits(query.keys, scope):
            best.setdefault(cid, (_TIER[KEY], 0.0, None))
            recency[cid] = when
        words = query.text.replace('"', " ").strip()
        if len(words) >= 2:
            for cid, when in index.name_hits(words, scope):
                best.setdefault(cid, (_TIER[NAME], 0.0, None))
                recency[cid] = when
        for hit in index.text_hits(query, scope):
            tier, score, message = best.get(hit.conversation_id, (_TIER[TEXT], 0.0, None))
            if message is None or -hit.score < score:
                best[hit.conversation_id] = (tier, -hit.score, hit.message_id)
            recency[hit.conversation_id] = hit.recency
        # Most recent first among equals: sorted by time, then (stably) by tier and score.
        ordered = sorted(best, key=lambda cid: recency[cid], reverse=True)
        ordered.sort(key=lambda cid: best[cid][:2])
        shown = ordered[(page - 1) * page_size : page * page_size]
        rows = {r["id"]: r for r in index.rows(shown)}
        shown = [cid for cid in shown if cid in rows]
        texts = index.texts([m for cid in shown if (m := best[cid][2]) is not None])
        results = [_result(rows[cid], best[cid], texts, query) for cid in shown]
        # The index caught up with what others wrote; keep it for the next search.
        uow.commit()
    return SearchPage(query.text, results, len(ordered), page, page_size)


def _result(
    row: dict[str, object],
    best: tuple[int, float, int | None],
    texts: dict[int, list[tuple[str | None, str]]],
    query: rules.Query,
) -> SearchResult:
    tier, _, message_id = best
    matched = next(name for name, n in _TIER.items() if n == tier)
    # The message as written first, then its translations: the first with a hit shows.
    versions = texts.get(message_id, []) if message_id is not None else []
    versions = versions or [(None, str(row["last_message_preview"] or ""))]
    pieces = [(lang, rules.snippet(words, query)) for lang, words in versions]
    language, snippet = next(((lang, p) for lang, p in pieces if p.marks), pieces[0])
    last = row["last_message_at"]
    assert isinstance(last, datetime)  # noqa: S101
    return SearchResult(
        conversation_id=int(str(row["id"])),
        store_code=str(row["code"]),
        store_name=str(row["store_name"]),
        buyer_name=None if row["buyer_name"] is None else str(row["buyer_name"]),
        order_number=None if row["order_number"] is None else str(row["order_number"]),
        last_message_at=last,
        colour_mark=None if row["colour_mark"] is None else str(row["colour_mark"]),
        status=str(row["status"]),
        matched=matched,
        snippet=snippet,
        snippet_language=language,
    )
