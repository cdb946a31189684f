#!/bin/sh
# The system packages the course's tests and grader use (Debian/Ubuntu package names):
#   bubblewrap  the grading engine's sandbox for student kernels (sae-course autograde)
#   chromium    the browser tests (dashboard, the student's and instructor's JupyterLab)
#   postgresql  the gradebook tests against a real PostgreSQL server
#   nodejs npm  the hub's proxy (configurable-http-proxy, from npm)
# As root with apt-get: installs the missing ones. Otherwise: names what is missing and how to
# install it, and exits 1 (with --warn, used by `make install`: exits 0).
warn=0
[ "${1:-}" = "--warn" ] && warn=1
have() { command -v "$1" >/dev/null 2>&1; }
missing=""
have bwrap || missing="$missing bubblewrap"
have chromium || have chromium-browser || have google-chrome || missing="$missing chromium"
{ have initdb || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing="$missing postgresql"
have node || missing="$missing nodejs"
have npm || missing="$missing npm"
missing="${missing# }"
if [ -z "$missing" ]; then
  echo "system-deps: all present (bubblewrap, chromium, postgresql, nodejs, npm)"
  exit 0
fi
if [ "$(id -u)" = 0 ] && have apt-get; then
  echo "system-deps: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  # shellcheck disable=SC2086
  if apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null; then
    echo "system-deps: installed $missing"
    exit 0
  fi
  echo "system-deps: apt-get could not install: $missing"
else
  echo "system-deps: missing: $missing"
  echo "  Install them as root: sudo make system-deps (Debian/Ubuntu), or: sudo apt-get install $missing"
fi
echo "  Without them: no bubblewrap -> grading stops and says so (or use --no-sandbox); no chromium,"
echo "  postgresql or nodejs/npm -> make test skips the browser, PostgreSQL or hub tests and names them."
[ "$warn" = 1 ] && exit 0
exit 1
