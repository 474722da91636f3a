"""The floor of `lotse bench`: the bare query encoding, as plain sentence-transformers does it.

The HTTP search is judged against what sentence-transformers itself needs to encode the
same question with the same model folder, in a process of its own (so that neither
shares an interpreter, a thread pool or a cache with the server). `lotse bench` starts
this module, writes one question per line (JSON strings) to its standard input and
reads back the milliseconds of each `SentenceTransformer.encode` call, taking turns
with the HTTP requests so that both see the same machine at the same moment.

    python -m ops.bench_floor MODEL_FOLDER
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(argv[0], device="cpu")
    prompt = "query" if "query" in (model.prompts or {}) else None
    for text in ("warm up", "noch einmal warm werden"):
        model.encode([text], prompt_name=prompt, normalize_embeddings=True)
    print("ready", flush=True)
    for line in sys.stdin:
        question = json.loads(line)
        t = time.perf_counter()
        model.encode([question], prompt_name=prompt, normalize_embeddings=True,
                     convert_to_numpy=True, show_progress_bar=False)
        print(round((time.perf_counter() - t) * 1000, 3), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
