"""The information text (Art. 13, or Art. 14 when a volunteer submits) and the consent wording.

`information(kommune_name, volunteer, settings)` gives the paragraphs in the
current UI language: controller, data protection officer, purpose, legal
basis, recipients, retention, rights, withdrawal, complaint to LDI NRW,
voluntariness, no automated decision (PRIV-04); for a volunteer also where
the data comes from and what it is. The form shows exactly these
paragraphs and the consent labels; `fingerprint` is the SHA-256 of that
exact text, stored with the referral as proof of consent (PRIV-03) together
with `VERSION`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from app.i18n import gettext as _

#: Raise when the wording changes in substance (stored with each referral).
VERSION = "2026-12-02.1"

#: Topic codes that reveal health or residence details: stored only with the
#: separate explicit consent (Art. 9(2)(a) GDPR; residence status as a special
#: category under Sozialdatenschutz) — PRIV-02.
SPECIAL_TOPICS = frozenset({"gesundheit", "psychosozial", "aufenthalt", "asyl_recht",
                            "gewaltschutz"})


@dataclass(frozen=True)
class ConsentText:
    title: str
    paragraphs: tuple[str, ...]
    consent_label: str
    special_label: str
    volunteer: bool

    @property
    def fingerprint(self) -> str:
        text = "\n".join((self.title, *self.paragraphs, self.consent_label, self.special_label))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def information(kommune_name: str, volunteer: bool, settings) -> ConsentText:
    """The whole text in the current language (the caller set the request's language)."""
    k = {"kommune": kommune_name}
    paragraphs = [
        _("Responsible for your data (controller): %(kommune)s, KIM case management "
          "(Kommunales Integrationsmanagement).") % k,
        _("Data protection officer: %(dpo)s.") % {"dpo": settings.privacy_dpo_contact},
        _("Purpose: a case manager of %(kommune)s contacts you about your request and "
          "advises you. Your details are used only for this.") % k,
        _("Legal basis: your consent (Art. 6(1)(a) GDPR). Details about health or residence "
          "status only with your separate, explicit consent (Art. 9(2)(a) GDPR).") % {},
        _("Recipients: only the KIM case managers of %(kommune)s. If you move, your request "
          "can be handed over to the case management of your new Kommune. Nobody else "
          "receives your details; nothing is sent outside the EU.") % k,
        _("Storage: until your case is closed and then at most %(closed)s days; if we cannot "
          "reach you, %(unreached)s days; a request nobody has worked on, %(open)s days. "
          "Then your details are deleted.") % {
            "closed": settings.retention_closed_days,
            "unreached": settings.retention_unreached_days,
            "open": settings.retention_open_days},
        _("Your rights: access, correction, deletion, restriction of processing, data "
          "portability and objection (Art. 15 to 21 GDPR). Ask the case management or the "
          "data protection officer.") % {},
        _("You can withdraw your consent at any time, without giving reasons, with the "
          "reference number and the secret code you get after sending. Your details are then "
          "deleted. This does not affect what was done before.") % {},
        _("You can complain to the supervisory authority: Landesbeauftragte für Datenschutz "
          "und Informationsfreiheit Nordrhein-Westfalen (LDI NRW), Kavalleriestraße 2-4, "
          "40213 Düsseldorf, poststelle@ldi.nrw.de.") % {},
        _("Giving your details is voluntary. Without them you can still use the search and "
          "contact the offices yourself.") % {},
        _("There is no automated decision and no profiling: a person reads your request.") % {},
    ]
    if volunteer:
        paragraphs += [
            _("This request is sent on behalf of another person. We receive that person's "
              "details from you: name, contact, language, topics, message and, if given, age. "
              "Please show or read this information to the person (Art. 14 GDPR).") % {},
        ]
        title = _("Information on data protection (Art. 14 GDPR)")
        label = _("The person agreed that I send this request for them, and I have given "
                  "them this information.")
        special = _("The person also explicitly agreed that details about their health or "
                    "residence status are processed.")
    else:
        title = _("Information on data protection (Art. 13 GDPR)")
        label = _("I agree that my details are sent to the KIM case management of this "
                  "Kommune and stored for this purpose.")
        special = _("I also explicitly agree that details about my health or residence "
                    "status are processed.")
    return ConsentText(title, tuple(paragraphs), label, special, volunteer)
