"""instruction receipts (read, acted), where an instruction went, its request key

Revision ID: 0004_instruction_receipts
Revises: 0003_escalation_policies
Create Date: 2026-12-03 21:05:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_instruction_receipts'
down_revision = '0003_escalation_policies'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('instruction_receipts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('instruction_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instruction_id'], ['instructions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('instruction_id', 'kind', name='uq_instruction_receipts_kind')
    )
    with op.batch_alter_table('instruction_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instruction_receipts_instruction_id'), ['instruction_id'],
                              unique=False)

    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('request_key', sa.String(length=96), nullable=True))
        batch_op.create_unique_constraint('uq_instructions_request_key', ['request_key'])


def downgrade() -> None:
    with op.batch_alter_table('instructions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_instructions_request_key', type_='unique')
        batch_op.drop_column('request_key')
        batch_op.drop_column('department_code')

    with op.batch_alter_table('instruction_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_instruction_receipts_instruction_id'))

    op.drop_table('instruction_receipts')
