"""Write requirements.lock: every package of the virtualenv, pinned, with the sha256 of the
file pip installs (SEC-21). Run by `make lock` after a change of pyproject.toml's pins:

    pip freeze --all --exclude-editable | grep -v '^pip==' > freeze.txt  (setuptools too)
    pip install --dry-run --ignore-installed --no-deps --report report.json -r freeze.txt
    python .ci/lock.py report.json > requirements.lock
"""

import json
import sys

report = json.load(open(sys.argv[1]))
print("# Locked, hashed dependencies of KIM-Lotse (SEC-21), written by `make lock`.")
print("# `make install` installs exactly these with `pip --require-hashes`, then the project.")
for item in sorted(report["install"], key=lambda i: i["metadata"]["name"].lower()):
    meta, info = item["metadata"], item["download_info"]
    hashes = info.get("archive_info", {}).get("hashes", {})
    if "sha256" not in hashes:
        sys.exit(f"no sha256 for {meta['name']} ({info['url']})")
    print(f"{meta['name']}=={meta['version']} \\\n    --hash=sha256:{hashes['sha256']}")
