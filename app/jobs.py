"""Background jobs of a running app: the mail outbox and retention, on a timer thread.

Started by the app's lifespan (`start(app)`), stopped at shutdown. Every
`LOTSE_JOBS_INTERVAL_SECONDS` it sends due mails (`notify.deliver_due`) and
applies retention (`retention.run_once`, expired conversations), so neither needs a cron job. An
error in one round is logged (without content) and the next round runs.
"""

from __future__ import annotations

import logging
import threading

from app.assistant.state import purge_expired as purge_conversations
from app.referrals import notify, retention

log = logging.getLogger("lotse")


class Jobs:
    def __init__(self, store, settings):
        self.store, self.settings = store, settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0

    def run_round(self) -> None:
        for job in (notify.deliver_due, retention.run_once, purge_conversations):
            try:
                job(self.store, self.settings)
            except Exception as exc:  # keep the timer alive; the next round tries again
                log.error("background job %s failed: %s", job.__name__, type(exc).__name__)
        self.rounds += 1

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.jobs_interval_seconds):
            self.run_round()

    def start(self) -> None:
        if self.settings.jobs_interval_seconds > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="lotse-jobs", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None
