"""The spreadsheet template a Kommune fills in by hand: one row per offer, German headers.

`COLUMNS` defines the template (header, required, help, example); `template_xlsx`
and `template_csv` write it with an example row (ID `BEISPIEL`, skipped on
import) and, in the XLSX, a German help sheet with the allowed codes.
`parse_row` turns one row into a record and names every problem as "Zeile N,
Spalte X: …". Rows without an ID get a stable uuid5 from Kommune + name +
provider, so re-importing the same sheet changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from directory.drafts import TRANSLATION_LANGUAGES
from directory.hsds import checks, profile
from directory.hsds.cells import neutralise
from directory.hsds.checks import Context, Findings, Problem
from directory.hsds.hours import HoursError, parse_hours
from directory.models import stable_id
from directory.records import (
    Addr,
    Area,
    AtLocation,
    Category,
    LanguageRec,
    LocationRec,
    OfferRecord,
    Org,
    PhoneRec,
    Slot,
    Translation,
)
from directory.reference import office_kinds

EXAMPLE_ID = "BEISPIEL"
#: every UI language but German (app.settings.UI_LANGUAGES; `de-simple` = Einfache Sprache)
TRANSLATION_LANGS = TRANSLATION_LANGUAGES
TRANSLATED = re.compile(r"^(name|beschreibung) \(([a-z]{2,3}(?:-[a-z0-9-]+)?)\)$", re.I)
YES = {"ja", "j", "x", "yes", "true", "1", "wahr"}
NO = {"nein", "n", "no", "false", "0", "falsch", ""}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: str
    example: str


COLUMNS = (
    Column("id", "ID", False, "Leer lassen für neue Angebote. Beim Export vergeben; bleibt "
           "gleich, damit ein erneutes Einspielen das Angebot ersetzt statt es zu verdoppeln.",
           EXAMPLE_ID),
    Column("name", "Name des Angebots", True, "Wie das Angebot heißt (höchstens 300 Zeichen).",
           "Migrationsberatung für Erwachsene"),
    Column("description", "Beschreibung", True, "Was das Angebot leistet, für wen, was "
           "mitzubringen ist. Deutsch, in kurzen Sätzen.",
           "Beratung zu Sprachkurs, Arbeit, Wohnen und Briefen von Ämtern."),
    Column("organization", "Träger", True, "Name der Organisation, die das Angebot macht.",
           "Caritasverband Musterstadt"),
    Column("organization_website", "Website des Trägers", False, "Mit https://.",
           "https://example.org"),
    Column("kommune", "Kommune", False, "Kennung oder Name der KIM-Kommune. Leer = die "
           "Kommune, für die eingespielt wird.", "demo"),
    Column("gemeinden", "Gemeinden", False, "Gemeinden, für die das Angebot zuständig ist "
           "(Name oder AGS, mit Komma getrennt). Leer = die ganze Kommune.", "Musterstadt"),
    Column("topics", "Themen", True, "Ein oder mehrere Themen (Code oder Name aus dem "
           "Hilfeblatt), mit Komma getrennt.", "mbe, aufenthalt"),
    Column("min_age", "Alter von", False, "Mindestalter der Zielgruppe (Zahl).", "27"),
    Column("max_age", "Alter bis", False, "Höchstalter der Zielgruppe (Zahl).", ""),
    Column("statuses", "Aufenthaltsstatus", False, "Nur für Menschen mit diesem Status (Codes "
           "aus dem Hilfeblatt, mit Komma getrennt). Leer = alle.", ""),
    Column("legal_domain", "Rechtskreis", False, "z. B. SGB II, AsylbLG, SGB VIII.", ""),
    Column("office_kind", "Art der Stelle", False, "Wenn das Angebot ein Amt oder "
           "Programm ist: Code aus dem Hilfeblatt (z. B. jobcenter, mbe).", "mbe"),
    Column("location_name", "Standort", False, "Name des Hauses oder der Beratungsstelle.",
           "Caritas-Haus"),
    Column("street", "Straße und Hausnummer", False, "Mit PLZ und Ort zusammen angeben.",
           "Kirchplatz 3"),
    Column("postal_code", "PLZ", False, "Fünfstellig.", "99999"),
    Column("city", "Ort", False, "", "Musterstadt"),
    Column("phones", "Telefon", False, "Mehrere Nummern mit ; trennen.", "0000 123456"),
    Column("email", "E-Mail", False, "", "mbe@example.org"),
    Column("url", "Website", False, "Mit https://.", "https://example.org/mbe"),
    Column("hours", "Öffnungszeiten", False, "Wochentage und Uhrzeiten, z. B. 'Mo-Fr 9-12, "
           "Di 14-16' oder 'nach Vereinbarung'.", "Mo-Do 9-12, Di 14-16"),
    Column("appointment_only", "Nur mit Termin", False, "ja oder nein.", "nein"),
    Column("temporarily_closed", "Vorübergehend geschlossen", False, "ja oder nein.", "nein"),
    Column("languages", "Sprachen", False, "Sprachen der Beratung: Codes (de, ar) oder Namen "
           "(Arabisch), mit Komma getrennt.", "de, ar, uk"),
    Column("cost", "Kosten", False, "z. B. kostenlos.", "kostenlos"),
    Column("last_verified", "Zuletzt geprüft", False, "Datum TT.MM.JJJJ.", "01.11.2026"),
    Column("last_modified", "Zuletzt geändert", False, "Beim Export gesetzt (Zeitpunkt der "
           "letzten Änderung im Verzeichnis); bitte nicht ändern. Ist das Angebot seither im "
           "Verzeichnis geändert worden, zeigt die Prüfung einen Konflikt statt es zu "
           "überschreiben.", ""),
    Column("exported", "Exportiert am", False, "Beim Export gesetzt (wann die Datei erstellt "
           "wurde); bitte nicht ändern.", ""),
) + tuple(
    Column(f"{kind}:{lang}", f"{head} ({lang})", False, f"{head} in der Sprache {lang} "
           "(optional).", "Migration counselling for adults" if (kind, lang) == ("name", "en")
           else "")
    for lang in TRANSLATION_LANGS for kind, head in (("name", "Name"),
                                                    ("description", "Beschreibung")))
BY_HEADER = {c.header.casefold(): c for c in COLUMNS}


def header_keys(headers: list[str], where: str = "Zeile 1") -> tuple[list[str | None],
                                                                   list[Problem]]:
    """Column keys for the header row (None = not read) and notes on unknown columns."""
    keys: list[str | None] = []
    problems = []
    for h in headers:
        text = str(h or "").strip().rstrip("*").strip()
        col = BY_HEADER.get(text.casefold())
        m = TRANSLATED.match(text)
        if col:
            keys.append(col.key)
        elif m:
            kind = "name" if m[1].casefold() == "name" else "description"
            keys.append(f"{kind}:{m[2].lower()}")
        else:
            keys.append(None)
            if text:
                problems.append(Problem(where, text, "unbekannte Spalte, wird nicht gelesen",
                                        checks.NOTE))
    missing = [c.header for c in COLUMNS if c.required and c.key not in keys]
    if missing:
        problems.append(Problem(where, "", f"Pflichtspalten fehlen: {', '.join(missing)}"))
    return keys, problems


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%d.%m.%Y")
    return str(value).strip()


def _split(text: str, seps: str = ",;") -> list[str]:
    return [p.strip() for p in re.split(f"[{re.escape(seps)}\n]", text) if p.strip()]


def _codes(text: str, lookup, f: Findings, header: str, complaint: str) -> list[str]:
    """The codes of a comma-separated cell, each once; "'x' <complaint>" for unknown ones."""
    out: list[str] = []
    for value in _split(text):
        code = lookup(value)
        if code is None:
            f.error(header, f"'{value}' {complaint}")
        elif code not in out:
            out.append(code)
    return out


def _flag(value: str, f: Findings, header: str) -> bool:
    v = value.strip().casefold()
    if v in YES:
        return True
    if v not in NO:
        f.error(header, f"'{value}' – erwartet ja oder nein")
    return False


def parse_row(values: dict[str, object], ctx: Context, where: str) -> tuple[
        OfferRecord | None, list[Problem]]:
    """One spreadsheet row (column key -> cell) -> a record, or None and the problems."""
    v = {k: _cell(x) for k, x in values.items()}
    f = Findings(where)
    h = {c.key: c.header for c in COLUMNS}
    for c in COLUMNS:
        if c.required and not v.get(c.key):
            f.error(c.header, "Pflichtfeld ist leer")
    longest = checks.MAX_TEXT["description"]
    for key, text in v.items():
        if len(text) > longest:
            f.error(h.get(key, key), f"ist länger als {longest} Zeichen")
    given = v.get("kommune", "")
    kommune = ctx.kommune(given) if given else ctx.kommune_id
    if given and kommune is None:
        f.error(h["kommune"], f"'{given}' ist keine bekannte Kommune")
    elif ctx.kommune_id and kommune != ctx.kommune_id:
        f.error(h["kommune"], f"'{given}' – eingespielt wird nur für '{ctx.kommune_id}'")
    elif kommune is None:
        f.error(h["kommune"], "Kommune fehlt (Spalte Kommune füllen oder beim Einspielen "
                              "angeben)")
    name, org_name = v.get("name", ""), v.get("organization", "")
    for key, kind in (("name", "name"), ("organization", "name"), ("location_name", "short"),
                      ("url", "url"), ("organization_website", "url")):
        if checks.too_long(v.get(key), kind):
            f.error(h[key], f"ist länger als {checks.MAX_TEXT[kind]} Zeichen")
    sid = checks.as_uuid(v.get("id"), f"sheet:{kommune}:{name.casefold()}:"
                                      f"{org_name.casefold()}")
    if sid in ctx.seen:
        f.error(h["name"], "dasselbe Angebot (Name und Träger, oder ID) steht mehrfach in der "
                           "Datei")
    ctx.seen.add(sid)
    topics = [Category(stable_id(f"attr:{sid}:{code}"), code) for code in _codes(
        v.get("topics", ""), ctx.topic, f, h["topics"],
        "ist kein Thema (Codes stehen im Hilfeblatt, z. B. sprache, mbe, wohnen)")]
    areas = [Area(stable_id(f"area:{sid}:{gid}"), gid) for gid in _codes(
        v.get("gemeinden", ""), lambda g: ctx.gemeinde(g, kommune), f, h["gemeinden"],
        "ist keine Gemeinde der Kommune")]
    ages = {}
    for key in ("min_age", "max_age"):
        if v.get(key):
            if not v[key].isdigit() or int(v[key]) > 120:
                f.error(h[key], f"'{v[key]}' – erwartet ein Alter von 0 bis 120")
            else:
                ages[key] = int(v[key])
    if ages.get("min_age", 0) > ages.get("max_age", 200):
        f.error(h["max_age"], "liegt unter 'Alter von'")
    statuses = _codes(v.get("statuses", ""), checks.residence_status, f, h["statuses"],
                      f"– erwartet: {', '.join(profile.RESIDENCE_STATUSES)}")
    legal = checks.legal_domain(v.get("legal_domain"))
    if legal == "":
        f.error(h["legal_domain"], f"'{v['legal_domain']}' – erwartet: "
                                   f"{', '.join(profile.LEGAL_DOMAINS)}")
    office = checks.office_kind(v.get("office_kind"))
    if office == "":
        f.error(h["office_kind"], f"'{v['office_kind']}' ist keine Art der Stelle aus dem "
                                  "Hilfeblatt")
    try:
        hours = parse_hours(v.get("hours", ""))
    except HoursError as exc:
        f.error(h["hours"], str(exc))
        hours = None
    appointment = _flag(v.get("appointment_only", ""), f, h["appointment_only"])
    closed = _flag(v.get("temporarily_closed", ""), f, h["temporarily_closed"])
    langs = [LanguageRec(stable_id(f"lang:{sid}:{code}"), code) for code in _codes(
        v.get("languages", ""), checks.language_code, f, h["languages"],
        "ist keine Sprache (Code wie ar oder Name wie Arabisch)")]
    stamps = {}
    for key in ("last_modified", "exported"):
        raw = values.get(key)
        try:
            stamps[key] = (raw.replace(tzinfo=raw.tzinfo or dt.UTC).astimezone(dt.UTC)
                           if isinstance(raw, dt.datetime) else
                           checks.parse_timestamp(v.get(key)))
        except ValueError:
            f.error(h[key], f"'{v[key]}' – erwartet einen Zeitpunkt wie "
                            "2026-12-01T09:30:00+00:00 (beim Export gesetzt)")
    try:
        verified = checks.parse_date(v.get("last_verified"))
    except ValueError:
        f.error(h["last_verified"], f"'{v['last_verified']}' – erwartet ein Datum TT.MM.JJJJ")
        verified = None
    for key, pattern, what in (("email", checks.EMAIL, "E-Mail-Adresse"),
                               ("url", checks.URL, "Webadresse mit https://"),
                               ("organization_website", checks.URL, "Webadresse mit https://")):
        if v.get(key) and not pattern.match(v[key]):
            f.error(h[key], f"'{v[key]}' ist keine gültige {what}")
    address = [v.get(k, "") for k in ("street", "postal_code", "city")]
    places = []
    if any(address):
        if not all(address):
            f.error(h["street"], "Straße, PLZ und Ort gehören zusammen: bitte alle drei "
                                 "ausfüllen")
        else:
            pid = stable_id(f"sheet-loc:{kommune}:{'|'.join(address).casefold()}")
            place = LocationRec(pid, v.get("location_name") or None, addresses=(
                Addr(stable_id(f"addr:{pid}"), address[0], address[2], address[1]),))
            places.append(AtLocation(stable_id(f"sal:{sid}:{pid}"), place))
    if f.failed:
        return None, f.problems
    org_id = stable_id(f"sheet-org:{kommune}:{org_name.casefold()}")
    translations = tuple(
        Translation(lang, v[f"name:{lang}"], v.get(f"description:{lang}", ""))
        for lang in sorted({k.split(":", 1)[1] for k in v if k.startswith("name:")})
        if v.get(f"name:{lang}"))
    slots = tuple(Slot(stable_id(f"sched:{sid}:{i}"), ",".join(days), o, c)
                  for i, (days, o, c) in enumerate(hours.slots))
    return OfferRecord(
        id=sid, organization=Org(org_id, org_name, "", v.get("organization_website") or None),
        name=name, description=v.get("description", ""), url=v.get("url") or None,
        email=v.get("email") or None, fees_description=v.get("cost") or None,
        kommune_id=kommune, scope="kommune", legal_domain=legal, min_age=ages.get("min_age"),
        max_age=ages.get("max_age"), residence_statuses=tuple(statuses), office_kind=office,
        appointment_only=appointment or hours.appointment_only, temporarily_closed=closed,
        last_verified=verified, translations=translations,
        phones=tuple(PhoneRec(stable_id(f"phone:{sid}:{i}"), n)
                     for i, n in enumerate(_split(v.get("phones", ""), ";,"))),
        schedules=slots, languages=tuple(langs), areas=tuple(areas), locations=tuple(places),
        categories=tuple(topics),
        # the row's age (not stored: `importer` takes it as the row's time, see `conflicts`)
        last_modified=stamps.get("last_modified") or stamps.get("exported")), f.problems


# --- the template ----------------------------------------------------------------------


def help_rows(topics: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(Spalte, Pflicht, Was gehört hinein, Beispiel) and the code lists, for the help sheet."""
    rows = [("Spalte", "Pflicht", "Was gehört hinein", "Beispiel")]
    rows += [(c.header, "ja" if c.required else "", c.help, c.example) for c in COLUMNS]
    rows += [("", "", "", ""), ("Themen (Spalte Themen)", "", "Code", "Name")]
    rows += [("", "", code, name) for code, name in sorted(topics.items())]
    rows += [("", "", "", ""), ("Aufenthaltsstatus", "", "Code", "Bedeutung")]
    rows += [("", "", code, de) for code, de in profile.RESIDENCE_STATUSES.items()]
    rows += [("", "", "", ""), ("Rechtskreis", "", "Wert", "")]
    rows += [("", "", d, "") for d in profile.LEGAL_DOMAINS]
    rows += [("", "", "", ""), ("Art der Stelle", "", "Code", "Name")]
    rows += [("", "", code, de) for code, de in office_kinds().items()]
    rows += [("", "", "", ""), ("Hinweise", "", "Die Zeile mit der ID BEISPIEL wird nicht "
             "eingespielt. Jede Zeile ist ein Angebot. Das Einspielen gelingt ganz oder gar "
             "nicht: erst prüfen, dann übernehmen.", "")]
    return rows


def headers(columns=COLUMNS) -> list[str]:
    return [c.header + (" *" if c.required else "") for c in columns]


def workbook(head: list[str], rows: list[list], topics: dict[str, str]) -> bytes:
    """An XLSX with the sheet 'Angebote' (`head` + `rows`) and the German sheet 'Hilfe'."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Angebote"
    for row in [head, *rows]:
        ws.append([neutralise(x) for x in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    help_ws = wb.create_sheet("Hilfe")
    for row in help_rows(topics):
        help_ws.append([neutralise(x) for x in row])
    for cell in help_ws[1]:
        cell.font = Font(bold=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(head: list[str], rows: list[list]) -> bytes:
    """Semicolons and a BOM, as German spreadsheet programs expect; formulas neutralised."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    for row in [head, *rows]:
        w.writerow([neutralise(x) for x in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def template_xlsx(topics: dict[str, str]) -> bytes:
    """The empty template: headers, the example row, the help sheet."""
    return workbook(headers(), [[c.example for c in COLUMNS]], topics)


def template_csv() -> bytes:
    return csv_bytes(headers(), [[c.example for c in COLUMNS]])
