"""the e-mail channel: store mailboxes (sealed passwords, read position, health), mail
threads (Message-ID → conversation), mail attachments, and "no response needed" on messages
(docs/mail.md)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kefu.adapters.db.kpifacts import rebuild_facts

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_mail_attachments_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_attachments")),
        sa.UniqueConstraint("store_id", "digest", name=op.f("uq_mail_attachments_store_id_digest")),
    )
    op.create_table(
        "mail_threads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("mail_id", sa.Text(), nullable=False),
        sa.Column("conversation_key", sa.String(length=128), nullable=False),
        sa.Column("incoming", sa.Boolean(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("references", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_mail_threads_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_threads")),
        sa.UniqueConstraint("store_id", "digest", name=op.f("uq_mail_threads_store_id_digest")),
    )
    with op.batch_alter_table("mail_threads", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mail_threads_conversation",
            ["store_id", "conversation_key", "incoming", "id"],
            unique=False,
        )

    op.create_table(
        "store_mailboxes",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("imap_host", sa.String(length=253), nullable=False),
        sa.Column("imap_port", sa.Integer(), nullable=False),
        sa.Column("imap_security", sa.String(length=16), nullable=False),
        sa.Column("imap_user", sa.String(length=320), nullable=False),
        sa.Column("imap_password", sa.Text(), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("smtp_host", sa.String(length=253), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(length=16), nullable=False),
        sa.Column("smtp_user", sa.String(length=320), nullable=False),
        sa.Column("smtp_password", sa.Text(), nullable=False),
        sa.Column("amazon_relay", sa.Boolean(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=True),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("last_pull_at", _TIME, nullable=True),
        sa.Column("last_success_at", _TIME, nullable=True),
        sa.Column("last_pulled", sa.Integer(), nullable=False),
        sa.Column("total_pulled", sa.BigInteger(), nullable=False),
        sa.Column("error_code", sa.String(length=32), nullable=True),
        sa.Column("error_detail", sa.String(length=500), nullable=True),
        sa.Column("error_at", _TIME, nullable=True),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_store_mailboxes_store_id_stores")
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_store_mailboxes")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("no_response_at", _TIME, nullable=True))
    # The reporting facts read this column: written again here, which also completes an
    # upgrade from before 0004 (whose backfill waits for the column; see there).
    rebuild_facts(op.get_bind())


def downgrade() -> None:
    # Many tables point at messages: SQLite drops the column in place (3.35+).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE messages DROP COLUMN no_response_at")
    else:
        with op.batch_alter_table("messages", schema=None) as batch_op:
            batch_op.drop_column("no_response_at")

    op.drop_table("store_mailboxes")
    with op.batch_alter_table("mail_threads", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_threads_conversation")

    op.drop_table("mail_threads")
    op.drop_table("mail_attachments")
