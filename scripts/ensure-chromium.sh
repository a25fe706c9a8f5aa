#!/usr/bin/env bash
# The docs' browser test drives Debian's chromium (playwright-core brings no browser, and a
# browser download of its own would need a network that CI does not have). Installs it when it
# is missing; needs root and the Debian mirrors, as CI has.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ensure-chromium: $CHROMIUM is missing; install Debian's chromium package (apt-get install chromium) as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version
