"""Freshness: offers not verified for 12 months, and the one-click "still valid".

`/staff/offers/stale` lists the active offers of the editor's Kommune (an
admin: every Kommune, or one) whose `last_verified` is older than
`STALE_MONTHS` months or missing, oldest first. "Still valid"
(`POST /staff/offers/{id}/confirm`) confirms the offer in all its languages
at once: it sets `last_verified` to today, and one date covers every
language version because they describe the same facts. The "needs review"
marks of machine-made translations stay unless the editor also ticks
"translations checked" (a fact check by phone does not vouch for a
translation's wording); see `directory.editing.confirm`. The staff start
page shows editors how many of their offers are due. The routes are in
`app.editors.routes`; this module holds what they count.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

from fastapi import Request

from app.i18n import staff_ngettext
from app.staff.auth import Staff
from app.staff.scope import kommune_filter
from directory import offer_lists
from directory.offer_lists import ListedOffer

STALE_MONTHS = 12
LIST_LIMIT = 200  # the oldest first; the total is shown
BERLIN = ZoneInfo("Europe/Berlin")


def today() -> dt.date:
    return dt.datetime.now(BERLIN).date()


def stale(s, staff: Staff, kommune: str | None = None) -> list[ListedOffer]:
    if staff.state_wide:
        return offer_lists.stale(s, today(), kommune, STALE_MONTHS, all_kommunen=not kommune,
                                 limit=LIST_LIMIT)
    return offer_lists.stale(s, today(), staff.kommune_id, STALE_MONTHS, limit=LIST_LIMIT)


def count(s, staff: Staff, kommune: str | None = None) -> int:
    return offer_lists.stale_count(s, today(), STALE_MONTHS, partial(kommune_filter, staff),
                                   kommune if staff.state_wide else None)


def stale_note(request: Request, staff: Staff):
    """The start page's line for editors: how many offers wait for a check."""
    with request.app.state.services.store.session() as s:
        due = count(s, staff)
    if not due:
        return None
    return (staff_ngettext("%(n)d offer has not been verified for 12 months.",
                           "%(n)d offers have not been verified for 12 months.", due)
            % {"n": due}, "/staff/offers/stale")
