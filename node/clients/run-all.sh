#!/usr/bin/env bash
# Driver for the real-client end-to-end tests.
#
#   bash node/clients/run-all.sh [--gloam PATH_TO_GLOAM_BINARY] [--quick]
#
# Starts anvil (reference) on a free port and the node under test:
#   --gloam PATH : PATH node --dev --datadir $(mktemp -d) --rpc-addr 127.0.0.1:0 --chain-id 1337,
#                  whose stdout must contain a line "rpc: http://127.0.0.1:PORT" (and may contain
#                  "ws: ws://127.0.0.1:PORT");
#   otherwise    : a second anvil stands in for gloam, so the whole kit can be validated.
# Then runs, continuing past failures:
#   e2e_ethers (node under test), e2e_web3 (node under test), diff_anvil (node under test vs anvil),
#   load (node under test, 5 s), rpc_throughput on both (10,000 transfers; 1,000 with --quick)
# and prints one summary line per step plus the gloam/anvil tx/s ratio. Exits non-zero if any step
# failed. Both nodes are killed on exit.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CALLER_PWD="$PWD"

GLOAM=""
QUICK=0
while [ $# -gt 0 ]; do
  case "$1" in
    --gloam) GLOAM="${2:?--gloam needs a path}"; shift 2 ;;
    --quick) QUICK=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "run-all.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -n "$GLOAM" ]; then
  case "$GLOAM" in /*) ;; */*) GLOAM="$CALLER_PWD/$GLOAM" ;; *) GLOAM="$(command -v "$GLOAM" || echo "$GLOAM")" ;; esac
  [ -x "$GLOAM" ] || { echo "run-all.sh: FAIL: --gloam $GLOAM is not an executable file" >&2; exit 1; }
fi
cd "$HERE"
COUNT=10000; [ "$QUICK" = 1 ] && COUNT=1000
STEP_TIMEOUT=${STEP_TIMEOUT:-300}
CHAIN_ID=1337
start=$(date +%s)

# --- dependencies ------------------------------------------------------------------------------
if [ ! -x node_modules/.bin/anvil ] || [ ! -d node_modules/ethers ] || [ ! -x .venv/bin/python ]; then
  bash "$ROOT/ci/clients.sh" || { echo "run-all.sh: FAIL: ci/clients.sh could not install the dependencies" >&2; exit 1; }
fi
ANVIL="$HERE/node_modules/.bin/anvil"
PY="$HERE/.venv/bin/python"

# --- nodes --------------------------------------------------------------------------------------
WORK=$(mktemp -d -t gloam-clients.XXXXXX)
PIDS=()
# Each node runs in its own process group (setsid), so a wrapper script and its children go too.
cleanup() {
  for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_ready() { # url name pid
  node --input-type=module -e "
    import { waitReady } from '$HERE/lib.mjs';
    try { const c = await waitReady('$1', 60000); if (c !== ${CHAIN_ID}n) { console.error('$2: chain id ' + c + ', expected $CHAIN_ID'); process.exit(1); } }
    catch (e) { console.error('$2: ' + e.message); process.exit(1); }" || return 1
  kill -0 "$3" 2>/dev/null || { echo "$2 exited" >&2; return 1; }
}
start_anvil() { # name -> sets URL
  local name=$1 port
  port=$(free_port)
  setsid "$ANVIL" --hardfork prague --chain-id "$CHAIN_ID" --silent --port "$port" > "$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  URL="http://127.0.0.1:$port"
  wait_ready "$URL" "$name" "$!" || { echo "run-all.sh: FAIL: $name did not start:"; cat "$WORK/$name.log"; exit 1; }
}

start_anvil anvil
ANVIL_URL=$URL
echo "anvil (reference): $ANVIL_URL  [$("$ANVIL" --version | head -1)]"

GLOAM_WS=""
if [ -n "$GLOAM" ]; then
  NAME=gloam
  mkdir -p "$WORK/gloam-data"
  setsid "$GLOAM" node --dev --datadir "$WORK/gloam-data" --rpc-addr 127.0.0.1:0 --settlement-rpc-addr 127.0.0.1:0 --chain-id "$CHAIN_ID" > "$WORK/gloam.log" 2>&1 &
  gpid=$!
  PIDS+=($gpid)
  GLOAM_URL=""
  for _ in $(seq 600); do # up to 60 s for the "rpc: " line
    GLOAM_URL=$(sed -n 's/^rpc: \(http:\/\/[^ ]*\)$/\1/p' "$WORK/gloam.log" | head -1)
    [ -n "$GLOAM_URL" ] && break
    kill -0 "$gpid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$GLOAM_URL" ]; then
    echo "run-all.sh: FAIL: gloam printed no 'rpc: http://...' line; its output:"; cat "$WORK/gloam.log"; exit 1
  fi
  GLOAM_WS=$(sed -n 's/^ws: \(wss\?:\/\/[^ ]*\)$/\1/p' "$WORK/gloam.log" | head -1)
  wait_ready "$GLOAM_URL" gloam "$gpid" || { echo "run-all.sh: FAIL: gloam not ready; its output:"; cat "$WORK/gloam.log"; exit 1; }
