#!/usr/bin/env bash
# Copy the browser libraries the staff pages use into the static folder, at a pinned version, so
# `make run` works offline and no page loads a script from a CDN. Run it (`make vendor`) only to
# change a version; the copied files are committed.
set -euo pipefail
HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/retail/static/vendor/htmx"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "htmx.org@$HTMX_VERSION" >/dev/null && tar -xzf htmx.org-*.tgz)
mkdir -p "$DEST"
cp "$WORK/package/dist/htmx.min.js" "$DEST/htmx.min.js"
cp "$WORK/package/LICENSE" "$DEST/LICENSE"
printf 'htmx.org %s (npm), dist/htmx.min.js\n' "$HTMX_VERSION" >"$DEST/VERSION"
echo "htmx.org $HTMX_VERSION copied to ${DEST#"$ROOT"/}"
