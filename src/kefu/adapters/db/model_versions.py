"""Model versions in the database (migration 0032): the versions with their bytes and
figures, the one settings row (active version, the retrain running, the schedule), and the
labelled examples from files."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, exists, func, insert, make_url, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.adapters.db.followups import request_job
from kefu.domain.model_versions import MODEL_RETRAIN, Corrections, NewExample, VersionSummary

SETTINGS_ROW = 1

_SUMMARY = (
    t.ModelVersion.id,
    t.ModelVersion.created_at,
    t.ModelVersion.reason,
    t.ModelVersion.status,
    t.ModelVersion.stage,
    t.ModelVersion.trained_on,
    t.ModelVersion.figures,
    t.ModelVersion.previous,
    t.ModelVersion.options,
    t.ModelVersion.error,
    t.Account.display_name,
)


class SqlModelVersionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _settings(self) -> t.ModelSettings:
        row = self.session.get(t.ModelSettings, SETTINGS_ROW)
        if row is None:  # a database built from the tables, not the migrations
            row = t.ModelSettings(id=SETTINGS_ROW, retrain_every=0, updated_at=datetime.now(UTC))
            self.session.add(row)
            self.session.flush()
        return row

    def state(self) -> tuple[str | None, str | None, int]:
        row = self._settings()
        return row.active_version, row.training_version, row.retrain_every

    def add_version(
        self,
        version_id: str,
        *,
        by: int | None,
        reason: str,
        options: dict[str, Any],
        now: datetime,
        status: str = "training",
    ) -> None:
        self.session.add(
            t.ModelVersion(
                id=version_id,
                created_at=now,
                created_by=by,
                status=status,
                stage="queued",
                stage_at=now,
                reason=reason,
                options=options,
                trained_on={},
                corrections_upto=0,
                examples_upto=0,
                figures={},
                previous={},
            )
        )
        self.session.flush()

    def claim_training(self, version_id: str, stale_before: datetime, now: datetime) -> bool:
        """Compare-and-set on the settings row: only one retrain holds it; one whose
        version has been silent since `stale_before` died with its worker and is failed."""
        self._settings()
        v = t.ModelVersion
        self.session.execute(
            update(v)
            .where(v.status == "training", v.stage_at < stale_before, v.id != version_id)
            .values(status="failed", error="the worker training it stopped", stage_at=now)
        )
        s = t.ModelSettings
        self.session.execute(
            update(s)
            .where(
                s.id == SETTINGS_ROW,
                s.training_version.is_not(None),
                ~exists().where(v.id == s.training_version, v.status == "training"),
            )
            .values(training_version=None)
        )
        claimed = self.session.execute(
            update(s)
            .where(s.id == SETTINGS_ROW, s.training_version.is_(None))
            .values(training_version=version_id, updated_at=now)
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    def request_retrain_job(self, version_id: str) -> None:
        request_job(self.session, MODEL_RETRAIN, version_id=version_id)

    def set_stage(self, version_id: str, stage: str, now: datetime) -> None:
        self.session.execute(
            update(t.ModelVersion)
            .where(t.ModelVersion.id == version_id)
            .values(stage=stage, stage_at=now)
        )

    def _release(self, version_id: str, now: datetime) -> None:
        s = t.ModelSettings
        self.session.execute(
            update(s)
            .where(s.id == SETTINGS_ROW, s.training_version == version_id)
            .values(training_version=None, updated_at=now)
        )

    def finish(
        self,
        version_id: str,
        *,
        model: bytes,
        trained_on: dict[str, Any],
        figures: dict[str, Any],
        previous: dict[str, Any],
        corrections_upto: int,
        examples_upto: int,
        now: datetime,
    ) -> None:
        self.session.execute(
            update(t.ModelVersion)
            .where(t.ModelVersion.id == version_id)
            .values(
                status="ready",
                stage="done",
                stage_at=now,
                model=model,
                trained_on=trained_on,
                figures=figures,
                previous=previous,
                corrections_upto=corrections_upto,
                examples_upto=examples_upto,
            )
        )
        self._release(version_id, now)

    def fail(self, version_id: str, error: str, now: datetime) -> None:
        self.session.execute(
            update(t.ModelVersion)
            .where(t.ModelVersion.id == version_id)
            .values(status="failed", error=error, stage_at=now)
        )
        self._release(version_id, now)

    def activate(self, version_id: str, now: datetime) -> bool:
        """The atomic swap: one UPDATE of one row, and only to a ready version."""
        self._settings()
        v, s = t.ModelVersion, t.ModelSettings
        done = self.session.execute(
            update(s)
            .where(
                s.id == SETTINGS_ROW,
                exists().where(v.id == version_id, v.status == "ready"),
            )
            .values(active_version=version_id, updated_at=now)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def _summaries(self, where: Any, limit: int) -> list[VersionSummary]:
        active, _, _ = self.state()
        rows = self.session.execute(
            select(*_SUMMARY)
            .outerjoin(t.Account, t.Account.id == t.ModelVersion.created_by)
            .where(where)
            .order_by(t.ModelVersion.created_at.desc(), t.ModelVersion.id.desc())
            .limit(limit)
        )
        return [
            VersionSummary(
                id=r.id,
                created_at=r.created_at,
                created_by=r.display_name,
                reason=r.reason,
                status=r.status,
                stage=r.stage,
                trained_on=r.trained_on or {},
                figures=r.figures or {},
                error=r.error,
                active=r.id == active,
                previous=r.previous or {},
                options=r.options or {},
            )
            for r in rows
        ]

    def versions(self, limit: int) -> list[VersionSummary]:
        return self._summaries(True, limit)

    def version(self, version_id: str) -> VersionSummary | None:
        found = self._summaries(t.ModelVersion.id == version_id, 1)
        return found[0] if found else None

    def model_bytes(self, version_id: str) -> bytes | None:
        return self.session.scalar(
            select(t.ModelVersion.model).where(t.ModelVersion.id == version_id)
        )

    def audit(
        self,
        *,
        by: int | None,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        now: datetime,
    ) -> None:
        """A person's change to the model in the audit log (one entity: the model)."""
        self.session.execute(
            insert(t.AuditEntry).values(
                at=now,
                account_id=by,
                action=action,
                entity_type="intent_model",
                entity_id=SETTINGS_ROW,
                before=before,
                after=after,
            )
        )

    def set_schedule(self, every: int, now: datetime) -> None:
        row = self._settings()
        row.retrain_every = every
        row.updated_at = now
        self.session.flush()

    def _since(self) -> tuple[int, int]:
        active, _, _ = self.state()
        if active is None:
            return 0, 0
        row = self.session.execute(
            select(t.ModelVersion.corrections_upto, t.ModelVersion.examples_upto).where(
                t.ModelVersion.id == active
            )
        ).one()
        return row.corrections_upto, row.examples_upto

    def new_corrections(self) -> int:
        """Agents' corrections and labelled examples newer than the active version's data."""
        corrections, examples = self._since()
        c = self.session.scalar(select(func.count()).where(t.IntentCorrection.id > corrections))
        e = self.session.scalar(select(func.count()).where(t.LabelledExample.id > examples))
        return int(c or 0) + int(e or 0)

    def corrections(self) -> Corrections:
        rows = self.session.execute(
            select(
                t.IntentCorrection.id, t.Message.text, t.IntentCorrection.intent, t.Message.language
            )
            .join(t.Message, t.Message.id == t.IntentCorrection.message_id)
            .order_by(t.IntentCorrection.id)
        ).all()
        labelled = self.session.execute(
            select(
                t.LabelledExample.id,
                t.LabelledExample.text,
                t.LabelledExample.intent,
                t.LabelledExample.language,
            ).order_by(t.LabelledExample.id)
        ).all()
        upto = self.session.scalar(select(func.max(t.IntentCorrection.id)))
        return Corrections(
            [(r.text, r.intent, r.language) for r in [*rows, *labelled]],
            int(upto or 0),
            max((r.id for r in labelled), default=0),
        )

    def add_examples(
        self, rows: Sequence[NewExample], by: int | None, source: str, now: datetime
    ) -> tuple[int, int, int]:
        """Insert the new texts, relabel the known ones whose label changed; (added,
        changed, unchanged)."""
        known: dict[str, t.LabelledExample] = {}
        digests = [r.digest for r in rows]
        for start in range(0, len(digests), 500):
            part = digests[start : start + 500]
            for found in self.session.scalars(
                select(t.LabelledExample).where(t.LabelledExample.digest.in_(part))
            ):
                known[found.digest] = found
        fresh = [r for r in rows if r.digest not in known]
        changed = 0
        for r in rows:
            old = known.get(r.digest)
            if old is not None and (old.intent, old.sub_intent) != (r.intent, r.sub_intent):
                old.intent, old.sub_intent, old.at, old.account_id = r.intent, r.sub_intent, now, by
                changed += 1
        if fresh:
            self.session.execute(
                insert(t.LabelledExample),
                [
                    {
                        "digest": r.digest,
                        "text": r.text,
                        "intent": r.intent,
                        "sub_intent": r.sub_intent,
                        "language": r.language,
                        "account_id": by,
                        "source": source,
                        "at": now,
                    }
                    for r in fresh
                ],
            )
        self.session.flush()
        return len(fresh), changed, len(rows) - len(fresh) - changed


# --- the cheap reads every process makes before triage ----------------------------------


def active_version(engine: Engine) -> str | None:
    """The active version's id: one tiny query (the registry asks every few seconds)."""
    with engine.connect() as conn:
        return conn.scalar(
            select(t.ModelSettings.active_version).where(t.ModelSettings.id == SETTINGS_ROW)
        )


def version_bytes(engine: Engine, version_id: str) -> bytes | None:
    with engine.connect() as conn:
        return conn.scalar(select(t.ModelVersion.model).where(t.ModelVersion.id == version_id))


def stored_active(database_url: str) -> tuple[str, bytes] | None:
    """The active version of an existing database, else None — never creating a database
    file or a table (`kefu classify` on a machine without one)."""
    parsed = make_url(database_url)
    if parsed.get_backend_name() == "sqlite" and (
        not parsed.database or parsed.database == ":memory:" or not Path(parsed.database).exists()
    ):
        return None
    from kefu.adapters.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        version_id = active_version(engine)
        data = version_bytes(engine, version_id) if version_id else None
    except SQLAlchemyError:
        return None
    finally:
        engine.dispose()
    return (version_id, data) if version_id and data else None
