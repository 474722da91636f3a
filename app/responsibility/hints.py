"""The hint the newcomer assistant adds when who is responsible depends on the residence status.

Interface for the assistant (call it with the topics of the offers it shows):

    from app.responsibility.hints import hint_for
    hint = hint_for(services.store, ["leistungen"], kommune="demo", lang="ar")
    if hint:  # Hint(matter, text, link_text, href, offices)
        ...  # <p class="notice">{{ hint.text }}
             #   <a href="{{ hint.href }}">{{ hint.link_text }}</a></p>

`hint_for` returns None when the responsible offices for these topics are the
same whatever the residence status. It reads the rules in force (shipped NRW
defaults plus the Kommune's own), so it stays right when editors change them.
`text` and `link_text` are in the current UI language (the request's; or pass
`lang`). `href` points to the volunteer page with the matter and the place
filled in; it carries no personal data. Pass `status` (a code of
`vocab.STATUSES`) only if the person chose one; then `offices` names the
responsible offices for that status.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from app import i18n
from app.responsibility import vocab
from app.responsibility.engine import Place, Query, decide
from app.responsibility.lookup import today
from app.responsibility.repository import cached_rules, revision
from app.responsibility.rules import Rule
from app.responsibility.vocab import N_
from directory.store import Store

#: The age used to ask "does the status matter?" when the person's age is unknown.
TYPICAL_AGE = 30


@dataclass(frozen=True)
class Hint:
    matter: str
    text: str
    link_text: str
    href: str
    offices: tuple[str, ...] = ()  # labels, when a status was given


def _place(store: Store, kommune: str | None) -> Place:
    k = store.kommune(kommune) if kommune else None
    if k is None:  # NRW defaults only
        return Place("", "", "kreis")
    return Place(k.id, k.name, k.kind, gemeinden=tuple(g.id for g in store.gemeinden(k.id)))


def offices_by_status(rules: list[Rule], matter: str, place: Place, age: int) -> dict:
    """{status: sorted office kinds} for every residence status (None where unclear)."""
    out = {}
    for status in vocab.STATUSES:
        d = decide(rules, Query(matter, age, status, None, today()), place)
        out[status] = (tuple(sorted({o.kind for a in d.answers for o in a.offices}))
                       if d.answers and d.outcome == "one" else None)
    return out


_depends: dict[tuple, bool] = {}


def status_matters(store: Store, matter: str, kommune: str | None = None,
                   age: int | None = None) -> bool:
    """True when the responsible offices for this matter differ by residence status."""
    place = _place(store, kommune)
    key = (store.url, revision(store), matter, place, age or TYPICAL_AGE, today())
    if key not in _depends:
        if len(_depends) > 2000:
            _depends.clear()
        kinds = offices_by_status(cached_rules(store), matter, place, age or TYPICAL_AGE)
        _depends[key] = len(set(kinds.values())) > 1
    return _depends[key]


def hint_for(store: Store, topics, *, kommune: str | None = None, gemeinde: str | None = None,
             lang: str | None = None, status: str | None = None,
             age: int | None = None) -> Hint | None:
    """A hint for the first matter of these topics whose responsibility depends on the status."""
    lang = lang if lang in i18n.UI_LANGUAGES else i18n.current_language()
    tr = i18n.translations(lang).gettext
    matters = [m for t in topics for m in vocab.TOPIC_MATTERS.get(t, ())]
    for matter in dict.fromkeys(matters):
        if not status_matters(store, matter, kommune, age):
            continue
        params = {"matter": matter, "lang": lang}
        if kommune:
            params["kommune"] = kommune
        if gemeinde:
            params["gemeinde"] = gemeinde
        offices: tuple[str, ...] = ()
        if status in vocab.STATUSES:
            rules = cached_rules(store)
            d = decide(rules, Query(matter, age, status, None, today()), _place(store, kommune))
            if d.outcome == "one":
                offices = tuple(tr(vocab.OFFICE_KINDS[o.kind].label)
                                for a in d.answers for o in a.offices)
        label = tr(vocab.MATTERS[matter].label)
        # the literal marks the msgid for extraction; `tr` translates into `lang`
        text = tr(N_("Who is responsible for “%(matter)s” depends on the residence "
                    "status.")) % {"matter": label}
        return Hint(matter, text, tr(N_("Find out who is responsible")),
                    "/responsibility?" + urlencode(params), offices)
    return None
