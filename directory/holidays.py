"""Public holidays in North Rhine-Westphalia, computed from the date of Easter.

NRW observes Neujahr, Karfreitag, Ostermontag, Tag der Arbeit (1. Mai),
Christi Himmelfahrt, Pfingstmontag, Fronleichnam, Tag der Deutschen Einheit,
Allerheiligen and the 1st and 2nd Weihnachtstag (Feiertagsgesetz NW § 2).
Offices keep their Sunday hours on these days (mostly: closed).
"""

from __future__ import annotations

import datetime as dt
from functools import cache


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@cache
def nrw_holidays(year: int) -> dict[dt.date, str]:
    """{date: German name} of the NRW public holidays of one year."""
    easter = easter_sunday(year)

    def after(days: int) -> dt.date:
        return easter + dt.timedelta(days=days)

    return {
        dt.date(year, 1, 1): "Neujahr",
        after(-2): "Karfreitag",
        after(1): "Ostermontag",
        dt.date(year, 5, 1): "Tag der Arbeit",
        after(39): "Christi Himmelfahrt",
        after(50): "Pfingstmontag",
        after(60): "Fronleichnam",
        dt.date(year, 10, 3): "Tag der Deutschen Einheit",
        dt.date(year, 11, 1): "Allerheiligen",
        dt.date(year, 12, 25): "1. Weihnachtstag",
        dt.date(year, 12, 26): "2. Weihnachtstag",
    }


def holiday_name(day: dt.date) -> str | None:
    """The German name of the NRW public holiday on this day, or None."""
    return nrw_holidays(day.year).get(day)