else
  NAME=anvil-as-gloam
  start_anvil anvil-as-gloam
  GLOAM_URL=$URL
fi
echo "$NAME (under test): $GLOAM_URL${GLOAM_WS:+  ws: $GLOAM_WS}"

# --- steps --------------------------------------------------------------------------------------
SUMMARY=()
FAILED=0
run_step() { # name cmd...
  local name=$1; shift
  local t0=$(date +%s) rc
  echo; echo "=== $name"
  # No step may hang the run: each gets STEP_TIMEOUT seconds (exit 124 on expiry).
  if declare -F "$1" >/dev/null; then # a shell function: give `timeout` a shell that has it
    timeout --kill-after=10 "$STEP_TIMEOUT" bash -c "$(declare -f "$1"); COUNT=$COUNT; \"\$@\"" _ "$@"; rc=$?
  else
    timeout --kill-after=10 "$STEP_TIMEOUT" "$@"; rc=$?
  fi
  [ $rc = 124 ] && echo "run-all.sh: '$name' did not finish within ${STEP_TIMEOUT}s"
  local dt=$(( $(date +%s) - t0 ))
  if [ $rc = 0 ]; then SUMMARY+=("PASS  $name (${dt}s)"); else SUMMARY+=("FAIL  $name (exit $rc, ${dt}s)"); FAILED=1; fi
  if [ -n "$GLOAM" ] && ! kill -0 "${PIDS[1]}" 2>/dev/null; then
    echo "run-all.sh: gloam died during '$name'; last output:"; tail -20 "$WORK/gloam.log"
    SUMMARY+=("FAIL  gloam process died during $name"); FAILED=1
    return 1
  fi
  return $rc
}
throughput() { # impl url outfile [extra args]
  node rpc_throughput.mjs --rpc "$2" --count "$COUNT" --impl "$1" "${@:4}" | tee "$3"
  [ "${PIPESTATUS[0]}" = 0 ] && [ -s "$3" ]
}
# anvil's automine stalls under concurrent submission (ready transactions stay pending until the next
# arrival); --nudge lets rpc_throughput call evm_mine after 1 s without progress. Never used for gloam.
STANDIN_ARGS=(); [ -z "$GLOAM" ] && STANDIN_ARGS=(--nudge)

WS_ARGS=(); [ -n "$GLOAM_WS" ] && WS_ARGS=(--ws "$GLOAM_WS")
run_step "e2e_ethers ($NAME)" node e2e_ethers.mjs --rpc "$GLOAM_URL" "${WS_ARGS[@]}"
run_step "e2e_web3 ($NAME)" "$PY" e2e_web3.py --rpc "$GLOAM_URL"
run_step "diff_anvil ($NAME vs anvil)" node diff_anvil.mjs --a "$GLOAM_URL" --b "$ANVIL_URL" --name-a "$NAME" --name-b anvil
rss_mib() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
[ -n "$GLOAM" ] && RSS0=$(rss_mib "$gpid")
run_step "load ($NAME, 64 clients, 5 s)" node load.mjs --rpc "$GLOAM_URL" --clients 64 --duration 5 "${STANDIN_ARGS[@]}"
if [ -n "$GLOAM" ]; then
  # Bounded memory under load: the node's resident set after the load step stays under 1 GiB.
  RSS1=$(rss_mib "$gpid")
  echo "gloam resident memory: ${RSS0} MiB before load, ${RSS1} MiB after"
  run_step "memory bounded under load (${RSS1} MiB < 1024 MiB)" test "${RSS1:-0}" -lt 1024
fi
run_step "rpc_throughput ($NAME, $COUNT)" throughput "$NAME" "$GLOAM_URL" "$WORK/tp-gloam.json" "${STANDIN_ARGS[@]}"
run_step "rpc_throughput (anvil, $COUNT)" throughput anvil "$ANVIL_URL" "$WORK/tp-anvil.json" --nudge

RATIO=""
if [ -s "$WORK/tp-gloam.json" ] && [ -s "$WORK/tp-anvil.json" ]; then
  RATIO=$(node -e '
    const fs = require("fs");
    const [g, a] = process.argv.slice(1).map((f) => JSON.parse(fs.readFileSync(f, "utf8").trim().split("\n").pop()));
    console.log(`${g.impl} ${g.tx_per_s} tx/s / anvil ${a.tx_per_s} tx/s = ${(g.tx_per_s / a.tx_per_s).toFixed(2)}x (${g.size} transfers each)`);
  ' "$WORK/tp-gloam.json" "$WORK/tp-anvil.json")
fi

echo
echo "=== summary ($(( $(date +%s) - start ))s)"
for s in "${SUMMARY[@]}"; do echo "$s"; done
[ -n "$RATIO" ] && echo "throughput ratio: $RATIO"
if [ $FAILED != 0 ]; then echo "run-all.sh: FAILED"; exit 1; fi
echo "run-all.sh: all steps passed"
