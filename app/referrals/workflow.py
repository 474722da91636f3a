"""The status workflow of a referral along the KIM case-management phases (SEC-09).

neu -> Erstkontakt (Intake) -> Assessment -> Hilfeplanung -> Linking ->
Monitoring -> abgeschlossen, with Re-Assessment loops, plus "nicht erreicht"
(the person could not be reached) and "weitergeleitet" (handed to another
service). "zurueckgezogen" is set only by the person's withdrawal. The
server refuses any other transition (409). The person sees a coarse status
only: received, in contact, closed.
"""

from __future__ import annotations

from app.i18n import gettext as _
from app.i18n import staff_gettext as _s

STATUSES = ("neu", "erstkontakt", "assessment", "hilfeplanung", "linking", "monitoring",
            "abgeschlossen", "nicht_erreicht", "weitergeleitet", "zurueckgezogen")

TRANSITIONS: dict[str, frozenset[str]] = {
    "neu": frozenset({"erstkontakt", "nicht_erreicht", "weitergeleitet"}),
    "erstkontakt": frozenset({"assessment", "nicht_erreicht", "weitergeleitet",
                              "abgeschlossen"}),
    "assessment": frozenset({"hilfeplanung", "weitergeleitet", "abgeschlossen"}),
    "hilfeplanung": frozenset({"linking", "assessment", "abgeschlossen"}),
    "linking": frozenset({"monitoring", "hilfeplanung", "abgeschlossen"}),
    "monitoring": frozenset({"assessment", "linking", "abgeschlossen"}),
    "nicht_erreicht": frozenset({"erstkontakt", "abgeschlossen"}),
    "weitergeleitet": frozenset({"abgeschlossen"}),
    "abgeschlossen": frozenset(),
    "zurueckgezogen": frozenset(),
}

OPEN = frozenset({"neu", "erstkontakt", "assessment", "hilfeplanung", "linking", "monitoring"})
CLOSED = frozenset({"abgeschlossen", "weitergeleitet"})


class IllegalTransition(ValueError):
    """Not a step of the workflow (answered with 409)."""


def check(current: str, new: str) -> None:
    if new not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(f"{current} -> {new}")


def coarse(status: str) -> str:
    """What the person sees: received | in_contact | closed."""
    if status in ("neu", "nicht_erreicht"):
        return "received"
    if status in CLOSED or status == "zurueckgezogen":
        return "closed"
    return "in_contact"


def staff_label(status: str) -> str:
    return {
        "neu": _s("New"),
        "erstkontakt": _s("First contact (intake)"),
        "assessment": _s("Assessment"),
        "hilfeplanung": _s("Goals and support plan"),
        "linking": _s("Linking"),
        "monitoring": _s("Monitoring"),
        "abgeschlossen": _s("Closed"),
        "nicht_erreicht": _s("Not reached"),
        "weitergeleitet": _s("Referred on"),
        "zurueckgezogen": _s("Withdrawn by the person"),
    }[status]


def public_label(coarse_status: str) -> str:
    return {
        "received": _("Received – a case manager will contact you."),
        "in_contact": _("In contact – a case manager is working with you."),
        "closed": _("Closed."),
    }[coarse_status]
