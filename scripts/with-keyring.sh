#!/usr/bin/env bash
# Runs a command inside a private D-Bus session bus with its own unlocked gnome-keyring, so that
# keychain tests talk to a real Secret Service without touching the user's own keyring.
# Where gnome-keyring is not installed, the command still runs and keychain tests skip themselves
# (BATON_KEYCHAIN_TESTS=skip) after one line saying how to enable them.
set -euo pipefail

if [ "${BATON_KEYCHAIN_TESTS:-}" = "1" ] && [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then
  exec "$@" # already inside a keyring session
fi

if ! command -v gnome-keyring-daemon >/dev/null 2>&1 || ! command -v dbus-run-session >/dev/null 2>&1; then
  echo "keychain tests: SKIPPED - gnome-keyring is not installed (Debian/Ubuntu: apt-get install -y --no-install-recommends gnome-keyring libsecret-tools dbus)" >&2
  export BATON_KEYCHAIN_TESTS=skip
  exec "$@"
fi

keyring_dir=$(mktemp -d "${TMPDIR:-/tmp}/baton-keyring.XXXXXX")
trap 'rm -rf "$keyring_dir"' EXIT
export BATON_KEYRING_DIR="$keyring_dir"

# The keyring password is throwaway: the keyring lives in a temp dir removed on exit.
dbus-run-session -- bash -c '
  set -euo pipefail
  printf %s "baton-test-keyring" |
    XDG_DATA_HOME="$BATON_KEYRING_DIR" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      export BATON_KEYCHAIN_TESTS=1
      exec "$@"
    fi
    sleep 0.1
  done
  echo "keychain tests: gnome-keyring did not claim org.freedesktop.secrets within 10 s" >&2
  exit 1
' bash "$@"
