#!/bin/bash
# Run zotero/dataserver's own API tests (tests/remote, mocha) against `zotmark sandbox`.
#
#   benchmarks/dataserver_suite/run.sh REMOTE_DIR [NAME ...]
#
# REMOTE_DIR is the tests/remote directory of a zotero/dataserver checkout after `npm install`;
# NAME picks tests/3/NAME.test.js (default: the 13 files of issue 14 and the annotations). Each
# file runs against a fresh sandbox on an ephemeral 127.0.0.1 port; sandbox-adapter.mjs maps the
# suite's root/admin calls onto /_sandbox/. Results: $RESULTS (default ./results here), one
# mocha JSON report and log per file, and a summary line per file on stdout.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
remote=$(cd "${1:?usage: run.sh REMOTE_DIR [NAME ...]}" && pwd)
shift
names=${*:-item collection creator search settings sort params tag version object relation note permissions annotation}
results=${RESULTS:-$here/results}
mkdir -p "$results"
export SCHEMA_JSON="$repo/src/zotmark/data/zotero-schema.json"
cd "$remote" || exit 1
for name in $names; do
  out=$results/$name
  "$repo/.venv/bin/zotmark" sandbox --port 0 > "$out.sandbox.json" 2> "$out.sandbox.err" &
  sandbox=$!
  for _ in $(seq 150); do [ -s "$out.sandbox.json" ] && break; sleep 0.2; done
  if [ ! -s "$out.sandbox.json" ]; then
    echo "$name: the sandbox did not start in 30 s (see $out.sandbox.err)"
    kill "$sandbox" 2>/dev/null
    continue
  fi
  url=$("$repo/.venv/bin/python" -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$out.sandbox.json")
  cat > config/local.json <<JSON
{ "apiURLPrefix": "$url/", "rootUsername": "root", "rootPassword": "root", "userID": 11, "libraryID": 11, "userID2": 12 }
JSON
  SANDBOX_URL=$url npx mocha --require "$here/sandbox-adapter.mjs" "tests/3/$name.test.js" \
    --timeout 30000 --reporter json --reporter-option "output=$out.json" > "$out.log" 2>&1
  kill "$sandbox"
  wait "$sandbox" 2>/dev/null
  node "$here/summary.cjs" "$out.json" 2>/dev/null || echo "$name: no mocha report (see $out.log)"
done
