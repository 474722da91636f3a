"""The job queue's store: the `job` table and the lease that lets exactly one worker claim a
job (`app.queue.lease`). What runs when is decided by `app.jobs`."""
