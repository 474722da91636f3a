"""The pre-check's one table: an anonymous count row per pre-check that reached a result.

`PrecheckEvent` holds the month (not the day), the Kommune chosen for the
office, which paths came out open or unclear, and whether a referral followed.
No answer, no age, no place below the Kommune, nothing about a device. `link`
is the SHA-256 of the random id of one pre-check run, so that a reload of the
result counts once and a referral sent from it can set `referral`; it is
erased after `analytics_link_hours`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base


class PrecheckEvent(Base):
    __tablename__ = "precheck_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    month: Mapped[dt.date] = mapped_column(Date, index=True)
    kommune_id: Mapped[str | None] = mapped_column(ForeignKey("kommune.id"), index=True)
    open_25a: Mapped[bool] = mapped_column(Boolean, default=False)
    open_25b: Mapped[bool] = mapped_column(Boolean, default=False)
    open_stag10: Mapped[bool] = mapped_column(Boolean, default=False)
    referral: Mapped[bool] = mapped_column(Boolean, default=False)
    link: Mapped[str | None] = mapped_column(String(64), index=True)
    link_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
