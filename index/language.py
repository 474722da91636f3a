"""Which language a question is written in, for the reply language.

Our own small detector, trained at first use from texts the repository
already holds in every UI language (topic labels, descriptions and
phrasings, crisis and off-topic sentences, translated demo offers): the
script narrows the candidates (Ge'ez -> Tigrinya; Arabic script -> Arabic,
Persian, Pashto; Cyrillic -> Russian, Ukrainian, Bulgarian), then a naive
Bayes model over character 1-4-grams of words decides, with the letters
only one language uses as extra evidence. Latin-script Arabic ("Arabizi",
digits as letters), Persian, Pashto and Tigrinya are candidates for Latin
text too, since people type them that way.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import numpy as np

from directory.reference import taxonomy_i18n

DATA = Path(__file__).parent / "data"
DEMO = Path(__file__).parent.parent / "directory" / "data" / "demo_offers.json"
LANGUAGES = ("de", "en", "ar", "fa", "tr", "uk", "ru", "ku", "ps", "ti", "ro", "bg", "fr", "so")
_ETHIOPIC = re.compile(r"[\u1200-\u137f]")
_ARABIC = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_ARABIZI = re.compile(r"[a-z][2375][a-z]|[a-z][2375]\b|\b[2375][a-z]", re.IGNORECASE)
#: letters (or words) that only one candidate of a script writes
_MARKS = {
    "ps": set("ټډړږښګڼۍېځڅ"), "fa": set("پچژگ"), "uk": set("їєіґ"), "bg": {"ъ"},
    "tr": set("şğı"), "ro": set("ășț"), "ku": set("êîû"), "de": set("äöüß"),
    "fr": set("éèàùâœç"),
}
_SCRIPTS = {
    "arabic": ("ar", "fa", "ps"),
    "cyrillic": ("ru", "uk", "bg"),
    "latin": ("de", "en", "tr", "fr", "ro", "so", "ku", "ar", "fa", "ps", "ti", "bg"),
}


def _grams(text: str) -> list[str]:
    out = []
    for w in _WORD.findall(text.lower()):
        w = f" {w} "
        for n in (1, 2, 3, 4):
            out += [w[i:i + n] for i in range(len(w) - n + 1)]
    return out


def _script(text: str) -> str:
    if _ARABIC.search(text):
        return "arabic"
    if _CYRILLIC.search(text):
        return "cyrillic"
    return "latin"


@cache
def _corpus() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = defaultdict(list)
    for entry in taxonomy_i18n().values():
        for lang, v in entry.items():
            code = "de" if lang == "de-simple" else lang
            if code in LANGUAGES:
                texts[code] += [v.get("label", ""), v.get("description", ""), *v.get("phrases", [])]
    for name in ("crisis.json", "off_topic.json"):
        data = json.loads((DATA / name).read_text(encoding="utf-8"))
        groups = [v for k, v in data.items() if isinstance(v, dict) and k != "_comment"] \
            if name == "crisis.json" else [data]
        for group in groups:
            for lang, sentences in group.items():
                if lang in LANGUAGES:
                    texts[lang] += sentences
    if DEMO.exists():
        for o in json.loads(DEMO.read_text(encoding="utf-8"))["offers"]:
            texts["de"].append(o["description"])
            for lang, tr in o.get("translations", {}).items():
                if lang in LANGUAGES:
                    texts[lang] += [tr.get("name", ""), tr.get("description", "")]
    return texts


def _model() -> dict[str, dict[str, tuple[dict[str, float], float]]]:
    """Per script and candidate language: log P(gram), and the log P of an unseen gram
    (read once, by `_tables`, which keeps it as matrices)."""
    models: dict[str, dict] = {}
    for script, langs in _SCRIPTS.items():
        per = {}
        for lang in langs:
            counts = Counter(g for t in _corpus().get(lang, []) if t and _script(t) == script
                             and (script != "latin" or _LATIN.search(t)) for g in _grams(t))
            if counts:
                per[lang] = counts
        vocab = len({g for c in per.values() for g in c}) + 1
        models[script] = {}
        for lang, counts in per.items():
            denom = math.log(sum(counts.values()) + 0.5 * vocab)
            models[script][lang] = ({g: math.log(c + 0.5) - denom for g, c in counts.items()},
                                    math.log(0.5) - denom)
    return models


@cache
def _tables() -> dict[str, tuple[list[str], dict[str, int], np.ndarray]]:
    """`_model` as one matrix per script: the languages, each gram's row, and log P of
    every gram (rows) in every language (columns); the last row is the unseen gram. One
    dictionary look-up per gram instead of one per gram and language (1.1 -> 0.2 ms)."""
    out = {}
    for script, per in _model().items():
        langs = list(per)
        grams = sorted({g for logp, _ in per.values() for g in logp})
        row = {g: i for i, g in enumerate(grams)}
        table = np.empty((len(grams) + 1, len(langs)), dtype=np.float64)
        for j, lang in enumerate(langs):
            logp, unseen = per[lang]
            table[:, j] = unseen
            for g, v in logp.items():
                table[row[g], j] = v
        out[script] = (langs, row, table)
    return out


def detect_language(text: str, fallback: str = "de") -> str:
    """A best guess of the question's language among the UI languages."""
    if _ETHIOPIC.search(text):
        return "ti"
    script = _script(text)
    if script == "latin" and not _LATIN.search(text):
        return fallback
    if script == "latin" and _ARABIZI.search(text):
        return "ar"
    grams = _grams(text)
    if not grams:
        return fallback
    chars = set(text.lower())
    best, best_score = fallback, -math.inf
    langs, row, table = _tables()[script]
    unseen = len(table) - 1
    scores = table[[row.get(g, unseen) for g in grams]].sum(axis=0)
    for lang, score in zip(langs, scores.tolist(), strict=True):
        if _MARKS.get(lang, set()) & chars:
            score += 8.0
        if script == "latin" and lang in ("ar", "fa", "ps", "ti", "bg"):
            score -= 4.0  # transliterations are the exception, not the rule
        if score > best_score:
            best, best_score = lang, score
    return best
