"""escalation policies, an alert's wait at its level, an action's detail

Revision ID: 0003_escalation_policies
Revises: 0002_sessions
Create Date: 2026-12-03 21:10:00
"""

import sqlalchemy as sa
from alembic import op

from dashboard.core.escalation import DEFAULTS

revision = '0003_escalation_policies'
down_revision = '0002_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    policies = op.create_table(
        'escalation_policies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('severity', sa.SmallInteger(), nullable=False),
        sa.Column('village_minutes', sa.Integer(), nullable=False),
        sa.Column('town_minutes', sa.Integer(), nullable=False),
        sa.Column('district_minutes', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'severity', name='uq_escalation_policies_kind_severity'),
    )
    # The seeded defaults (dashboard.core.escalation.DEFAULTS): severity 4 moves up fastest.
    op.bulk_insert(policies, DEFAULTS)
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_since', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('alert_acks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('alert_acks', schema=None) as batch_op:
        batch_op.drop_column('detail')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_column('waiting_since')
    op.drop_table('escalation_policies')
