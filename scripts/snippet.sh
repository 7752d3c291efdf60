#!/usr/bin/env bash
# Regenerates the served browser snippet (tracker.min.js) from its source with terser from npm, after an edit of
# tracker-server/src/main/resources/snippet/tracker.js. `make test` fails while the two disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=tracker-server/target/node-clients
mkdir -p "$dir"
[ -d "$dir/node_modules/terser" ] || npm install --no-save --no-audit --no-fund --prefix "$dir" terser@5.51.4 >/dev/null
src=tracker-server/src/main/resources/snippet
NODE_PATH="$dir/node_modules" node scripts/minify-snippet.js "$src/tracker.js" > "$src/tracker.min.js.tmp"
mv "$src/tracker.min.js.tmp" "$src/tracker.min.js"
echo "tracker.min.js: $(wc -c < "$src/tracker.min.js") bytes, $(gzip -9c "$src/tracker.min.js" | wc -c) gzipped"
