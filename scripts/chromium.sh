#!/usr/bin/env bash
# Debian's Chromium for the browser tests (the snippet, the dashboard): `scripts/chromium.sh install` puts
# /usr/bin/chromium on the machine when it is missing; the tests drive it headless with playwright-core from npm.
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=chromium
PIDFILE=/dev/null
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
case "${1:-install}" in
  install)
    if ! command -v chromium >/dev/null; then
      log "installing Debian's chromium"
      apt_install chromium fonts-liberation
    fi
    log "$(chromium --version 2>/dev/null | head -1)"
    ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
