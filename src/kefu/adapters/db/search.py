"""The search index and its queries, per engine (docs/search.md).

SQLite keeps the terms of each message (its text and its finished translations, made by
`domain/search.py`) in the FTS5 table `message_search`, ranked with bm25; PostgreSQL keeps
them in a `tsvector` column of the table of the same name, with a GIN index, ranked with
ts_rank. Database triggers put the id of every new message, and of every message whose
translation is finished, into `search_queue` in the writing transaction itself;
`flush_queue` turns the queue into index rows, and runs before every unit of work commits,
after each bulk chunk and before each search, so the index never misses a write.

Identifiers (order and tracking numbers, SKU, buyer ids and e-mails) are looked up exactly
on indexed columns; buyer names by substring (pg_trgm's GIN index on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    String,
    any_,
    bindparam,
    column,
    delete,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
    type_coerce,
    union,
)
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.visibility import visible_to
from kefu.domain.search import Phrase, Query, Scope, TextHit, index_text

# The most recent matching messages that are ranked: enough for any page a person reads,
# and a common word does not make a search read every message.
TEXT_CANDIDATES = 500
# A person who sees few stores gets more rounds of candidates (never more than this).
TEXT_ROUNDS = 4
# Conversations kept per kind of match (identifier, buyer name).
KEY_CANDIDATES = 1000
# Orders, products or buyers one identifier may name (a SKU in many orders).
KEY_IDS = 5000
FLUSH_BATCH = 2000

SQLITE_DDL = (
    """CREATE VIRTUAL TABLE message_search USING fts5(
        terms, conversation_id UNINDEXED, store_id UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 0')""",
    """CREATE TRIGGER search_queue_message AFTER INSERT ON messages BEGIN
        INSERT OR IGNORE INTO search_queue (message_id) VALUES (NEW.id); END""",
    """CREATE TRIGGER search_queue_translation AFTER INSERT ON message_translations
        WHEN NEW.status = 'done' BEGIN
        INSERT OR IGNORE INTO search_queue (message_id) VALUES (NEW.message_id); END""",
    """CREATE TRIGGER search_queue_translation_done AFTER UPDATE OF status, text
        ON message_translations BEGIN
        INSERT OR IGNORE INTO search_queue (message_id) VALUES (NEW.message_id); END""",
    # Buyer names by any three characters or more: an FTS5 trigram index over `buyers`.
    """CREATE VIRTUAL TABLE buyer_names USING fts5(
        name, content = 'buyers', content_rowid = 'id', tokenize = 'trigram')""",
    """CREATE TRIGGER buyer_names_insert AFTER INSERT ON buyers BEGIN
        INSERT INTO buyer_names (rowid, name) VALUES (NEW.id, NEW.name); END""",
    """CREATE TRIGGER buyer_names_delete AFTER DELETE ON buyers BEGIN
        INSERT INTO buyer_names (buyer_names, rowid, name)
        VALUES ('delete', OLD.id, OLD.name); END""",
    """CREATE TRIGGER buyer_names_update AFTER UPDATE OF name ON buyers BEGIN
        INSERT INTO buyer_names (buyer_names, rowid, name)
        VALUES ('delete', OLD.id, OLD.name);
        INSERT INTO buyer_names (rowid, name) VALUES (NEW.id, NEW.name); END""",
    "INSERT INTO buyer_names (buyer_names) VALUES ('rebuild')",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS buyer_names_update",
    "DROP TRIGGER IF EXISTS buyer_names_delete",
    "DROP TRIGGER IF EXISTS buyer_names_insert",
    "DROP TABLE IF EXISTS buyer_names",
    "DROP TRIGGER IF EXISTS search_queue_translation_done",
    "DROP TRIGGER IF EXISTS search_queue_translation",
    "DROP TRIGGER IF EXISTS search_queue_message",
    "DROP TABLE IF EXISTS message_search",
)
POSTGRES_DDL = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE message_search (
        message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        conversation_id BIGINT NOT NULL,
        store_id BIGINT NOT NULL,
        terms TSVECTOR NOT NULL)""",
    "CREATE INDEX ix_message_search_terms ON message_search USING GIN (terms)",
    # The operator class named in the extension's own schema: a database has the extension
    # once, and the schema kefu's tables live in may not be on the path to it.
    "CREATE INDEX ix_search_buyers_name_trgm ON buyers USING GIN (lower(name) {trgm}.gin_trgm_ops)",
    """CREATE FUNCTION search_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_TABLE_NAME = 'messages' THEN
            INSERT INTO search_queue (message_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
        ELSIF NEW.status = 'done' THEN
            INSERT INTO search_queue (message_id) VALUES (NEW.message_id)
            ON CONFLICT DO NOTHING;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER search_queue_message AFTER INSERT ON messages
        FOR EACH ROW EXECUTE FUNCTION search_enqueue()""",
    """CREATE TRIGGER search_queue_translation AFTER INSERT OR UPDATE OF status, text
        ON message_translations FOR EACH ROW EXECUTE FUNCTION search_enqueue()""",
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS search_queue_translation ON message_translations",
    "DROP TRIGGER IF EXISTS search_queue_message ON messages",
    "DROP FUNCTION IF EXISTS search_enqueue()",
    "DROP INDEX IF EXISTS ix_search_buyers_name_trgm",
    "DROP TABLE IF EXISTS message_search",
)

_index = table("message_search", column("rowid"), column("message_id"), column("terms"))
_index_conversation: Any = literal_column("message_search.conversation_id")
_index_store: Any = literal_column("message_search.store_id")

Db = Session | Connection


def _dialect(db: Db) -> str:
    return db.get_bind().dialect.name if isinstance(db, Session) else db.dialect.name


def _tsvector(terms: str) -> str:
    """A tsvector literal with positions, so that phrases match; terms hold only letters,
    digits and marks (domain/search.py), so quoting them needs no escapes."""
    return " ".join(f"'{term}':{min(n, 16383)}" for n, term in enumerate(terms.split(), 1))


def index_messages(db: Db, message_ids: Collection[int]) -> int:
    """(Re)write the index rows of these messages from their text and finished
    translations; returns how many messages were indexed."""
    ids = sorted(message_ids)
    if not ids:
        return 0
    m, tr = t.Message, t.MessageTranslation
    rows = db.execute(
        select(m.id, m.conversation_id, m.store_id, m.text).where(m.id.in_(ids))
    ).all()
    extra: dict[int, list[str]] = {}
    # The status is checked here, not in SQL: SQLite would otherwise walk the index of
    # due translations (status first) over every finished translation of the shop.
    for message_id, status, words in db.execute(
        select(tr.message_id, tr.status, tr.text)
        .where(tr.message_id.in_(ids))
        .order_by(tr.message_id, tr.language)
    ):
        if status == "done" and words:
            extra.setdefault(message_id, []).append(words)
    docs = [
        {"id": mid, "conv": conv, "store": store, "terms": index_text(body, *extra.get(mid, ()))}
        for mid, conv, store, body in rows
    ]
    if _dialect(db) == "postgresql":
        db.execute(text("DELETE FROM message_search WHERE message_id = ANY(:ids)"), {"ids": ids})
        if docs:
            db.execute(
                text(
                    "INSERT INTO message_search (message_id, conversation_id, store_id, terms) "
                    "VALUES (:id, :conv, :store, CAST(:terms AS tsvector)) "
                    # Two searches catching up on the same queued message: the last wins.
                    "ON CONFLICT (message_id) DO UPDATE SET terms = EXCLUDED.terms"
                ),
                [{**d, "terms": _tsvector(str(d["terms"]))} for d in docs],
            )
    else:
        db.execute(
            text("DELETE FROM message_search WHERE rowid IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )
        if docs:
            db.execute(
                text(
                    "INSERT INTO message_search (rowid, conversation_id, store_id, terms) "
                    "VALUES (:id, :conv, :store, :terms)"
                ),
                docs,
            )
    return len(docs)


def flush_queue(db: Db) -> int:
    """Index what the triggers queued in this transaction (or earlier ones); returns how
    many messages were indexed. Cheap when the queue is empty: one indexed read."""
    q = t.SearchQueue
    done = 0
    while True:
        ids = list(db.scalars(select(q.message_id).order_by(q.message_id).limit(FLUSH_BATCH)))
        if not ids:
            return done
        done += index_messages(db, ids)
        db.execute(delete(q).where(q.message_id.in_(ids)))


def reindex(db: Connection, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the messages (`kefu search reindex`), in batches;
    `progress(done, total)` after each batch."""
    total = db.scalar(select(func.count()).select_from(t.Message)) or 0
    db.execute(text("DELETE FROM message_search"))
    db.execute(delete(t.SearchQueue))
    done, last = 0, 0
    while True:
        ids = list(
            db.scalars(
                select(t.Message.id)
                .where(t.Message.id > last)
                .order_by(t.Message.id)
                .limit(FLUSH_BATCH * 5)
            )
        )
        if not ids:
            break
        for start in range(0, len(ids), FLUSH_BATCH):
            done += index_messages(db, ids[start : start + FLUSH_BATCH])
        last = ids[-1]
        db.commit()
        if progress is not None:
            progress(done, total)
    return done


def _recency() -> Any:
    """A conversation's last message time as the engine returns it (comparable within
    one engine), without turning thousands of candidates into datetimes."""
    return type_coerce(t.Conversation.last_message_at, String)


def _scoped(scope: Scope) -> list[Any]:
    c = t.Conversation
    out: list[Any] = []
    if scope.store_ids is not None and scope.viewer_id is not None:
        out.append(visible_to(scope.viewer_id, scope.store_ids))
    if scope.store_id is not None:
        out.append(c.store_id == scope.store_id)
    return out


def _fts5(phrases: Sequence[Phrase]) -> str:
    """An FTS5 query of quoted terms only: nothing a person types is read as syntax."""
    parts = []
    for phrase in phrases:
        quoted = '"' + " ".join(phrase.terms) + '"'
        parts.append(quoted + ("*" if phrase.prefix else ""))
    return " AND ".join(parts)


def _tsquery(phrases: Sequence[Phrase]) -> str:
    parts = []
    for phrase in phrases:
        words = [f"'{term}'" for term in phrase.terms]
        if phrase.prefix:
            words[-1] += ":*"
        parts.append("(" + " <-> ".join(words) + ")")
    return " & ".join(parts)


class SqlSearchRepository:
    """Search reads for one unit of work (services/search.py)."""

    def __init__(self, session: Session) -> None:
        self._db = session

    def catch_up(self) -> None:
        flush_queue(self._db)

    def text_hits(self, query: Query, scope: Scope) -> list[TextHit]:
        """The most recent matching messages the person may see, with their relevance.

        The index is read newest first in rounds of `TEXT_CANDIDATES` messages, and each
        round's conversations are then held to the person's scope: the engine never ranks
        or joins every match of a common word."""
        if not query.phrases:
            return []
        c = t.Conversation
        terms: Any
        message_id: Any
        score: Any
        if self._db.get_bind().dialect.name == "postgresql":
            ts = func.to_tsquery("simple", _tsquery(query.phrases))
            terms = literal_column("message_search.terms")
            message_id = literal_column("message_search.message_id")
            score = func.ts_rank(terms, ts)
            where = terms.op("@@")(ts)
        else:
            message_id = literal_column("message_search.rowid")
            score = -func.bm25(literal_column("message_search"))
            where = literal_column("message_search").op("MATCH")(_fts5(query.phrases))
        scoped = _scoped(scope)
        # The stores are checked in the index itself, so a person who sees one store of
        # many reads that store's matches only; the rest of the rule after.
        stores = (
            [scope.store_id]
            if scope.store_id is not None
            else None
            if scope.store_ids is None
            else sorted(scope.store_ids)
        )
        in_stores = [] if stores is None else [self._among(_index_store, stores, "stores")]
        hits: list[TextHit] = []
        before: int | None = None
        for _ in range(TEXT_ROUNDS):
            stmt = (
                select(_index_conversation, message_id, score)
                .select_from(_index)
                .where(where, *in_stores, *([] if before is None else [message_id < before]))
                .order_by(message_id.desc())
                .limit(TEXT_CANDIDATES)
            )
            found = [(int(a), int(b), float(s)) for a, b, s in self._db.execute(stmt)]
            if not found:
                break
            ids = sorted({conv for conv, _, _ in found})
            visible = select(c.id, _recency()).where(self._among(c.id, ids), *scoped)
            seen: dict[int, Any] = {cid: at for cid, at in self._db.execute(visible)}
            hits += [TextHit(a, b, s, seen[a]) for a, b, s in found if a in seen]
            before = found[-1][1]
            if len(found) < TEXT_CANDIDATES or len(hits) >= TEXT_CANDIDATES or not scoped:
                break
        return hits

    def _among(self, column: Any, ids: Sequence[int], name: str = "ids") -> Any:
        """`column IN ids`; on PostgreSQL one array parameter instead of hundreds."""
        if self._db.get_bind().dialect.name == "postgresql":
            return column == any_(bindparam(name, list(ids), type_=ARRAY(BigInteger)))
        return column.in_(ids)

    def key_hits(self, keys: Sequence[str], scope: Scope) -> list[tuple[int, Any]]:
        """Conversations whose order, parcel, buyer or product carries one of `keys`
        exactly (e-mails in any case), most recent first."""
        if not keys:
            return []
        c, o, p, line, bi = t.Conversation, t.Order, t.Parcel, t.OrderLine, t.BuyerIdentity
        plain = sorted({*keys, *(k.upper() for k in keys)})
        emails = sorted({k.lower() for k in keys if "@" in k} | {k for k in keys if "@" in k})
        # The ids first, each on its own index, then the conversations by plain id lists:
        # PostgreSQL scans every conversation for an OR of IN-subqueries.
        orders = union(
            select(o.id).where(o.order_number.in_(plain)),
            select(p.order_id).where(p.tracking_number.in_(plain)),
            select(line.order_id).where(line.sku.in_(plain)),
            select(o.id).where(o.buyer_email.in_(emails or [""])),
        )
        order_ids = list(self._db.scalars(select(orders.subquery().c[0]).limit(KEY_IDS)))
        product_ids = list(
            self._db.scalars(select(t.Product.id).where(t.Product.sku.in_(plain)).limit(KEY_IDS))
        )
        buyer_ids = list(
            self._db.scalars(
                select(bi.buyer_id).where(bi.platform_buyer_id.in_(keys)).limit(KEY_IDS)
            )
        )
        matched = or_(
            c.platform_conversation_id.in_(keys),
            *([c.order_id.in_(order_ids)] if order_ids else []),
            *([c.product_id.in_(product_ids)] if product_ids else []),
            *([c.buyer_id.in_(buyer_ids)] if buyer_ids else []),
        )
        stmt = (
            select(c.id, _recency())
            .where(matched, *_scoped(scope))
            .order_by(c.last_message_at.desc())
            .limit(KEY_CANDIDATES)
        )
        return [(int(cid), recency) for cid, recency in self._db.execute(stmt)]

    def name_hits(self, words: str, scope: Scope) -> list[tuple[int, Any]]:
        """Conversations with buyers whose name holds `words` (any case; a name that starts
        with it when shorter than three characters), most recent first."""
        c, b = t.Conversation, t.Buyer
        named: Any = select(b.id).where(func.lower(b.name).contains(words.lower(), autoescape=True))
        if len(words) < 3:
            # Too short for trigrams (王伟): names that start with it, on the name's index.
            named = select(b.id).where(b.name >= words, b.name < words + "\uffff")
        elif self._db.get_bind().dialect.name == "sqlite":
            # The trigram index finds any piece of three characters or more, any case.
            phrase = '"' + words.replace('"', '""') + '"'
            named = text(
                "SELECT rowid FROM buyer_names WHERE buyer_names MATCH :phrase LIMIT :most"
            ).bindparams(phrase=phrase, most=KEY_IDS)
        else:
            named = named.limit(KEY_IDS)
        # The buyers first, then their conversations by id: with the visibility rule in
        # the same query, SQLite would walk the store's conversations instead.
        buyer_ids = [int(b) for b in self._db.scalars(named)]
        if not buyer_ids:
            return []
        stmt = (
            select(c.id, _recency())
            .where(self._among(c.buyer_id, buyer_ids), *_scoped(scope))
            .order_by(c.last_message_at.desc())
            .limit(KEY_CANDIDATES)
        )
        return [(int(cid), recency) for cid, recency in self._db.execute(stmt)]

    def rows(self, conversation_ids: Sequence[int]) -> list[dict[str, Any]]:
        """What a result row shows of each conversation."""
        if not conversation_ids:
            return []
        c, s, b = t.Conversation, t.Store, t.Buyer
        o = t.Order
        stmt = (
            select(
                c.id,
                s.code,
                s.name.label("store_name"),
                b.name.label("buyer_name"),
                c.last_message_at,
                c.colour_mark,
                c.status,
                c.last_message_preview,
                o.order_number,
            )
            .join(s, s.id == c.store_id)
            .join(b, b.id == c.buyer_id)
            .outerjoin(o, o.id == c.order_id)
            .where(c.id.in_(conversation_ids))
        )
        return [dict(r._mapping) for r in self._db.execute(stmt)]

    def texts(self, message_ids: Sequence[int]) -> dict[int, list[tuple[str | None, str]]]:
        """Each message's text (language None) and its finished translations."""
        if not message_ids:
            return {}
        m, tr = t.Message, t.MessageTranslation
        out: dict[int, list[tuple[str | None, str]]] = {}
        for mid, body in self._db.execute(select(m.id, m.text).where(m.id.in_(message_ids))):
            out.setdefault(mid, []).insert(0, (None, body))
        for mid, language, status, words in self._db.execute(
            select(tr.message_id, tr.language, tr.status, tr.text)
            .where(tr.message_id.in_(message_ids))
            .order_by(tr.language)
        ):
            if status == "done" and words:  # checked here: see index_messages
                out.setdefault(mid, []).append((language, words))
        return out


def create(db: Connection) -> None:
    """The engine's index, triggers and queue set-up (migration 0021)."""
    if db.dialect.name != "postgresql":
        for statement in SQLITE_DDL:
            db.exec_driver_sql(statement)
        return
    trgm = ""
    for statement in POSTGRES_DDL:
        db.exec_driver_sql(statement.replace("{trgm}", trgm))
        if not trgm and statement.startswith("CREATE EXTENSION"):
            trgm = db.exec_driver_sql(
                "SELECT quote_ident(n.nspname) FROM pg_extension e"
                " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
            ).scalar_one()


def drop(db: Connection) -> None:
    for statement in POSTGRES_DROP if db.dialect.name == "postgresql" else SQLITE_DROP:
        db.exec_driver_sql(statement)
