#!/usr/bin/env bash
# Copy the browser libraries the staff pages use into the static folder, at a pinned version, so
# `make run` works offline and no page loads a script from a CDN. Run it (`make vendor`) only to
# change a version; the copied files are committed.
set -euo pipefail
HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
ECHARTS_VERSION="${ECHARTS_VERSION:-5.6.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# vendor PACKAGE VERSION FOLDER FILE: npm pack PACKAGE@VERSION, copy its FILE and LICENSE into
# retail/static/vendor/FOLDER (with its NOTICE, if any) and record the version there.
vendor() {
  local package="$1" version="$2" folder="$3" file="$4"
  local dest="$ROOT/retail/static/vendor/$folder" unpacked="$WORK/$folder"
  mkdir -p "$unpacked" "$dest"
  (cd "$unpacked" && npm pack --silent "$package@$version" >/dev/null && tar -xzf ./*.tgz)
  cp "$unpacked/package/$file" "$dest/$(basename "$file")"
  cp "$unpacked/package/LICENSE" "$dest/LICENSE"
  if [ -f "$unpacked/package/NOTICE" ]; then cp "$unpacked/package/NOTICE" "$dest/NOTICE"; fi
  printf '%s %s (npm), %s\n' "$package" "$version" "$file" >"$dest/VERSION"
  echo "$package $version copied to ${dest#"$ROOT"/}"
}

vendor htmx.org "$HTMX_VERSION" htmx dist/htmx.min.js
vendor echarts "$ECHARTS_VERSION" echarts dist/echarts.min.js
