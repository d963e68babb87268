"""Regenerate revision 0001 from the models, only before the first release.

Run: python -m dashboard.migrations.make_initial
"""

import tempfile
from pathlib import Path

from alembic import command

from dashboard.core.db import MIGRATIONS, alembic_config, make_engine

if __name__ == "__main__":
    for old in (MIGRATIONS / "versions").glob("0001_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.sqlite3'}")
        command.revision(alembic_config(engine), message="initial schema", autogenerate=True,
                         rev_id="0001")
