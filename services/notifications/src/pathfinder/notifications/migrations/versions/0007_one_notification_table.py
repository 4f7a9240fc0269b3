"""One early-years notification, one row: the status rows of ``inbound_notification`` become the table
``early_years_notification``, and the facts kept elsewhere move onto them.

- The JSON endpoint's ``early_years_notification`` rows are dropped: every one has its status row (the endpoint
  wrote both); any without one gets it first.
- ``la_acknowledgement`` becomes the row's ``acknowledged_at`` and ``la_reference``.
- ``la_delivery_receipt`` becomes the row's ``delivered_on`` (the subscriptions it reached).
- The row gains the notification's timeliness (``notified_on``, ``notified_after_compulsory_school_age``): null
  on the rows carried across, which never recorded when they were sent.
- A delivery names the notification its success reports (``la_delivery.notification_id``), read here from the
  payloads of the Received events already delivered.
- ``inbound_submission_key`` is now ``submission_key``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD, NEW = "inbound_notification", "early_years_notification"
RENAMED_INDEXES = ("awaiting_identity", "review", "unacknowledged", "sender")


def upgrade() -> None:
    op.execute(
        """
        INSERT INTO inbound_notification (id, notifying_organisation, submission_format, status, opinion_formed_on,
                                          received_at, responsible_la, person_id)
        SELECT e.id, e.notifying_organisation, 'json', 'received', e.opinion_formed_on, e.received_at,
               e.responsible_la, e.person_id
        FROM early_years_notification e
        WHERE NOT EXISTS (SELECT 1 FROM inbound_notification i WHERE i.id = e.id)
        """
    )
    op.execute(
        """
        UPDATE inbound_notification i
        SET acknowledged_at = a.acknowledged_at, la_reference = left(a.la_reference, 64), status = 'acknowledged'
        FROM la_acknowledgement a
        WHERE a.notification_id = i.id AND i.acknowledged_at IS NULL
        """
    )
    op.add_column(OLD, sa.Column("delivered_on", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"))
    op.execute(
        """
        UPDATE inbound_notification i SET delivered_on = r.subscriptions
        FROM (SELECT notification_id, array_agg(subscription_id ORDER BY subscription_id) AS subscriptions
              FROM la_delivery_receipt GROUP BY notification_id) r
        WHERE r.notification_id = i.id
        """
    )
    op.add_column(OLD, sa.Column("notified_on", sa.Date))
    op.add_column(OLD, sa.Column("notified_after_compulsory_school_age", sa.Boolean))
    op.add_column("la_delivery", sa.Column("notification_id", UUID(as_uuid=True)))
    op.execute(
        """
        UPDATE la_delivery
        SET notification_id = (convert_from(payload, 'UTF8')::jsonb ->> 'notification_id')::uuid
        WHERE event_type LIKE 'pathfinder.notifications.early-years-notification-received.v%'
        """
    )
    for table in ("la_acknowledgement", "la_delivery_receipt", "early_years_notification"):
        op.drop_table(table)
    _rename(OLD, NEW)
    op.rename_table("inbound_submission_key", "submission_key")
    op.execute("ALTER INDEX inbound_submission_key_pkey RENAME TO submission_key_pkey")


def downgrade() -> None:
    op.execute("ALTER INDEX submission_key_pkey RENAME TO inbound_submission_key_pkey")
    op.rename_table("submission_key", "inbound_submission_key")
    _rename(NEW, OLD)
    metadata = sa.MetaData()
    json_notifications = sa.Table(
        "early_years_notification",
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False, index=True),
        sa.Column("responsible_la", sa.String(3), nullable=False, index=True),
        sa.Column("notifying_organisation", sa.String(10), nullable=False),
        sa.Column("opinion_formed_on", sa.Date, nullable=False),
        sa.Column("parent_informed", sa.Boolean, nullable=False),
        sa.Column("discussion_offered", sa.Boolean, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    receipts = sa.Table(
        "la_delivery_receipt",
        metadata,
        sa.Column("notification_id", UUID(as_uuid=True), nullable=False),
        sa.Column("subscription_id", UUID(as_uuid=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("notification_id", "subscription_id"),
    )
    acknowledgements = sa.Table(
        "la_acknowledgement",
        metadata,
        sa.Column("notification_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("la_code", sa.String(3), nullable=False),
        sa.Column("la_reference", sa.Text),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
    )
    connection = op.get_bind()
    for table in (json_notifications, receipts, acknowledgements):
        table.create(connection)
    op.execute(
        """
        INSERT INTO early_years_notification
        SELECT id, person_id, responsible_la, notifying_organisation, opinion_formed_on, true, true, received_at,
               'received'
        FROM inbound_notification WHERE person_id IS NOT NULL AND responsible_la IS NOT NULL
        """
    )
    op.execute(
        """
        INSERT INTO la_acknowledgement
        SELECT id, responsible_la, la_reference, acknowledged_at
        FROM inbound_notification WHERE acknowledged_at IS NOT NULL AND responsible_la IS NOT NULL
        """
    )
    op.execute(
        """
        INSERT INTO la_delivery_receipt
        SELECT id, unnest(delivered_on), delivered_at FROM inbound_notification WHERE delivered_at IS NOT NULL
        """
    )
    op.drop_column("la_delivery", "notification_id")
    for column in ("notified_after_compulsory_school_age", "notified_on", "delivered_on"):
        op.drop_column(OLD, column)


def _rename(old: str, new: str) -> None:
    op.rename_table(old, new)
    op.execute(f"ALTER INDEX {old}_pkey RENAME TO {new}_pkey")
    op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT {old}_message_key TO {new}_message_key")
    op.execute(f"ALTER INDEX ix_{old}_responsible_la RENAME TO ix_{new}_responsible_la")
    for index in RENAMED_INDEXES:
        op.execute(f"ALTER INDEX {old}_{index} RENAME TO {new}_{index}")
