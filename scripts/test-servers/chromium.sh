#!/bin/sh
# Debian's Chromium for the browser tests (tests/browser: Playwright drives /usr/bin/chromium;
# the playwright package comes from the testing extra, never `playwright install`).
set -eu

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "chromium.sh: install chromium (apt-get install chromium) to run the browser tests"
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium
