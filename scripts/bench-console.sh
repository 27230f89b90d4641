#!/bin/sh
# What the console costs to draw, under Xvfb (software rendering, like a laptop without a GPU
# driver): frames per second, CPU of the whole process and memory, at idle (a link, no aircraft)
# and with 100 simulated aircraft. Usage: scripts/bench-console.sh [KESTREL_BINARY] [SECONDS]
set -eu
bin=${1:-target/release/kestrel}
secs=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {
    label=$1
    shift
    printf '%-28s ' "$label"
    HOME="$work/home" xvfb-run -a -s "-screen 0 1280x800x24" \
        "$bin" --data-dir "$work/data" console --settings "$work/console.json" --no-tlog \
        --frame-report "$secs" "$@" 2>"$work/stderr" | grep 'kestrel: frames' | sed 's/^kestrel: //' \
        || { echo "failed:"; cat "$work/stderr"; exit 1; }
}
run "idle (no aircraft)" --link udpin:127.0.0.1:0
# 100 aircraft from the simulator in another process (no video), as a fleet would be heard.
sim=$(dirname "$bin")/kestrel-sim
port=$((20000 + $$ % 20000))
"$sim" --vehicles 100 --udp "127.0.0.1:$port" >/dev/null 2>&1 &
simpid=$!
trap 'kill $simpid 2>/dev/null; rm -rf "$work"' EXIT
run "100 aircraft (simulator)" --link "udpin:127.0.0.1:$port"
