"""The job queue: its contract and engine choice (`app.queue.contract`), the `job` records
every process reads, the lease engine for SQLite (`app.queue.lease`) and the Procrastinate
engine for PostgreSQL (`app.queue.pg`). What runs when is decided by `app.jobs`."""
