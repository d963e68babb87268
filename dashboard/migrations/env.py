"""Alembic environment: the engine comes from dashboard.core.db, never from an ini file."""

from alembic import context

from dashboard.core.models import Base, UTCDateTime

config = context.config
engine = config.attributes["engine"]


def render_item(type_, obj, autogen_context):
    """Write our UTC timestamp type as a plain timezone-aware DateTime in migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      render_item=render_item)
    context.run_migrations()
