"""The installable web app in Debian chromium: manifest with local icons, the service worker
from / scope, "Save on this phone" and reading saved offers without a connection."""

from __future__ import annotations

import json

from browserkit import Traffic, assert_no_axe, screenshot


def test_manifest_names_the_app_in_the_readers_language(live_server):
    import httpx

    r = httpx.get(f"{live_server.url}/manifest.webmanifest?lang=ar")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/manifest+json")
    m = json.loads(r.text)
    assert m["lang"] == "ar" and m["dir"] == "rtl" and m["start_url"] == "/?lang=ar"
    assert m["scope"] == "/" and m["display"] == "standalone"
    assert m["name"] != "KIM-Lotse – finding help in your Kommune"  # translated
    for icon in m["icons"]:
        assert icon["src"].startswith("/static/icons/")
        got = httpx.get(live_server.url + icon["src"])
        assert got.status_code == 200 and got.headers["content-type"] == icon["type"]
    sw = httpx.get(f"{live_server.url}/sw.js")
    assert sw.status_code == 200 and "javascript" in sw.headers["content-type"]
    assert "default-src 'self'" in sw.headers["content-security-policy"]


def test_saved_offer_is_readable_offline(live_server, browser):
    offer = live_server.store.offers("demo")[0]
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    traffic = Traffic(context)
    page.goto(f"{live_server.url}/offer/{offer.id}?lang=ar")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    page.reload()  # now the worker controls the page
    page.click("[data-save]")
    page.locator("[data-save-status]:not(:empty)").wait_for()
    title = page.inner_text("h1")

    context.set_offline(True)
    page.goto(f"{live_server.url}/offer/{offer.id}?lang=ar")
    assert page.inner_text("h1") == title
    assert page.locator("link[href='/static/app.css']").count() == 1
    assert page.evaluate("getComputedStyle(document.body).margin") == "0px"  # CSS from cache
    page.goto(f"{live_server.url}/saved?lang=ar")
    page.locator(".saved-list a").first.wait_for()
    assert page.inner_text(".saved-list a") == title
    assert_no_axe(page, "saved offline ar")
    screenshot(page, "saved-ar-phone-offline")
    page.goto(f"{live_server.url}/browse?lang=ar&topic=jmd")  # never saved
    assert page.locator("h1").count() == 1 and "/saved" in page.inner_html("main")
    assert_no_axe(page, "offline page ar")
    screenshot(page, "offline-ar-phone")

    page.goto(f"{live_server.url}/saved?lang=ar")
    page.click(".saved-list button")
    page.locator(".saved-list li").wait_for(state="detached")
    context.set_offline(False)
    assert traffic.foreign() == []
    context.close()


def test_chromium_finds_the_app_installable(live_server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/?lang=fa")
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"].endswith("/manifest.webmanifest?lang=fa")
    found = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    errors = {e["errorId"] for e in found}
    assert errors <= {"in-incognito"}, errors  # test contexts are incognito profiles
    context.close()
