"""Alembic environment: runs migrations on the engine the caller hands over."""

from alembic import context

from directory.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line: use the configured URL
        from directory.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        context.configure(
            connection=conn,
            target_metadata=target_metadata,
            render_as_batch=conn.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        if conn.in_transaction():
            conn.commit()


run()
