"""Interface-problem counts: one row per Kommune, month, office and problem, with a count.

Nothing personal and nothing that links to a case: a report only adds one to
the counter of its (Kommune, month, office, problem); no time finer than the
month, no author, no referral id, no free text.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from directory.models import Base


class InterfaceReport(Base):
    __tablename__ = "interface_report"
    __table_args__ = (UniqueConstraint("kommune_id", "month", "office", "problem",
                                       name="uq_interface_report_cell"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kommune_id: Mapped[str] = mapped_column(ForeignKey("kommune.id"), index=True)
    month: Mapped[dt.date] = mapped_column(Date)
    office: Mapped[str] = mapped_column(String(30))
    problem: Mapped[str] = mapped_column(String(30))
    count: Mapped[int] = mapped_column(Integer, default=0)
