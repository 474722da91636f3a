"""The crisis box in a real browser on a phone (360 px): first on the answer, readable,
110 and 112 first, then the line that fits, axe-core 0 violations in Arabic (RTL) and
German, no sideways scrolling at 320 px (tests/browserkit.py)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from browserkit import assert_no_axe, assert_reflow, screenshot, small_targets

CASES = [
    # (UI language, question, the number that must follow 110 and 112)
    ("ar", "زوجي ضربني وهو يهددني بالسكين", "116 016"),
    ("de", "Meine Frau ist schwanger und blutet stark", "0800 40 40 020"),
]


@pytest.mark.parametrize(("lang", "q", "line"), CASES)
def test_crisis_box_first_and_readable_on_a_phone(live_server, phone, lang, q, line):
    page = phone
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/?" + urlencode({"lang": lang, "kommune": "demo", "q": q}))
    page.wait_for_selector(".crisis")
    box = page.locator(".turn .crisis").first
    assert box.is_visible()
    # first in the answer: above the question and every offer, inside the first screen
    top = box.bounding_box()["y"]
    assert top < page.locator(".turn .you").first.bounding_box()["y"]
    assert top < 740
    numbers = box.locator('a[href^="tel:"]').all_inner_texts()
    assert numbers[:2] == ["110", "112"] and line in numbers, numbers
    # readable: the numbers at least 16 px, nothing cut off or scrolled sideways
    size = box.locator('a[href^="tel:"]').first.evaluate(
        "e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 16
    direction = page.evaluate("document.documentElement.dir")
    assert direction == ("rtl" if lang == "ar" else "ltr")
    assert_no_axe(page, f"crisis box {lang}")
    assert small_targets(page) == []
    screenshot(page, f"crisis-box-{lang}-360")
    assert_reflow(page, 320)
