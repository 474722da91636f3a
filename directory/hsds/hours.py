"""Opening hours as Germans write them in spreadsheets <-> weekly slots.

Reads "Mo-Fr 9-12, Di 14-16", "Mo, Mi 9:00-12:30 und 14-16 Uhr", "täglich 8-20",
"Sa geschlossen" and "nach Vereinbarung" (= by appointment only). A time
range belongs to the days named before it; days named after a time range
start a new group. Anything else is an `HoursError` that says which part was
not understood and what is expected. `format_hours` writes slots back in the
same style, so an exported sheet imports unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
GERMAN = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
_NAMES = {
    "mo": 0, "montag": 0, "di": 1, "dienstag": 1, "mi": 2, "mittwoch": 2, "do": 3,
    "donnerstag": 3, "fr": 4, "freitag": 4, "sa": 5, "samstag": 5, "sonnabend": 5, "so": 6,
    "sonntag": 6,
}
_DAY = (r"(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag)s?"
        r"|mo|di|mi|do|fr|sa|so")
_TIME = r"\d{1,2}(?:[:.]\d{2})?"
_DASH = r"\s*(?:-|–|—|bis)\s*"
APPOINTMENT = re.compile(
    r"(?:termine?\s+)?nach\s+(?:termin)?(?:vereinbarung|absprache)|nur\s+mit\s+termin|"
    r"termin\s+erforderlich", re.I)
TOKEN = re.compile(
    rf"(?P<t1>{_TIME})\s*(?:uhr)?{_DASH}(?P<t2>{_TIME})\s*(?:uhr)?(?![\w])"
    rf"|(?P<d1>{_DAY})\.?(?![a-zäöüß])(?:{_DASH}(?P<d2>{_DAY})\.?(?![a-zäöüß]))?"
    r"|(?P<daily>täglich)|(?P<closed>geschlossen)"
    r"|(?P<sep>[,;/&+]|\bund\b|\bsowie\b|:)|(?P<space>\s+)", re.I)

EXPECTED = "erwartet z. B. 'Mo-Fr 9-12, Di 14-16' oder 'nach Vereinbarung'"


class HoursError(ValueError):
    """Opening hours that could not be read; the message is plain German."""


@dataclass(frozen=True)
class Hours:
    slots: tuple[tuple[tuple[str, ...], str, str], ...]  # (days, opens, closes)
    appointment_only: bool = False


def _day(name: str) -> int:
    name = name.lower().rstrip(".")
    return _NAMES[name[:-1] if name not in _NAMES and name.endswith("s") else name]


def _time(text: str, original: str) -> str:
    h, _, m = text.replace(".", ":").partition(":")
    hour, minute = int(h), int(m or 0)
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise HoursError(f"'{original}': Uhrzeit '{text}' gibt es nicht ({EXPECTED})")
    return f"{hour:02d}:{minute:02d}"


def parse_hours(text: str) -> Hours:
    """German opening-hours text -> weekly slots (days in RFC 5545 codes, HH:MM times)."""
    original = (text or "").strip()
    appointment = bool(APPOINTMENT.search(original))
    rest = APPOINTMENT.sub(" ", original)
    slots: list[tuple[tuple[str, ...], str, str]] = []
    group: list[int] = []
    used = False
    pos = 0
    while pos < len(rest):
        m = TOKEN.match(rest, pos)
        if not m:
            part = rest[pos:pos + 20].strip()
            raise HoursError(f"'{original}': '{part}' ist nicht verständlich ({EXPECTED})")
        pos = m.end()
        if m["d1"] or m["daily"]:
            if used:
                group, used = [], False
            if m["daily"]:
                days = list(range(7))
            else:
                a = _day(m["d1"])
                b = _day(m["d2"]) if m["d2"] else a
                if b < a:
                    raise HoursError(f"'{original}': '{m.group(0).strip()}' läuft rückwärts "
                                     f"({EXPECTED})")
                days = list(range(a, b + 1))
            group += [d for d in days if d not in group]
        elif m["t1"]:
            if not group:
                raise HoursError(f"'{original}': Uhrzeit '{m.group(0).strip()}' ohne Wochentag "
                                 f"({EXPECTED})")
            opens, closes = _time(m["t1"], original), _time(m["t2"], original)
            if opens >= closes:
                raise HoursError(f"'{original}': '{m.group(0).strip()}' endet nicht nach dem "
                                 f"Beginn ({EXPECTED})")
            slots.append((tuple(DAYS[d] for d in sorted(group)), opens, closes))
            used = True
        elif m["closed"]:
            group, used = [], False
    if group and not used:
        raise HoursError(f"'{original}': Wochentag ohne Uhrzeit ({EXPECTED})")
    return Hours(tuple(slots), appointment)


def _days_text(days: tuple[str, ...]) -> str:
    idx = sorted(DAYS.index(d) for d in days)
    runs: list[list[int]] = []
    for i in idx:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{GERMAN[run[0]]}-{GERMAN[run[-1]]}")
        else:
            parts += [GERMAN[i] for i in run]
    return ", ".join(parts)


def _t(value: str) -> str:
    h, m = value.split(":")
    return f"{int(h)}" if m == "00" else f"{int(h)}:{m}"


def format_hours(slots: list[tuple[tuple[str, ...], str, str]], appointment_only: bool) -> str:
    """Weekly slots -> 'Mo-Fr 9-12, Di 14-16' (and 'nach Vereinbarung')."""
    parts = [f"{_days_text(days)} {_t(o)}-{_t(c)}" for days, o, c in slots]
    if appointment_only:
        parts.append("nach Vereinbarung")
    return "; ".join(parts)
