"""The conversation's pages: language, place, question, clarifying question, answer.

Every step is a plain form (GET `/`, POST `/conversation/...` then 303 back
to `/`), so the whole conversation works without JavaScript; htmx sends the
same forms and gets the `conversation` block of `index.html` back (or
`choices` for place suggestions). `GET /?kommune=ID&q=TEXT` (DESIGN.md)
answers at once. The state lives on the server (`app.assistant.state`);
questions never go into a URL the assistant makes.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from app.assistant import dialogue, state
from app.assistant.places import gazetteer
from app.assistant.state import Chat
from app.assistant.views import page_data
from app.referrals.routes import PREFILL_PROVIDERS
from app.responsibility.place import Place
from app.web.csrf import same_origin
from app.web.deps import ServicesDep
from app.web.rendering import is_htmx, render
from index.shards import NATIONAL

router = APIRouter(include_in_schema=False)
LANG_COOKIE = "lotse_lang"


def _services(request: Request):
    return request.app.state.services


def _set_place(chat: Chat, place: Place) -> None:
    chat.kommune_id, chat.gemeinde_id, chat.place_unknown = (
        place.kommune_id, place.gemeinde_id, False)


def _kommune_place(services, kommune_id: str) -> Place | None:
    k = services.store.kommune(kommune_id)
    if k is None:
        return None
    gemeinden = services.store.gemeinden(k.id)
    only = gemeinden[0].id if len(gemeinden) == 1 else None
    return Place(k.id, k.name, k.kind, only)


def _show(request: Request, chat: Chat | None, *, status_code: int = 200, **extra):
    """The page (or, for htmx, the conversation block) for the conversation as it is."""
    data = page_data(request, _services(request), chat, **extra)
    response = render(request, "index.html", data, block="conversation", status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def _done(request: Request, chat: Chat, anchor: str = "", block: str = "conversation",
          turn: int | None = None, **extra):
    """After a step: htmx gets the new block (the whole conversation, or only the turn that
    changed: a slow connection need not load every earlier answer again), a plain form a
    redirect to the page (PRG)."""
    if is_htmx(request) and turn is not None:
        data = page_data(request, _services(request), chat, only_turn=turn, **extra)
        response = render(request, "index.html", data, block=block)
        response.headers["Cache-Control"] = "no-store"
    elif is_htmx(request):
        response = _show(request, chat, **extra)
    else:
        response = RedirectResponse("/" + anchor, status_code=303)
    state.save(_services(request), request, response, chat)
    return response


def _refused(request: Request) -> Response | None:
    if not same_origin(request):
        return _show(request, None, status_code=403, notice="refused")
    return None


@router.get("/")
def start(request: Request, services: ServicesDep,
          q: str | None = Query(None, max_length=2000),
          kommune: str | None = Query(None, max_length=60),
          age: str | None = Query(None, max_length=10),
          deleted: str | None = Query(None, max_length=2)):
    chat = state.load(services, request)
    errors: list[str] = []
    if kommune:
        place = _kommune_place(services, kommune)
        if place is None:
            errors.append("kommune")
        else:
            chat = chat or Chat()
            if chat.kommune_id != place.kommune_id:
                _set_place(chat, place)
    if age and age.strip():
        value = age.strip()
        if value.isdigit() and int(value) <= 120:
            chat = chat or Chat()
            chat.age = int(value)
        else:
            errors.append("age")
    question = (q or "").strip()
    if question and not errors:
        chat = chat or Chat()
        if not chat.has_place:
            chat.place_unknown = True
        dialogue.run_turn(services, chat, question, request.state.lang)
    data_q = question if errors else ""
    response = _show(request, chat, errors=errors, q=data_q, age=age or "",
                     notice="deleted" if deleted == "1" and chat is None else None,
                     answer_only=bool(question and not errors))
    if chat is not None and (question or kommune or age) and not errors:
        state.save(services, request, response, chat)
    return response


@router.get("/conversation/places")
def suggest(request: Request, services: ServicesDep, place: str = Query("", max_length=200)):
    """Places matching what was typed (htmx: the `choices` block under the field)."""
    choices = gazetteer(services.store).suggest(place) if place.strip() else []
    data = page_data(request, services, None, place_text=place, choices=choices,
                     suggesting=True)
    return render(request, "index.html", data, block="choices")


@router.post("/conversation/place")
def choose_place(request: Request, services: ServicesDep, place: str = Form("", max_length=200),
                 place_id: str = Form("", max_length=60), unknown: str = Form(""),
                 change: str = Form("")):
    if (refused := _refused(request)) is not None:
        return refused
    chat = state.load(services, request) or Chat()
    gaz = gazetteer(services.store)
    if change:
        chat.kommune_id = chat.gemeinde_id = None
        chat.place_unknown = False
        for kind in ("place", "gemeinde"):
            if kind in chat.asked:
                chat.asked.remove(kind)
        return _done(request, chat)
    if unknown:
        chat.kommune_id = chat.gemeinde_id = None
        chat.place_unknown = True
        return _done(request, chat)
    chosen = gaz.by_key(place_id) if place_id else None
    choices: list[Place] = []
    if chosen is None and place.strip():
        chosen, choices = gaz.resolve(place)
    if chosen is None:  # not found or not one place: "did you mean", input kept
        return _show(request, chat, place_text=place, choices=choices,
                     place_error="ambiguous" if choices else "unknown",
                     status_code=200 if is_htmx(request) else 422)
    _set_place(chat, chosen)
    if chat.turns and chat.turns[-1]["ask"] in ("place", "gemeinde"):
        last = len(chat.turns) - 1  # the place answers the open question: answer again
        dialogue.run_turn(services, chat, chat.turns[last]["q"], request.state.lang, last)
    return _done(request, chat)


@router.post("/conversation/ask")
def ask(request: Request, services: ServicesDep, q: str = Form("", max_length=2000)):
    if (refused := _refused(request)) is not None:
        return refused
    chat = state.load(services, request) or Chat()
    if not q.strip():
        response = _show(request, chat, errors=["q"],
                         status_code=200 if is_htmx(request) else 422)
        response.headers["HX-Retarget"] = "#conversation"  # the form shows the error
        response.headers["HX-Reswap"] = "outerHTML"
        return response
    if not chat.has_place:
        chat.place_unknown = True
    i = dialogue.run_turn(services, chat, q, request.state.lang)
    return _done(request, chat, f"#turn-{i}", block="newturn", turn=i)


@router.post("/conversation/reply")
def reply(request: Request, services: ServicesDep, kind: str = Form("", max_length=20),
          value: str = Form("", max_length=60), turn: int = Form(-1, ge=-1, le=100)):
    """The answer to a clarifying question; the question of that turn is answered again."""
    if (refused := _refused(request)) is not None:
        return refused
    chat = state.load(services, request)
    if chat is None or not (0 <= turn < len(chat.turns)):
        return _show(request, chat, notice="expired")
    if kind == "age":
        ages = {str(a) for _label, a in dialogue.AGE_BANDS}
        chat.age = int(value) if value in ages else None
    elif kind == "status":
        ok = value in dialogue.STATUS_CHOICES
        chat.status = value if ok else dialogue.NOT_SAID
    elif kind == "gemeinde":
        place = gazetteer(services.store).by_key(value)
        if place is not None and place.kommune_id == chat.kommune_id:
            chat.gemeinde_id = place.gemeinde_id
    else:
        return _show(request, chat)
    if kind not in chat.asked:
        chat.asked.append(kind)
    dialogue.run_turn(services, chat, chat.turns[turn]["q"], request.state.lang, turn)
    return _done(request, chat, f"#turn-{turn}", block="oneturn", turn=turn)


@router.post("/conversation/feedback")
def feedback(request: Request, services: ServicesDep, turn: int = Form(-1, ge=-1, le=100),
             helped: str = Form("", max_length=3)):
    from app.analytics.record import record_feedback

    if (refused := _refused(request)) is not None:
        return refused
    chat = state.load(services, request)
    if chat is None or not (0 <= turn < len(chat.turns)) or helped not in ("yes", "no"):
        return _show(request, chat, notice="expired")
    t = chat.turns[turn]
    if t["helped"] is None:
        record_feedback(services, t["answer_id"], helped == "yes")
        t["helped"] = helped == "yes"
    if is_htmx(request):
        data = page_data(request, services, chat, feedback_turn=turn, only_turn=turn)
        response = render(request, "index.html", data, block="feedback")
        state.save(services, request, response, chat)
        return response
    return _done(request, chat, f"#turn-{turn}")


@router.post("/conversation/delete")
def delete(request: Request, services: ServicesDep):
    """"Delete this conversation": the row and the cookie are gone at once."""
    if (refused := _refused(request)) is not None:
        return refused
    response = RedirectResponse("/?deleted=1", status_code=303)
    state.forget(services, request, response)
    return response


def prefill(request: Request) -> dict:
    """The referral form's prefill from the conversation (only when the assistant sent the
    person there): the question of the answer the link was under (its per-answer id in the
    URL; else the last one) as the message, its topics, the Kommune, Gemeinde and age."""
    if request.query_params.get("from") != "assistant":
        return {}
    chat = state.load(_services(request), request)
    if chat is None or not chat.turns:
        return {}
    answer = request.query_params.get("answer")
    turn = next((t for t in reversed(chat.turns) if answer and t.get("answer_id") == answer),
                chat.turns[-1])
    # the question's topics; a follow-up without one ("and where?") keeps the earlier ones
    out: dict = {"message": turn["q"], "topics": turn.get("asked_topics") or chat.topics()[:2]}
    if chat.kommune_id and chat.kommune_id != NATIONAL:
        out["kommune"] = chat.kommune_id
    if chat.gemeinde_id:
        out["gemeinde"] = chat.gemeinde_id
    if (age := dialogue.stated_age(chat)) is not None:  # an age band is no age
        out["age"] = str(age)
    if chat.status and chat.status != dialogue.NOT_SAID:  # the status the person chose
        out["residence_status"] = chat.status
    return out


PREFILL_PROVIDERS.append(prefill)
