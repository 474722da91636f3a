"""Reference data and Kommune settings: admins edit Kommunen, Gemeinden, mailbox and KI;
editors of a Kommune read them; another Kommune is 404; changes survive a reload of the
reference files; everything validated and audited."""

from __future__ import annotations

from sqlalchemy import select
from staffkit import add_user, csrf_of, login, staff_client
from test_offer_pages import post

from app.staff.models import AuditEntry
from directory.models import Gemeinde, Kommune

KI = {"ki_name": "Kommunales Integrationszentrum Musterland", "ki_email": "ki@example.org",
      "ki_phone": "02151 000000", "ki_street": "Rathausplatz 1", "ki_postal_code": "12345",
      "ki_city": "Musterstadt", "case_management_email": "kim@example.org"}


def admin(make_light_client):
    c, _, _ = staff_client(make_light_client, "admin.nrw", ("admin",), None)
    return c


def kommune(c, kommune_id="demo") -> Kommune:
    with c.app.state.services.store.session() as s:
        return s.get(Kommune, kommune_id)


def reference_form(c, kommune_id, **over):
    k = kommune(c, kommune_id)
    return {"name": k.name, "kind": k.kind, "regierungsbezirk": k.regierungsbezirk,
            "ags": k.ags or "", **KI, **over}


def test_admin_sets_mailbox_and_ki_and_editors_read_them(make_light_client):
    c = admin(make_light_client)
    token = csrf_of(c, "/staff/kommunen/demo")
    r = post(c, "/staff/kommunen/demo", [("csrf_token", token), *reference_form(c, "demo")
                                          .items()])
    assert r.status_code == 303, r.text
    k = kommune(c)
    assert k.ki_name == KI["ki_name"] and k.case_management_email == "kim@example.org"
    assert k.edited_at is None  # settings only: the reference row still follows the files
    assert "Kommunen, Gemeinden" in c.get("/staff").text
    assert len(c.get("/staff/kommunen").text.split("/staff/kommunen/")) > 50
    uid, secret = add_user(c, "ed.demo", ("editor",), "demo")
    c.cookies.clear()
    assert login(c, "ed.demo", secret).status_code == 303
    page = c.get("/staff/kommunen/demo")
    assert page.status_code == 200 and "ki@example.org" in page.text
    assert '<form method="post" action="/staff/kommunen/demo"' not in page.text
    assert c.get("/staff/kommunen/duesseldorf").status_code == 404
    assert "duesseldorf" not in c.get("/staff/kommunen").text
    token = csrf_of(c)
    assert post(c, "/staff/kommunen/demo", [("csrf_token", token), *KI.items()]
                ).status_code == 403


def test_settings_are_validated_next_to_the_field(make_light_client):
    c = admin(make_light_client)
    token = csrf_of(c, "/staff/kommunen/demo")
    form = reference_form(c, "demo", ki_email="kein-mail", ki_postal_code="1234", name="")
    r = post(c, "/staff/kommunen/demo", [("csrf_token", token), *form.items()])
    assert r.status_code == 422
    assert 'id="ki_email-error">Bitte geben Sie eine E-Mail-Adresse' in r.text
    assert 'id="ki_postal_code-error"' in r.text and 'id="name-error"' in r.text
    assert 'value="kein-mail"' in r.text  # input kept
    assert kommune(c).ki_email is None


def test_admin_changes_survive_a_reload_of_the_reference_files(make_light_client):
    c = admin(make_light_client)
    token = csrf_of(c)
    form = reference_form(c, "duesseldorf", name="Landeshauptstadt Düsseldorf")
    assert post(c, "/staff/kommunen/duesseldorf", [("csrf_token", token), *form.items()]
                ).status_code == 303
    r = post(c, "/staff/kommunen/demo/gemeinden/demo-probehausen",
             [("csrf_token", token), ("name", "Probehausen (Stadt)"), ("status", "stadt")])
    assert r.status_code == 303
    r = post(c, "/staff/kommunen/demo/gemeinden",
             [("csrf_token", token), ("id", "demo-neudorf"), ("name", "Neudorf"),
              ("status", "gemeinde")])
    assert r.status_code == 303
    r = post(c, "/staff/kommunen/demo/gemeinden",
             [("csrf_token", token), ("id", "demo-neudorf"), ("name", "Noch mal"),
              ("status", "gemeinde")])
    assert r.status_code == 422 and "gibt es schon" in r.text
    store = c.app.state.services.store
    store.init()  # start-up reloads the reference files
    assert kommune(c, "duesseldorf").name == "Landeshauptstadt Düsseldorf"
    with store.session() as s:
        assert s.get(Gemeinde, "demo-probehausen").name == "Probehausen (Stadt)"
        assert s.get(Gemeinde, "demo-neudorf").kommune_id == "demo"
        actions = set(s.scalars(select(AuditEntry.action)))
    assert {"kommune.update", "gemeinde.update", "gemeinde.create"} <= actions
    page = c.get("/staff/offers/new", params={"kommune": "demo"})
    assert "Neudorf" in page.text  # editors can now name the new Gemeinde


def test_a_kommune_bound_admin_sets_only_its_own_settings(make_light_client):
    c, _, _ = staff_client(make_light_client, "admin.demo", ("admin",), "demo")
    token = csrf_of(c, "/staff/kommunen/demo")
    form = {**KI, "name": "Umbenannt"}
    assert post(c, "/staff/kommunen/demo", [("csrf_token", token), *form.items()]
                ).status_code == 303
    assert kommune(c).ki_city == "Musterstadt" and kommune(c).name != "Umbenannt"
    assert post(c, "/staff/kommunen/duesseldorf", [("csrf_token", token), *form.items()]
                ).status_code == 404
    assert post(c, "/staff/kommunen/demo/gemeinden", [
        ("csrf_token", token), ("id", "demo-x"), ("name", "X"), ("status", "gemeinde")]
    ).status_code == 403
