"""The age a question states ("ich bin 34", "عمري ٢٥", "17 yaşındayım"), for eligibility.

JMD (12-27), MBE (over 27) and Teilhabemanagement (18-27) are told apart by age;
a person who writes it in the question should not be asked again, and the API
caller who sends no `age` still gets the offers for the age the text names.
`index/data/age.json` holds per language patterns of words around one number;
the text is folded like the search's words and split between digits and
letters ("23J.", "17yo", "٢٥سنة"). Only numbers from 1 to 110 count; a pattern
that ends at the number does not match a span of time ("ich bin 2 Jahre hier").
"""

from __future__ import annotations

import json
import re
from functools import cache

from index.lexical import fold
from index.signals import DATA

_TOKEN = re.compile(r"\d+|[^\W\d_]+")


def words(text: str) -> list[str]:
    """Folded words, digits apart from letters."""
    return _TOKEN.findall(fold(text))


@cache
def _rules() -> tuple[tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], frozenset[str]]:
    data = json.loads((DATA / "age.json").read_text(encoding="utf-8"))
    patterns = set()
    for texts in data["patterns"].values():
        for p in texts:
            before, after = p.split("{n}")
            patterns.add((tuple(words(before)), tuple(words(after))))
    return tuple(sorted(patterns)), frozenset(w for t in data["duration"] for w in words(t))


def stated_age(text: str) -> int | None:
    """The first age the text states, or None."""
    ws = words(text)
    patterns, duration = _rules()
    for i, w in enumerate(ws):
        if not w.isdigit() or not 1 <= int(w) <= 110:
            continue
        for before, after in patterns:
            if tuple(ws[max(0, i - len(before)):i]) != before:
                continue
            if after:
                if tuple(ws[i + 1:i + 1 + len(after)]) == after:
                    return int(w)
            elif i + 1 >= len(ws) or ws[i + 1] not in duration:
                return int(w)
    return None
