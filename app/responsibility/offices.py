"""From "the Jugendamt of the Kreis" to the directory entries that are that office.

An offer is an entry of an office when its NRW-profile `office_kind` says so.
Which entries fit a place depends on the level the rules decided: the
Gemeinde's own office serves that one Gemeinde (its service area), the
Kreis's office serves the whole Kommune or a list of its Gemeinden, federal
offices and programmes may also be nationwide. Programmes (not authorities)
also respect the offer's own target group (age range, residence statuses).
"""

from __future__ import annotations

from app.responsibility import vocab
from app.responsibility.engine import Place, Query
from directory.store import Offer


def serves(o: Offer, place: Place) -> bool:
    """The offer is for this place (whole Kommune, or a list including the Gemeinde)."""
    if not o.gemeinde_ids:
        return True
    return place.gemeinde_id is None or place.gemeinde_id in o.gemeinde_ids


def fits_person(o: Offer, q: Query) -> bool:
    if q.age is not None:
        if o.min_age is not None and q.age < o.min_age:
            return False
        if o.max_age is not None and q.age > o.max_age:
            return False
    if q.status is not None and o.residence_statuses:
        return vocab.offer_status(q.status) in o.residence_statuses
    return True


def entries(offers: list[Offer], kind: str, level: str | None, place: Place,
            q: Query) -> list[Offer]:
    """The directory entries of this office kind for this place and person, best first."""
    office = vocab.OFFICE_KINDS[kind]
    single = len(place.gemeinden) <= 1  # a kreisfreie Stadt is its own only Gemeinde
    out = []
    for o in offers:
        if o.office_kind != kind:
            continue
        if o.scope == "national":
            if level in ("bund", "traeger", "land"):
                out.append(o)
            continue
        if o.kommune_id != place.kommune_id or not serves(o, place):
            continue
        if level == "gemeinde" and not single and (
                o.gemeinde_ids != (place.gemeinde_id,) if place.gemeinde_id
                else len(o.gemeinde_ids) != 1):
            continue  # the Gemeinde's own office serves that Gemeinde alone
        out.append(o)
    if not office.authority:
        out = [o for o in out if fits_person(o, q)]
    topics = set(vocab.MATTER_TOPICS.get(q.matter, ()))

    def rank(o: Offer) -> tuple:
        explicit = bool(place.gemeinde_id and place.gemeinde_id in o.gemeinde_ids)
        on_topic = len(topics & set(o.categories)) / max(len(o.categories), 1)
        return (o.scope == "national", not explicit, not fits_person(o, q), -on_topic, o.name)

    return sorted(out, key=rank)


def carrier_name(level: str | None, place: Place) -> str | None:
    """Whose office it is, by name (German), where the rules say so."""
    if level == "gemeinde":
        return place.gemeinde_name
    if level == "kommune":
        return place.kommune_name
    if level == "land":
        return "Land Nordrhein-Westfalen"
    return None
