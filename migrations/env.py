"""Alembic environment: runs migrations on the engine the caller hands over.

`target_metadata` is the metadata of every table of the product: the directory's
(`directory.models`) and each feature's models module in `app/`, so
`alembic revision --autogenerate` compares against all of them (a test keeps the
migrations and the models equal). Revision files are named `NN_slug.py` in revision
order; the revision ids inside them stay as they were, so existing stores upgrade.
"""

from alembic import context

import app.analytics.models
import app.assistant.models
import app.casework.models
import app.corrections.models
import app.messages.models
import app.precheck.models
import app.queue.models
import app.referrals.models
import app.responsibility.models
import app.sensors.models
import app.staff.models
import app.web.shared_limits
import directory.changes
from directory.models import Base

MODELS = (directory.changes, app.analytics.models, app.assistant.models, app.casework.models,
          app.corrections.models,
          app.messages.models, app.precheck.models, app.queue.models, app.referrals.models,
          app.responsibility.models, app.sensors.models, app.staff.models,
          app.web.shared_limits)

config = context.config
target_metadata = Base.metadata


def include_name(name, type_, parent_names) -> bool:
    """Procrastinate's own tables (PostgreSQL, migration 19) are not our models."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line: use the configured URL
        from directory.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            include_name=include_name,
            render_as_batch=conn.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        if conn.in_transaction():
            conn.commit()


run()
