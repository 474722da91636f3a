"""procrastinate: the job queue's schema on PostgreSQL (issue 15, deliverable 3)

Revision ID: d3a8_procrastinate
Revises: d2a7_translation_review
Create Date: 2026-12-07 08:00:00

On PostgreSQL, background jobs run on Procrastinate (app/queue/pg.py): this
applies the schema SQL the locked procrastinate version ships
(`procrastinate.schema.SchemaManager.get_schema`), inside the migration's
transaction, so `lotse migrate` applies it under the same advisory lock as every
other migration. On SQLite it does nothing (the lease table of migration 12 is
the queue there). A later procrastinate version brings its own migration SQL:
apply it in a new migration of ours, never by hand.
The tables are not part of our models; migrations/env.py leaves `procrastinate_*`
out of autogenerate.
"""

from alembic import op


revision = 'd3a8_procrastinate'
down_revision = 'd2a7_translation_review'
branch_labels = None
depends_on = None

#: drops every table, function and type named procrastinate_* in the current schema
DROP = r"""
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = current_schema() AND c.relkind = 'r'
             AND c.relname LIKE 'procrastinate\_%' LOOP
    EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', r.relname);
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure::text AS sig FROM pg_proc p
           JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\_%' LOOP
    EXECUTE 'DROP FUNCTION IF EXISTS ' || r.sig || ' CASCADE';
  END LOOP;
  FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'c')
             AND t.typname LIKE 'procrastinate\_%' LOOP
    EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
  END LOOP;
END $$;
"""


def _run(sql: str) -> None:
    # the driver's own connection (the migration's transaction): the SQL is passed as it
    # is, no bind parameters parsed out of it
    op.get_bind().connection.driver_connection.execute(sql)


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    from procrastinate.schema import SchemaManager

    _run(SchemaManager.get_schema())


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    _run(DROP)
