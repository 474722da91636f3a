"""Texts the search indexes for an offer, and the topic prototypes.

An offer is embedded as one passage: its name, its topics in German and its
description. The topics themselves get prototypes: their label, description
and typical phrasings in every UI language, which carry a question asked in
Arabic or Tigrinya to a German entry. The lexical index sees all of it.
"""

from __future__ import annotations

import re

from directory.reference import taxonomy, taxonomy_i18n, topic_label
from directory.store import Offer

MAX_CHARS = 1500  # ~ the 512-token window of the encoder


def _clip(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[:MAX_CHARS].rsplit(" ", 1)[0]


def target_group_text(o: Offer, statuses: bool = True) -> str:
    parts = []
    if o.min_age is not None and o.max_age is not None:
        parts.append(f"für Menschen von {o.min_age} bis {o.max_age} Jahren")
    elif o.min_age is not None:
        parts.append(f"für Menschen ab {o.min_age} Jahren")
    elif o.max_age is not None:
        parts.append(f"für Menschen bis {o.max_age} Jahre")
    if statuses and o.residence_statuses:
        parts.append("Aufenthaltsstatus: " + ", ".join(o.residence_statuses))
    return "; ".join(parts)


def topic_line(code: str, lang: str = "de") -> str:
    entry = taxonomy_i18n().get(code, {})
    row = next((t for t in taxonomy() if t["code"] == code), None)
    if lang in entry:
        return f"{entry[lang]['label']}: {entry[lang].get('description', '')}"
    return row[lang] if row and lang in row else code


def offer_views(o: Offer) -> list[str]:
    """Passages embedded for one offer: one, its name, German topic labels and description.

    One short passage per offer (cut at the encoder's `max_seq_length`, 40 tokens by
    default) keeps index builds fast; the topic prototypes carry questions in other
    languages to the topics, and BM25 still reads every translation. Topic labels
    rather than their descriptions leave the 40 tokens to the offer's own words:
    measured with `lotse eval` (dev / probe sets), labels at 40 tokens answer as well
    as label and description at 64 (R@3 0.94 / 0.94 against 0.93 / 0.93; R@1 0.84 /
    0.83 against 0.80 / 0.88) for 62 % of the encoding work.
    """
    topics = ", ".join(topic_label(c, "de") for c in o.categories)
    return [_clip(f"{o.name}. {topics}. {o.description}")]


def offer_lexical_text(o: Offer) -> str:
    """The offer's own words: entry, organisation, target ages, and the words its
    translations add.

    The translations bring the words of every language, each once: the German office
    words and names they keep ("Ausländerbehörde (immigration office)") would otherwise
    count once per language and outweigh the entry's own text. Residence statuses are
    left out: they decide eligibility (`index.ranking`), they are not what a question is
    about.
    """
    parts = [o.name, o.organization, o.description, target_group_text(o, statuses=False)]
    seen = {w.casefold() for p in parts if p for w in re.findall(r"\w+", p)}
    for name, desc in o.translations.values():
        words = []
        for w in re.findall(r"\w+", f"{name} {desc}"):
            if w.casefold() not in seen:
                seen.add(w.casefold())
                words.append(w)
        parts.append(" ".join(words))
    return "\n".join(p for p in parts if p)


def topic_lexical_texts() -> dict[str, str]:
    """Per topic: its labels, descriptions, phrasings and German office words."""
    out = {}
    for row in taxonomy():
        code = row["code"]
        entry = taxonomy_i18n().get(code, {})
        parts = [row["de"], row["en"], row["what belongs here"], *entry.get("_de_terms", [])]
        for lang, v in entry.items():
            if not lang.startswith("_"):
                parts += [v.get("label", ""), v.get("description", ""), *v.get("phrases", [])]
        out[code] = "\n".join(p for p in parts if p)
    return out


def topic_prototypes() -> list[tuple[str, str]]:
    """(code, text) pairs: each topic's label, description and phrasings per language, and
    its phrasings in Latin letters (Finglish, Arabizi, Pashto) from `_translit`."""
    out: list[tuple[str, str]] = []
    i18n = taxonomy_i18n()
    for row in taxonomy():
        code = row["code"]
        out.append((code, f"{row['de']}: {row['what belongs here']}"))
        out.append((code, row["en"]))
        for lang, v in i18n.get(code, {}).items():
            if lang.startswith("_"):
                continue
            out.append((code, f"{v['label']}: {v.get('description', '')}"))
            out += [(code, p) for p in v.get("phrases", [])]
        # how people write Persian, Arabic and Pashto in Latin letters on a phone
        for phrases in i18n.get(code, {}).get("_translit", {}).values():
            out += [(code, p) for p in phrases]
    return out
