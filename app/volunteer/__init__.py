"""Pages for volunteers and for everyone: browse, printable sheets, share links and QR codes,
the installable web app (manifest, service worker, saved offers) and the accessibility
statement with its Leichte Sprache explanation."""
