#!/usr/bin/env bash
# Installs what the browser, HTML and accessibility tests need beyond Python packages:
#   - Debian's chromium, which Playwright drives (never `playwright install`: it downloads a browser)
#   - a Java runtime for the Nu Html Checker
#   - the npm tools pinned in tests/tools/package-lock.json (vnu-jar, axe-core)
# Safe to run again: it installs only what is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-tools: please install these Debian packages: ${need[*]}" >&2; exit 1
  fi
  echo "install-tools: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -f "$here/tools/node_modules/vnu-jar/build/dist/vnu.jar" ] || [ ! -f "$here/tools/node_modules/axe-core/axe.min.js" ]; then
  (cd "$here/tools" && npm ci --silent --no-audit --no-fund)
fi
