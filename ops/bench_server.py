"""The server half of `lotse bench`: one synthetic directory served over HTTP by a process
of its own, as `lotse serve` would serve it.

`lotse bench` builds the index, saves it to a folder and starts this module with the
same settings and size; it makes the same synthetic offers, loads the saved index
(the fingerprint must match: nothing is encoded here) and serves the app with uvicorn
on 127.0.0.1. The HTTP client then runs in the bench process, so client and server do
not share one interpreter lock, which would charge the server for the client's work.

    python -m ops.bench_server SETTINGS.json SIZE INDEX_DIR PORT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.settings import Settings


def main(argv: list[str]) -> int:
    import uvicorn

    from app.main import create_app, open_store
    from app.services import Services, encoder_for
    from index.cache import EmbeddingCache
    from index.engine import SearchEngine
    from ops.bench import synthetic_offers

    settings_file, size, folder, port = argv
    settings = Settings.model_validate(json.loads(Path(settings_file).read_text()))
    store = open_store(settings)
    offers, _ = synthetic_offers(store, int(size))
    engine = SearchEngine(encoder_for(settings), cache=EmbeddingCache(None))
    if engine.open(offers, Path(folder)):
        print("bench server: the saved index did not match; it was built anew", file=sys.stderr)
    services = Services(settings, store, engine, ready=True)
    uvicorn.run(create_app(settings, services), host="127.0.0.1", port=int(port),
                log_level="warning")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
