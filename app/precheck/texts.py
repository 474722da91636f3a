"""What the pre-check says, in the UI language (gettext) and in German for the counter.

Requirement labels are made from a rule's check and parameters, so a new
version of a rule (other years, other age) needs no new text. Every sentence
says what the law asks or who decides; none says that someone is entitled.
"""

from __future__ import annotations

from app.i18n import gettext as _
from app.precheck.evaluate import Finding
from app.precheck.law import LawRule


def path_name(path: str) -> str:
    return {
        "25a": _("Residence permit for well-integrated young people (§ 25a AufenthG)"),
        "25b": _("Residence permit for sustainable integration (§ 25b AufenthG)"),
        "stag10": _("Naturalisation: German citizenship (§ 10 StAG)"),
    }[path]


PATH_DE = {
    "25a": "Aufenthaltserlaubnis für gut integrierte Jugendliche und junge Volljährige "
           "(§ 25a AufenthG)",
    "25b": "Aufenthaltserlaubnis bei nachhaltiger Integration (§ 25b AufenthG)",
    "stag10": "Einbürgerung (§ 10 StAG)",
}
OUTCOME_DE = {
    "may_open": "nach den Angaben möglicherweise offen – die Behörde prüft und entscheidet",
    "unclear": "Angaben fehlen – möglicherweise offen",
    "missing": "noch nicht: Voraussetzungen fehlen",
    "closed": "nach den Angaben nicht offen",
}
STATE_DE = {"met": "nach Angaben erfüllt", "missing": "fehlt noch", "closed": "nicht erfüllt",
            "unknown": "keine Angabe", "office": "prüft die Behörde"}


def outcome_text(outcome: str) -> str:
    return {
        "may_open": _("By your answers, this path may be open. The office checks and decides."),
        "unclear": _("Some answers are missing. This path may be open; the office checks."),
        "missing": _("Not yet: some requirements are still missing."),
        "closed": _("By your answers, this path is not open."),
    }[outcome]


def state_text(state: str) -> str:
    return {
        "met": _("fulfilled by your answers"),
        "missing": _("still missing"),
        "closed": _("not fulfilled"),
        "unknown": _("not answered"),
        "office": _("the office checks this"),
    }[state]


def requirement(rule: LawRule) -> str:
    """The requirement in plain words, in the UI language."""
    p, c = rule.params, rule.check
    if c == "min_years" and rule.path == "stag10":
        return _("Lawful residence in Germany for at least %(years)s years") % p
    if c == "min_years":
        text = _("Stay in Germany without a break for at least %(years)s years, with a "
                 "residence permit, Gestattung or Duldung") % p
        if "years_with_minor_child" in p:
            text += " " + _("(with a child under 18 in your household: %(years)s years)") % {
                "years": p["years_with_minor_child"]}
        return text
    if c == "shortened":
        return _("Shorter period of %(years)s years if the office recognises special "
                 "achievements") % p
    if c == "status":
        if p.get("min_months"):
            return _("A Duldung for at least %(months)s months, or a residence permit under "
                     "§ 104c") % {"months": p["min_months"]}
        if "permit_104c" in p["any_of"]:
            return _("A Duldung, or a residence permit under § 104c")
        return _("A Duldung")
    if c == "school":
        return _("School in Germany for %(years)s years, or a school or vocational "
                 "qualification") % p
    if c == "age_range":
        return _("Apply before you turn %(age)s") % {"age": p["below"]}
    if c == "livelihood":
        if rule.path == "25a":
            return _("Your living costs: benefits are no obstacle while you are in school, "
                     "training or studies")
        if rule.path == "25b":
            return _("Living mostly from your own work, or good prospects for it")
        return _("Living without Bürgergeld or social assistance")
    if c == "language":
        return _("German at level %(level)s") % p
    if c == "civics":
        return _("Knowledge of the legal and social order (naturalisation test)")
    if c == "children_school":
        return _("Your children of school age go to school")
    if c == "convictions":
        return _("No criminal convictions that stand in the way (the office checks)")
    if c == "identity":
        return _("Identity clarified: passport or other documents, no false statements")
    if c == "naturalisation_status":
        return _("A settlement permit, or a residence permit for a purpose that counts")
    if rule.id.startswith(("25a.fdgo", "25b.fdgo", "stag10.fdgo")):
        return _("Commitment to the free democratic basic order (a declaration at the office)")
    if rule.id.startswith("stag10.renounce"):
        return _("Giving up your previous citizenship (exceptions possible)")
    return _("The office assesses your integration so far")


def months_left(f: Finding) -> str | None:
    if f.months_left is None or f.state != "missing":
        return None
    return _("about %(months)s months to go") % {"months": f.months_left}


def document(code: str) -> str:
    return {
        "passport": _("Passport or other identity document"),
        "birth_certificate": _("Birth certificate"),
        "residence_document": _("Your current residence document"),
        "duldung_paper": _("Your Duldung papers, also the earlier ones"),
        "registration_certificate": _("Registration certificate (Meldebescheinigung)"),
        "school_reports": _("School reports of the last years"),
        "school_certificate": _("School or vocational certificates"),
        "training_contract": _("Training contract or student certificate"),
        "employment_contract": _("Employment contract"),
        "payslips": _("Payslips of the last months"),
        "rental_contract": _("Rental contract"),
        "language_certificate": _("German language certificate"),
        "integration_course_certificate": _("Certificate of the integration course"),
        "civics_certificate": _("Certificate of the naturalisation test or 'Leben in "
                                "Deutschland'"),
        "children_school_certificates": _("School certificates of your children"),
        "proof_of_engagement": _("Proof of voluntary work or special achievements"),
    }[code]


DOCUMENT_DE = {
    "passport": "Reisepass oder anderes Identitätsdokument",
    "birth_certificate": "Geburtsurkunde",
    "residence_document": "aktuelles Aufenthaltsdokument",
    "duldung_paper": "Duldungsbescheinigungen (auch frühere)",
    "registration_certificate": "Meldebescheinigung",
    "school_reports": "Schulzeugnisse der letzten Jahre",
    "school_certificate": "Schul- oder Berufsabschlusszeugnisse",
    "training_contract": "Ausbildungsvertrag oder Studienbescheinigung",
    "employment_contract": "Arbeitsvertrag",
    "payslips": "Lohnabrechnungen der letzten Monate",
    "rental_contract": "Mietvertrag",
    "language_certificate": "Sprachzertifikat Deutsch",
    "integration_course_certificate": "Bescheinigung über den Integrationskurs",
    "civics_certificate": "Einbürgerungstest oder „Leben in Deutschland“",
    "children_school_certificates": "Schulbescheinigungen der Kinder",
    "proof_of_engagement": "Nachweise über Ehrenamt oder besondere Leistungen",
}
