"""The offer edit form: form fields to a draft and back, German messages per field.

One plain HTML form (no JavaScript needed; htmx posts the same form). Field
names: scalars by their draft key (`name`, `min_age` ...), lists as repeated
values (`topics`, `gemeinden`, `residence_statuses`), languages spoken as one
comma-separated text, rows as `<list>-<i>-<part>` (`phones-0-number`,
`schedule-1-days`), translations as `tr-<lang>-<part>` (`tr-en-name`). The
form shows every stored row plus blank ones to add. Error codes from
`directory.drafts.validate` ("phones.0.number") become the same names with
dashes, so each message sits next to its input.
"""

from __future__ import annotations

from app.i18n import staff_gettext as _s
from directory import drafts

BLANK_ROWS = 2
MAX_ROWS = 30

#: German labels of the offers' residence-status groups (terms of art, shown as they are).
RESIDENCE_LABELS = {
    "gestattung": "Aufenthaltsgestattung (Asylverfahren)",
    "duldung": "Duldung",
    "aufenthaltserlaubnis": "Aufenthaltserlaubnis",
    "niederlassungserlaubnis": "Niederlassungserlaubnis / Daueraufenthalt",
    "eu": "EU-Freizügigkeit",
    "deutsch": "Deutsche Staatsangehörigkeit",
}


def messages() -> dict[str, str]:
    """Error code -> sentence in the staff language (German by default)."""
    return {
        "required": _s("Please fill in this field."),
        "too_long": _s("This text is too long."),
        "invalid": _s("This value is not valid."),
        "age": _s("Age: a whole number from 0 to 120."),
        "age_order": _s("The upper age limit must not be below the lower one."),
        "unknown": _s("Please choose from the list."),
        "email": _s("Please enter an e-mail address such as name@example.org."),
        "url": _s("Please enter a web address that starts with https://."),
        "phone": _s("Please enter a phone number: digits, spaces and + / - ( ) only."),
        "lang_code": _s("Language codes such as de, ar, ti, separated by commas."),
        "postal_code": _s("A postal code has five digits."),
        "coordinate": _s("Please enter a coordinate such as 51.2277."),
        "contact": _s("Please give a name or an e-mail address."),
        "days": _s("Please tick at least one weekday."),
        "time": _s("Please enter a time such as 09:00 (24:00 for midnight)."),
        "time_order": _s("The closing time must be after the opening time."),
        "not_allowed": _s("Your role does not allow this."),
        "ags": _s("An AGS (Amtlicher Gemeindeschlüssel) has eight digits."),
        "exists": _s("This id exists already."),
    }


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """{form field name: message} from the draft's error codes."""
    text = messages()
    return {key.replace(".", "-"): text.get(code, text["invalid"])
            for key, code in errors.items()}


def _one(form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _rows(form, key: str) -> list[dict]:
    parts = drafts.ROWS[key]
    rows = []
    for i in range(MAX_ROWS):
        names = [f"{key}-{i}-{p}" for p in parts]
        if not any(n in form for n in names):
            break
        rows.append({p: (form.getlist(n) if p == "days" else _one(form, n))
                     for p, n in zip(parts, names, strict=True)})
    return rows


def draft_from_form(form) -> dict:
    """The raw draft (strings) of a submitted form; `drafts.validate` checks it."""
    raw: dict = {k: _one(form, k) for k in drafts.SCALARS
                 if k not in drafts.BOOLEANS and k != "status"}
    raw.update({k: bool(_one(form, k)) for k in drafts.BOOLEANS})
    for key in ("gemeinden", "topics", "residence_statuses"):
        raw[key] = [v for v in form.getlist(key) if isinstance(v, str)]
    raw["languages"] = [c for c in _one(form, "languages").replace(";", ",").split(",")
                        if c.strip()]
    for key in drafts.ROWS:
        raw[key] = _rows(form, key)
    for lang in drafts.TRANSLATION_LANGUAGES:
        raw[f"tr.{lang}"] = {"name": _one(form, f"tr-{lang}-name"),
                             "description": _one(form, f"tr-{lang}-description"),
                             "needs_review": bool(_one(form, f"tr-{lang}-needs_review"))}
    return raw


def _show(value) -> str:
    return "" if value is None else str(value)


def form_values(draft: dict) -> dict:
    """What the form shows for a draft (stored or as typed): strings, rows plus blank ones."""
    v = {k: _show(draft.get(k)) for k in drafts.SCALARS if k not in drafts.BOOLEANS}
    v.update({k: bool(draft.get(k)) for k in drafts.BOOLEANS})
    for key in ("gemeinden", "topics", "residence_statuses"):
        v[key] = list(draft.get(key) or [])
    v["languages"] = ", ".join(draft.get("languages") or [])
    for key, parts in drafts.ROWS.items():
        rows = [{p: (list(r.get(p) or []) if p == "days" else _show(r.get(p))) for p in parts}
                for r in draft.get(key) or []]
        blank = {p: ([] if p == "days" else "") for p in parts}
        v[key] = rows + [dict(blank) for _ in range(BLANK_ROWS)]
    for lang in drafts.TRANSLATION_LANGUAGES:
        t = draft.get(f"tr.{lang}") or {}
        v[f"tr.{lang}"] = {"name": _show(t.get("name")), "description": _show(t.get("description")),
                           "needs_review": bool(t.get("needs_review"))}
    return v


def field_label(key: str) -> str:
    """The German (staff-language) name of a draft field, for the history."""
    if key.startswith("tr."):
        from app.i18n import language_name, staff_language
        from app.settings import UI_LANGUAGES

        lang = next((c for c in UI_LANGUAGES if c.replace("-x-", "-") == key[3:]), key[3:])
        return _s("Translation:") + " " + language_name(lang, staff_language())
    return {
        "name": _s("Name (German)"), "description": _s("Description (German)"),
        "organization": _s("Organisation"), "url": _s("Web address"), "email": _s("E-mail"),
        "kommune_id": _s("Kommune"), "scope": _s("Area"), "status": _s("Status"),
        "min_age": _s("Age from"), "max_age": _s("Age up to"),
        "legal_domain": _s("Legal domain"), "office_kind": _s("Office kind"),
        "appointment_only": _s("By appointment only"),
        "temporarily_closed": _s("Temporarily closed"), "cost": _s("Cost"),
        "gemeinden": _s("Gemeinden served"), "topics": _s("Topics"),
        "residence_statuses": _s("Residence statuses"), "languages": _s("Languages spoken"),
        "locations": _s("Locations"), "contacts": _s("Contact persons"),
        "phones": _s("Phone numbers"), "schedule": _s("Opening hours"),
        "last_verified": _s("Last verified"),
    }.get(key, key)


def show_value(field: str, value) -> str:
    """A history value in a line of German-style text."""
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, bool):
        return _s("yes") if value else _s("no")
    if isinstance(value, dict):
        if "needs_review" in value:
            mark = f" ({_s('needs review')})" if value["needs_review"] else ""
            return f"{value.get('name')}: {value.get('description')}{mark}"
        return ", ".join(_show(x) for x in value.values() if x not in (None, ""))
    if isinstance(value, list):
        if field == "schedule":
            return "; ".join(f"{','.join(s['days'])} {s['opens']}–{s['closes']}" for s in value)
        return "; ".join(show_value(field, x) for x in value)
    return str(value)
