"""The kinds of message and how each is checked and rendered.

A message is stored as its kind and fields, never as finished text, so the
person reads it in the language of the page at read time (public catalog,
`gettext`), and the case manager reads the same message in the staff
language (`staff_gettext`). Kinds the case manager sends (`OUT_KINDS`):

- `appointment`: date (YYYY-MM-DD), time (HH:MM, Europe/Berlin), place (the
  address as typed, shown with lang="de"), bring (codes of `BRING`), note
  (what else to bring, as typed);
- `call_us`: optional phone number;
- `not_reached`: no fields;
- `moving`: kommune (the id of the Kommune the case moves to).

Kinds of the person's answers: `answer` (answer: a code of `ANSWERS`) and
`text` (text: free text, with the language it was written in).
"""

from __future__ import annotations

import datetime as dt
import re

from app.i18n import gettext as _
from app.i18n import staff_gettext as _s

OUT_KINDS = ("appointment", "call_us", "not_reached", "moving")
BRING = ("passport", "residence", "letters", "insurance", "certificates")
ANSWERS = ("confirm", "cannot", "callback")
PHONE = re.compile(r"^\+?[0-9 ()/.-]{5,30}$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
MAX_PLACE, MAX_NOTE, MAX_TEXT = 200, 300, 2000


class Invalid(ValueError):
    """A field of a message is missing or wrong (the message says which, in the staff language)."""


def check_out(kind: str, form: dict, kommunen: dict[str, str], today: dt.date) -> dict:
    """The fields of a message the case manager sends, checked; raises Invalid."""
    if kind == "appointment":
        try:
            day = dt.date.fromisoformat(str(form.get("date") or ""))
        except ValueError:
            raise Invalid(_s("Please give the date of the appointment.")) from None
        if day < today:
            raise Invalid(_s("The appointment date is in the past."))
        time = str(form.get("time") or "")
        if not TIME.fullmatch(time):
            raise Invalid(_s("Please give the time of the appointment (HH:MM)."))
        place = str(form.get("place") or "").strip()
        if not place or len(place) > MAX_PLACE:
            raise Invalid(_s("Please give the place of the appointment (at most 200 characters)."))
        note = str(form.get("note") or "").strip()[:MAX_NOTE]
        bring = [b for b in BRING if b in (form.get("bring") or ())]
        return {"date": day.isoformat(), "time": time, "place": place, "bring": bring,
                "note": note}
    if kind == "call_us":
        phone = str(form.get("phone") or "").strip()
        if phone and not PHONE.fullmatch(phone):
            raise Invalid(_s("Please give a phone number with digits only (and +)."))
        return {"phone": phone}
    if kind == "not_reached":
        return {}
    if kind == "moving":
        kommune = str(form.get("kommune") or "")
        if kommune not in kommunen:
            raise Invalid(_s("Please choose the Kommune the case moves to."))
        return {"kommune": kommune}
    raise Invalid(_s("Unknown kind of message."))


def bring_label(code: str) -> str:
    return {
        "passport": _("Passport or identity card"),
        "residence": _("Residence document (residence permit, Gestattung or Duldung)"),
        "letters": _("Letters you received from offices"),
        "insurance": _("Health insurance card"),
        "certificates": _("School, training or work certificates"),
    }[code]


#: the things to bring in German, for the Personal Book's counter view and its print
BRING_DE = {
    "passport": "Reisepass oder Personalausweis",
    "residence": "Aufenthaltsdokument (Aufenthaltserlaubnis, Gestattung oder Duldung)",
    "letters": "Briefe von Behörden",
    "insurance": "Krankenversicherungskarte",
    "certificates": "Schul-, Ausbildungs- oder Arbeitszeugnisse",
}


def staff_bring_label(code: str) -> str:
    return {
        "passport": _s("Passport or identity card"),
        "residence": _s("Residence document"),
        "letters": _s("Letters from offices"),
        "insurance": _s("Health insurance card"),
        "certificates": _s("Certificates"),
    }.get(code, code)


def answer_label(code: str) -> str:
    """The person's answer buttons, in the person's language."""
    return {
        "confirm": _("I will come to the appointment"),
        "cannot": _("I cannot come to the appointment"),
        "callback": _("Please call me back"),
    }[code]


def staff_answer_label(code: str) -> str:
    return {
        "confirm": _s("Confirmed the appointment"),
        "cannot": _s("Cannot come to the appointment"),
        "callback": _s("Asks to be called back"),
    }.get(code, code)


def staff_kind_label(kind: str) -> str:
    return {
        "appointment": _s("Appointment"),
        "call_us": _s("Please call us"),
        "not_reached": _s("We could not reach you"),
        "moving": _s("Your case moves to another Kommune"),
        "answer": _s("Answer"),
        "text": _s("Written answer"),
    }.get(kind, kind)


def public_text(kind: str, fields: dict, kommunen: dict[str, str]) -> str:
    """The sentence of a non-appointment message in the person's language."""
    if kind == "call_us":
        if fields.get("phone"):
            return _("Please call us: %(phone)s") % {"phone": fields["phone"]}
        return _("Please call your case management.")
    if kind == "not_reached":
        return _("We tried to reach you but could not. Please contact us.")
    if kind == "moving":
        name = kommunen.get(fields.get("kommune", ""), fields.get("kommune", ""))
        return _("Your case moves to %(kommune)s. The case management there will contact "
                 "you.") % {"kommune": name}
    return ""


def appointment_data(message_id: str, fields: dict) -> dict:
    """The machine-readable appointment (format version 1, documented in the branch note)."""
    return {"v": 1, "type": "appointment", "id": message_id, "date": fields.get("date"),
            "time": fields.get("time"), "tz": "Europe/Berlin", "place": fields.get("place"),
            "bring": list(fields.get("bring") or ()), "note": fields.get("note") or ""}
