"""The PII scrubber: what is left of a question before it may be stored for the gap report.

Removed, in every script (Latin, Cyrillic, Arabic, Ge'ez …): web and e-mail
addresses (also "name (at) domain (dot) de"), social-media handles, IBANs,
phone numbers, dates, every number (digits of any script: ٣ ۳ ३ count too),
street addresses, birth dates, and names — after "my name is" and its
equivalents in the 15 UI languages, after honorifics ("Frau", "السيد",
"пані", "ኣቶ" …) and family words ("mein Sohn …", "زوجتي …"), around
"من … هستم"-style frames, in sign-offs, every word in the name lists
(`app.analytics.lexicon`), and in languages that do not capitalise nouns a
capitalised word in mid-sentence that KIM-Lotse's own vocabulary does not
know. Each removed stretch becomes a typed placeholder: [name], [email],
[link], [phone], [iban], [date], [number], [address].

The scrubber errs on the side of removing too much; the gap report needs the
theme of a question, not its details. What it cannot see (a rare family name
with no cue, written in lower case in German or in a script without capitals)
is caught at display time: examples show only words that several questions
share (`app.analytics.themes`).
"""

from __future__ import annotations

import re
import unicodedata

from app.analytics.lexicon import WORD, Lexicon, detect_language, fold, lexicon

MAX_CHARS = 300
_MARK = {  # private-use characters stand for placeholders while scrubbing
    "name": "\ue010", "email": "\ue011", "link": "\ue012", "phone": "\ue013",
    "iban": "\ue014", "date": "\ue015", "number": "\ue016", "address": "\ue017",
}
_SHOW = {v: f"[{k}]" for k, v in _MARK.items()}
_MARKS = "".join(_MARK.values())
_KEEP = "\ue020"  # protects kept numbers ("B1", "§ 25a") from the number pass

_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b\u200d-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SPACE = re.compile(r"\s+")
_TLD = (r"(?:de|com|org|net|eu|info|io|me|ru|ua|tr|ro|bg|fr|so|ir|af|sy|iq|uk|at|ch|nl|pl|"
        r"app|online|email|mail)")
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("link", re.compile(r"(?i)\b(?:https?://|www\.)\S+")),
    ("email", re.compile(r"(?i)[\w.+-]+(?:\s?\.\s?[\w+-]+)*\s?@\s?[\w-]+(?:\s?\.\s?[\w-]+)+")),
    ("email", re.compile(
        r"(?i)[\w.+-]+\s*[(\[{]\s*(?:at|ät|et)\s*[)\]}]\s*[\w-]+"
        r"(?:\s*(?:[(\[{]\s*(?:dot|punkt|point)\s*[)\]}]|\.)\s*[\w-]+)+")),
    ("email", re.compile(
        r"(?i)\b[\w.+-]+\s+(?:at|ät)\s+[\w-]+(?:\s+(?:dot|punkt|point)\s+\w{2,6}|\." + _TLD
        + r")\b")),
    ("link", re.compile(r"(?i)\b[\w-]+(?:\.[\w-]+)*\." + _TLD + r"\b(?:/\S*)?")),
    ("name", re.compile(r"(?<![\w@])@[\w.]{2,}")),  # social-media handle
    ("iban", re.compile(r"(?i)\b[a-z]{2}\s?\d{2}(?:[ -]?[a-z0-9]){11,30}\b")),
    ("date", re.compile(r"\b\d{1,4}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?\d{1,4}\b")),
    ("date", re.compile(
        r"(?i)\b\d{1,2}\.?\s*(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec|"
        r"janv|févr|fevr|avr|juin|juil|août|aout|déc|oca|şub|nis|haz|tem|ağu|eyl|eki|kas|ara|"
        r"ian|iun|iul|noi)\w*\.?\s*,?\s*\d{0,4}")),
    ("phone", re.compile(r"(?:\+|\b00)?\d[\d \t()/.\-–]{5,}\d")),
]
_KEEP_NUMBERS = re.compile(r"(?i)(?:§+\s*\d+\s?[a-z]?\b|\b[abc][12](?:\.\d)?\b|\bsgb\s?\d{1,2}\b)")
_NUMBER = re.compile(r"[\w/.\-+]*\d(?:[\w/.\-+]*\w)?")
_SENTENCE_END = set(".!?؟。…\n:;")
_CASE_SCRIPT = re.compile(r"[A-Za-zÀ-ɏ\u0400-\u04ff]")


