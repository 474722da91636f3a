"""NRW public holidays from the date of Easter, and "open now" on a holiday."""

import datetime as dt

from directory.holidays import easter_sunday, holiday_name, nrw_holidays


def test_easter_dates():
    known = {2019: (4, 21), 2024: (3, 31), 2025: (4, 20), 2026: (4, 5), 2027: (3, 28),
             2038: (4, 25), 2285: (3, 22)}
    for year, (month, day) in known.items():
        assert easter_sunday(year) == dt.date(year, month, day), year


def test_the_eleven_nrw_holidays_of_2026():
    days = nrw_holidays(2026)
    assert len(days) == 11
    assert days[dt.date(2026, 4, 3)] == "Karfreitag"
    assert days[dt.date(2026, 4, 6)] == "Ostermontag"
    assert days[dt.date(2026, 5, 14)] == "Christi Himmelfahrt"
    assert days[dt.date(2026, 5, 25)] == "Pfingstmontag"
    assert days[dt.date(2026, 6, 4)] == "Fronleichnam"
    assert holiday_name(dt.date(2026, 11, 1)) == "Allerheiligen"
    assert holiday_name(dt.date(2026, 12, 26)) == "2. Weihnachtstag"
    assert holiday_name(dt.date(2026, 12, 24)) is None  # Heiligabend is no public holiday
    assert holiday_name(dt.date(2026, 8, 15)) is None  # Mariä Himmelfahrt: not in NRW


def test_open_now_respects_holidays():
    from zoneinfo import ZoneInfo

    from app.cards import open_state
    from directory.records import Slot
    from directory.store import Offer

    berlin = ZoneInfo("Europe/Berlin")
    weekdays = Offer("x", "n", "d", "o", "demo", "kommune",
                     schedule=(Slot("s1", "MO,TU,WE,TH,FR", "09:00", "17:00"),))
    always = Offer("y", "n", "d", "o", None, "national",
                   schedule=(Slot("s2", "MO,TU,WE,TH,FR,SA,SU", "00:00", "24:00"),))
    easter_monday = dt.datetime(2026, 4, 6, 10, 0, tzinfo=berlin)
    ordinary_monday = dt.datetime(2026, 4, 13, 10, 0, tzinfo=berlin)
    assert open_state(weekdays, ordinary_monday) == "open"
    assert open_state(weekdays, easter_monday) == "holiday"
    assert open_state(always, easter_monday) == "open"  # helplines keep their Sunday hours
    christmas_evening = dt.datetime(2026, 12, 25, 22, 0, tzinfo=berlin)
    assert open_state(always, christmas_evening) == "open"
