"""Render the app icon (app/static/icons/icon.svg) to the PNGs the web app manifest names.

Run once after changing the SVG: `.venv/bin/python tests/make_icons.py`. Uses Debian
chromium through Playwright (no image library, nothing downloaded); the PNGs are committed.
"""

from __future__ import annotations

from pathlib import Path

from browserkit import ARGS, CHROMIUM

ICONS = Path(__file__).resolve().parent.parent / "app" / "static" / "icons"
SIZES = (192, 512)


def main() -> None:
    from playwright.sync_api import sync_playwright

    svg = (ICONS / "icon.svg").read_text(encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for size in SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            sized = svg.replace("<svg ", f"<svg width={size} height={size} ", 1)
            page.set_content(f'<body style="margin:0">{sized}</body>')
            page.screenshot(path=str(ICONS / f"icon-{size}.png"), omit_background=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