def scrub(text: str, lang: str | None = None, max_chars: int = MAX_CHARS) -> str:
    """The question without anything that could name or reach a person."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = text.replace(_KEEP, "").translate({ord(m): None for m in _MARKS})
    for kind, pattern in _PATTERNS:
        text = pattern.sub(lambda m, k=kind: f" {_MARK[k]} ", text)
    kept: list[str] = []

    def keep(m: re.Match) -> str:
        kept.append(m.group())
        return _KEEP
    text = _KEEP_NUMBERS.sub(keep, text)
    text = _NUMBER.sub(f" {_MARK['number']} ", text)
    text = _SPACE.sub(" ", text).strip()
    text = _names_and_addresses(text, lang or detect_language(text), lexicon())
    for k in kept:
        text = text.replace(_KEEP, k, 1)
    return _render(text, max_chars)


def _render(text: str, max_chars: int) -> str:
    mark = "[" + _MARKS + "]"
    text = re.sub(rf"({mark})(?:[\s,.\-–/]*\1)+", r"\1", text)  # one placeholder per stretch
    text = _SPACE.sub(" ", re.sub(r"\s+([,.!?;:؟،])", r"\1", text)).strip()
    for m, shown in _SHOW.items():
        text = text.replace(m, shown)
    if len(text) > max_chars:
        cut = text[:max_chars]
        text = (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip() + " …"
    return text


class _Tokens:
    """Word tokens of a text with what the rules need to know about each."""

    def __init__(self, text: str, lex: Lexicon):
        self.text = text
        self.lex = lex
        self.spans = [(m.start(), m.end()) for m in WORD.finditer(text)]
        self.raw = [text[a:b] for a, b in self.spans]
        self.folded = [fold(w) for w in self.raw]
        self.kind: list[str | None] = [None] * len(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def gap(self, i: int) -> str:
        """The text between token i-1 and token i."""
        start = self.spans[i - 1][1] if i > 0 else 0
        return self.text[start:self.spans[i][0]] if i < len(self) else self.text[start:]

    def sentence_start(self, i: int) -> bool:
        before = self.text[:self.spans[i][0]].rstrip()
        return not before or before[-1] in _SENTENCE_END or before[-1] in _MARKS

    def case_script(self, i: int) -> bool:
        return bool(_CASE_SCRIPT.search(self.raw[i]))

    def capitalised(self, i: int) -> bool:
        w = self.raw[i]
        return self.case_script(i) and w[0].isupper() and not (w.isupper() and len(w) <= 5)

    def joined(self, i: int) -> bool:
        """Token i follows token i-1 with only spaces between (same phrase)."""
        return i > 0 and self.gap(i).strip() == ""

    def stop(self, i: int) -> bool:
        return self.folded[i] in self.lex.stop

    def known(self, i: int) -> bool:
        return self.folded[i] in self.lex.vocabulary or self.stop(i)

    def listed_name(self, i: int) -> bool:
        f = self.folded[i].split("'")[0]  # Turkish "Ayşe'nin", French "d'Ahmed" -> first part
        if len(f) < 3 and "'" in self.folded[i]:
            f = self.folded[i].split("'")[-1]
        if self.case_script(i) and not self.capitalised(i) and f not in self.lex.curated:
            # a lower-case word of the big name list is an ordinary word far more often
            # ("rain", "anne", "снег", "çay"): only our own given names count without a
            # capital (a cue such as "my name is" still takes any word after it)
            return False
        return self.lex.is_name(f) and not self.stop(i)

    def german_noun(self, i: int) -> bool:
        f = self.folded[i]
        return len(f) > 4 and f.endswith(self.lex.noun_endings)

    def name_like(self, i: int) -> bool:
        """Could continue a name that has begun (a family name after a given name)."""
        if self.stop(i):
            return False
        if self.listed_name(i) or self.lex.is_name(self.folded[i]):
            return True
        if self.case_script(i):
            return self.capitalised(i) and not self.german_noun(i) and not self.known(i)
        return self.folded[i].startswith(("ال", "بن", "ابن", "بنت"))

    def match(self, i: int, phrase: tuple[str, ...]) -> bool:
        n = len(phrase)
        if i + n > len(self) or tuple(self.folded[i:i + n]) != phrase:
            return False
        return all(self.joined(j) for j in range(i + 1, i + n))


def _names_and_addresses(text: str, lang: str, lex: Lexicon) -> str:
    t = _Tokens(text, lex)
    if not len(t):
        return text
    _cue_rules(t, lex)
    _word_rules(t, lang)
    out, last = [], 0
    for (a, b), kind in zip(t.spans, t.kind, strict=True):
        if kind:
            out += [text[last:a], _MARK[kind]]
            last = b
    out.append(text[last:])
    return "".join(out)


def _take(t: _Tokens, start: int, kind: str, *, first_any: bool, limit: int = 3) -> None:
    """Mark the name (or address, date) that begins at `start`."""
    i = start
    if i >= len(t) or t.stop(i):
        return
    gap = t.gap(i).strip(" :,-–")
    if gap and not (gap == "." and i > 0 and len(t.raw[i - 1]) <= 4):  # "ул. Ленина", "Dr. X"
        return
    if not first_any and not t.name_like(i):
        return
    while i < len(t) and i - start < limit:
        if i > start and (not t.joined(i) or not (
                t.name_like(i) or (first_any and not t.case_script(i) and not t.known(i)))):
            break
        t.kind[i] = kind
        i += 1


def _cue_rules(t: _Tokens, lex: Lexicon) -> None:
    for i in range(len(t)):
        for phrase in lex.intro:
            if t.match(i, phrase):
                _take(t, i + len(phrase), "name", first_any=True)
                break
        for phrase in lex.weak_intro:
            if t.match(i, phrase):
                colon = i + len(phrase) < len(t) and ":" in t.gap(i + len(phrase))
                _take(t, i + len(phrase), "name", first_any=colon)
                break
        for phrase in lex.signoff + lex.relation:
            if t.match(i, phrase):
                _take(t, i + len(phrase), "name", first_any=False)
                break
        if t.folded[i].rstrip(".") in lex.honorific and i + 1 < len(t):
            _take(t, i + 1, "name", first_any=not t.case_script(i + 1) or t.capitalised(i + 1))
        if t.folded[i] in lex.honorific_after and i > 0 and t.joined(i):
            j = i - 1
            while j >= 0 and i - j <= 2 and not t.stop(j) and (
                    t.name_like(j) or not t.case_script(j)):
                t.kind[j] = "name"
                if not t.joined(j):
                    break
                j -= 1
        for before, after in lex.between:
            if t.match(i, before):
                k = i + len(before)
                for n in (1, 2):
                    if t.match(k + n, after) and all(not t.stop(j) for j in range(k, k + n)):
                        for j in range(k, k + n):
                            if not t.case_script(j) or t.name_like(j) or t.listed_name(j):
                                t.kind[j] = "name"
        for phrase in lex.street_before:
            if t.match(i, phrase):
                _take(t, i + len(phrase), "address", first_any=True, limit=3)
                break
        for phrase in lex.birth:
            if t.match(i, phrase):
                _take(t, i + len(phrase), "date", first_any=True, limit=2)
                break
        _street_after(t, i, lex)


def _street_after(t: _Tokens, i: int, lex: Lexicon) -> None:
    f = t.folded[i]
    nxt = t.text[t.spans[i][1]:].lstrip(" .,")
    followed_by_number = nxt[:1] == _MARK["number"]
    own = f.endswith(lex.street_after) and len(f) > 6
    numbered = f.endswith(lex.street_number_after) and len(f) > 5 and followed_by_number
    separate = f in lex.street_after and i > 0 and t.joined(i) and (
        t.capitalised(i - 1) or not t.case_script(i - 1)) and not t.stop(i - 1)
    if own or numbered or separate:
        t.kind[i] = "address"
    if separate:
        t.kind[i - 1] = "address"


def _word_rules(t: _Tokens, lang: str) -> None:
    """Listed names anywhere; capitalised unknown words where nouns are not capitalised."""
    for i in range(len(t)):
        if t.kind[i]:
            continue
        unknown_capital = (t.capitalised(i) and not t.sentence_start(i) and not t.known(i)
                           and not t.german_noun(i) and (lang != "de" or not _latin(t.raw[i])))
        if unknown_capital or t.listed_name(i):
            t.kind[i] = "name"
    if lang == "de":  # two unknown capitalised words side by side: a full name
        for i in range(1, len(t)):
            pair = (i - 1, i)
            if all(t.capitalised(j) and _latin(t.raw[j]) and not t.known(j)
                   and not t.german_noun(j) for j in pair) and t.joined(i) and (
                    i < 2 or not t.stop(i - 2) or t.sentence_start(i - 1)):
                t.kind[i - 1] = t.kind[i] = t.kind[i - 1] or "name"
    for i in range(1, len(t)):  # a family name after a removed given name
        if t.kind[i - 1] == "name" and not t.kind[i] and t.joined(i) and t.name_like(i):
            t.kind[i] = "name"


def _latin(word: str) -> bool:
    return not any("\u0400" <= ch <= "\u04ff" for ch in word)
