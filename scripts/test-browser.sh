#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser tests (test/explorer: the explorer's
# pages, driven by playwright-core; never a browser Playwright downloads). Installs it with apt-get
# when /usr/bin/chromium is missing. Run as root (CI and the development machines are), or with
# sudo available. Without it the browser tests are skipped, each listed at the end of the run.
#   bash scripts/test-browser.sh
set -uo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)" >&2
  exit 0
fi
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "installing chromium with apt-get (for the browser tests)" >&2
if ! $SUDO apt-get install -y -q chromium >/dev/null 2>&1; then
  # A fresh machine has no package lists yet (or stale ones).
  $SUDO apt-get update -q >/dev/null 2>&1
  if ! $SUDO apt-get install -y -q chromium >&2; then
    echo "could not install chromium: the browser tests will be skipped" >&2
    exit 0
  fi
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)" >&2
