"""Satisfaction surveys and their answers (docs/surveys.md)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from kefu.adapters.db import tables as t
from kefu.services.ports import SurveyRecord


def _record(row: t.Survey) -> SurveyRecord:
    return SurveyRecord(
        id=row.id,
        store_id=row.store_id,
        conversation_id=row.conversation_id,
        case_id=row.case_id,
        message_id=row.message_id,
        sent_at=row.sent_at,
        answered_at=row.answered_at,
        closed_at=row.closed_at,
        rating_id=row.rating_id,
    )


class SqlSurveyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def of_case(self, case_id: int) -> SurveyRecord | None:
        row = self.session.scalar(select(t.Survey).where(t.Survey.case_id == case_id))
        return _record(row) if row is not None else None

    def open_in(self, conversation_ids: Collection[int]) -> dict[int, SurveyRecord]:
        if not conversation_ids:
            return {}
        rows = self.session.scalars(
            select(t.Survey).where(
                t.Survey.conversation_id.in_(sorted(conversation_ids)),
                t.Survey.closed_at.is_(None),
            )
        )
        return {row.conversation_id: _record(row) for row in rows}

    def close(self, survey_id: int, at: datetime) -> None:
        self.session.execute(update(t.Survey).where(t.Survey.id == survey_id).values(closed_at=at))

    def add(
        self,
        *,
        store_id: int,
        conversation_id: int,
        case_id: int | None,
        platform_message_id: str,
        sent_at: datetime,
    ) -> int:
        message_id = self.session.scalar(
            select(t.Message.id).where(
                t.Message.store_id == store_id,
                t.Message.platform_message_id == platform_message_id,
            )
        )
        assert message_id is not None  # noqa: S101 - stored by the caller just before
        survey_id = self.session.scalar(
            insert(t.Survey)
            .values(
                store_id=store_id,
                conversation_id=conversation_id,
                case_id=case_id,
                message_id=message_id,
                sent_at=sent_at,
            )
            .returning(t.Survey.id)
        )
        assert survey_id is not None  # noqa: S101 - RETURNING gives the new row's id
        return int(survey_id)

    def answered(self, survey_id: int, *, platform_rating_id: str, at: datetime) -> None:
        r, v = t.SatisfactionRating, t.Survey
        rating_id = self.session.scalar(
            select(r.id)
            .join(v, v.store_id == r.store_id)
            .where(v.id == survey_id, r.platform_rating_id == platform_rating_id)
        )
        self.session.execute(
            update(v)
            .where(v.id == survey_id)
            .values(answered_at=at, closed_at=at, rating_id=rating_id)
        )
