#!/usr/bin/env bash
# Measures the console in a real window under Xvfb: time from launch to the first aircraft on the
# map (the console prints it), and resident memory after the fleet has flown for a while.
# Usage: scripts/measure-console.sh [AIRCRAFT=100] [SECONDS=30] [BINARY=target/release/kestrel]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
SECS=${2:-30}
BIN=${3:-target/release/kestrel}
[ -x "$BIN" ] || { echo "build $BIN first (cargo build --release)" >&2; exit 1; }
DISPLAY_NO=$((100 + RANDOM % 100))
TMP=$(mktemp -d)
export XDG_RUNTIME_DIR="$TMP/run" XDG_CONFIG_HOME="$TMP/config" XDG_DATA_HOME="$TMP/data" XDG_CACHE_HOME="$TMP/cache"
mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
Xvfb ":$DISPLAY_NO" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
cleanup() { kill "$APP" 2>/dev/null || true; kill "$XVFB" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
sleep 1
DISPLAY=":$DISPLAY_NO" "$BIN" console --demo "$N" --no-tlog 2>"$TMP/stderr" &
APP=$!
for _ in $(seq 1 300); do
  grep -q "first aircraft on the map" "$TMP/stderr" && break
  sleep 0.1
done
grep "first aircraft on the map" "$TMP/stderr" || { echo "no aircraft drawn:"; cat "$TMP/stderr"; exit 1; }
sleep "$SECS"
echo "aircraft: $N, after ${SECS} s:"
grep -E "VmRSS|VmHWM" "/proc/$APP/status"
ps -o pid,pcpu,rss,cmd -p "$APP" | tail -1
