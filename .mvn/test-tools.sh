#!/usr/bin/env bash
# Installs what the tests need when it is missing: promtool (Debian's prometheus) and a real
# headless Chromium with its driver for the dashboard tests, HAProxy for the fleet test. Run by the
# build before those tests (and by CI). It never fails the build itself: a test whose tool is still
# missing fails and says what to install.
set -u
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "strangler: the tests need ${need[*]} (promtool, chromium, chromedriver, haproxy); install them" >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "strangler: the tests need: apt-get install -y ${need[*]}" >&2
  exit 0
fi
echo "strangler: installing ${need[*]} for the tests" >&2
$sudo apt-get update -qq >/dev/null 2>&1
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
  || echo "strangler: could not install ${need[*]}; the tests will say what is missing" >&2
exit 0
