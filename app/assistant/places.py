"""Where a person lives: the 396 Gemeinden and 54 Kommunen, found by what they type.

Typing is forgiving: case, accents and umlauts do not matter ("Koln", "Koeln",
"köln" all find Köln), a prefix or a part of the name suggests places, and a
misspelling gets "did you mean" choices. A place is chosen by its key:
`g:<AGS>` for a Gemeinde, `k:<id>` for a Kommune (a Kreis, when the person
names only the Kreis). A kreisfreie Stadt is found as its own Gemeinde.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass

from app.responsibility.place import Place
from directory.store import Store
from index.lexical import fold

KREISFREI = frozenset({"kreisfreie_stadt", "regionsangehoerige_stadt"})


def _keys(name: str) -> set[str]:
    """Spellings of a name a person may type: folded, and with ae/oe/ue for umlauts."""
    base = re.sub(r"[^\w]+", " ", fold(name)).strip()
    umlauts = re.sub(r"[^\w]+", " ", name.lower()).strip()
    umlauts = fold(umlauts.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
                   .replace("ß", "ss"))
    return {base, umlauts}


def typed_key(text: str) -> str:
    return re.sub(r"[^\w]+", " ", fold(text)).strip()


@dataclass(frozen=True)
class Gazetteer:
    places: tuple[Place, ...]
    index: tuple[tuple[str, int], ...]  # (spelling, position in places)

    def by_key(self, key: str) -> Place | None:
        return next((p for p in self.places if p.key == key), None)

    def suggest(self, text: str, limit: int = 8) -> list[Place]:
        """Places whose name starts with, then contains, what was typed."""
        q = typed_key(text)
        if not q:
            return []
        first, then = [], []
        for spelling, i in self.index:
            if spelling.startswith(q) or any(w.startswith(q) for w in spelling.split()):
                first.append(i)
            elif len(q) >= 3 and q in spelling:
                then.append(i)
        order = list(dict.fromkeys(sorted(first, key=self._rank) + sorted(then, key=self._rank)))
        return [self.places[i] for i in order[:limit]]

    def _rank(self, i: int) -> tuple:
        p = self.places[i]
        return (len(p.name), p.name, p.gemeinde_id is None)

    def resolve(self, text: str) -> tuple[Place | None, list[Place]]:
        """(the place, if what was typed names exactly one), else choices ("did you mean")."""
        q = typed_key(text)
        if not q:
            return None, []
        exact = list(dict.fromkeys(i for spelling, i in self.index if spelling == q))
        if len(exact) == 1:
            return self.places[exact[0]], []
        if exact:
            return None, [self.places[i] for i in exact]
        choices = self.suggest(text)
        if not choices:
            spellings = [s for s, _ in self.index]
            near = difflib.get_close_matches(q, spellings, n=6, cutoff=0.7)
            choices = list(dict.fromkeys(self.places[i] for s in near
                                         for sp, i in self.index if sp == s))
        return None, choices[:8]


def build(store: Store) -> Gazetteer:
    kommunen = {k.id: k for k in store.kommunen()}
    places: list[Place] = []
    for g in store.gemeinden():
        k = kommunen.get(g.kommune_id)
        if k is not None:
            places.append(Place(k.id, k.name, k.kind, g.id, g.name, g.status))
    for k in kommunen.values():
        if k.kind not in KREISFREI:  # a kreisfreie Stadt is found as its Gemeinde
            places.append(Place(k.id, k.name, k.kind))
    index = tuple((s, i) for i, p in enumerate(places) for s in sorted(_keys(p.name)))
    return Gazetteer(tuple(places), index)


_built: dict[str, tuple[float, Gazetteer]] = {}
FRESH_SECONDS = 300  # admins may add or rename Gemeinden (/staff/kommunen)


def gazetteer(store: Store) -> Gazetteer:
    """The places of this store, built at most every FRESH_SECONDS."""
    made = _built.get(store.url)
    if made is None or time.monotonic() - made[0] > FRESH_SECONDS:
        made = (time.monotonic(), build(store))
        _built[store.url] = made
    return made[1]
