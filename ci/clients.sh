#!/usr/bin/env bash
# Installs what the real-client end-to-end tests (node/clients/) need. Idempotent and fast when
# everything is already there.
#
#   bash ci/clients.sh            # from anywhere; then: bash node/clients/run-all.sh [--gloam PATH]
#
# - Node.js >= 18 and npm (apt-get on Debian/Ubuntu when missing)
# - `npm ci` in node/clients: ethers, solc (solc-js, compiles offline) and anvil 1.7.1, all pinned in
#   node/clients/package-lock.json. anvil comes from `@foundry-rs/anvil-linux-amd64` (the binary
#   package that the `@foundry-rs/anvil` launcher would pick on linux-x64): the launcher's lock file
#   cannot satisfy `npm ci` because its other platform packages are not on the registry (404).
# - a virtualenv node/clients/.venv with node/clients/requirements.txt (web3.py 8)
# - checks that anvil runs and web3 imports
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLIENTS="$ROOT/node/clients"
cd "$CLIENTS"

fail() { echo "ci/clients.sh: FAIL: $*" >&2; exit 1; }
note() { echo "ci/clients.sh: $*"; }

apt_install() {
  command -v apt-get >/dev/null || fail "need $* but apt-get is not available; install them by hand"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  note "apt-get install $*"
  $sudo apt-get update -qq || fail "apt-get update failed"
  $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null || fail "apt-get install $* failed"
}

# --- Node.js + npm -------------------------------------------------------------------------------
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm ca-certificates
fi
[ "$(node_major)" -ge 18 ] || fail "Node.js >= 18 required (have $(node --version 2>/dev/null || echo none))"

# --- npm packages ----------------------------------------------------------------------------------
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.gloam-clients-stamp
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_sum" ] && [ -d node_modules/ethers ] && [ -d node_modules/solc ]; then
  note "npm packages up to date"
else
  note "npm ci (node/clients)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || fail "npm ci in $CLIENTS failed"
  echo "$lock_sum" > "$stamp"
fi

# --- anvil -----------------------------------------------------------------------------------------
ANVIL="$CLIENTS/node_modules/.bin/anvil"
[ -x "$ANVIL" ] || fail "anvil missing at $ANVIL: @foundry-rs/anvil-linux-amd64 is only installed on linux-x64 ($(uname -sm) here)"
ver=$("$ANVIL" --version 2>&1 | head -1) || fail "anvil does not run: $ver"
case "$ver" in
  "anvil Version: 1.7.1"*) note "$ver" ;;
  *) fail "unexpected anvil version: $ver" ;;
esac

# --- Python venv + web3.py ------------------------------------------------------------------------
command -v python3 >/dev/null || apt_install python3 python3-venv
VENV="$CLIENTS/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  if ! python3 -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    apt_install python3-venv
    python3 -m venv "$VENV" || fail "python3 -m venv failed"
  fi
fi
req_sum=$(sha256sum requirements.txt | cut -d' ' -f1)
pstamp="$VENV/.gloam-clients-stamp"
if [ -f "$pstamp" ] && [ "$(cat "$pstamp")" = "$req_sum" ] && "$VENV/bin/python" -c 'import web3' 2>/dev/null; then
  note "python packages up to date"
else
  note "pip install -r node/clients/requirements.txt (.venv)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r requirements.txt \
    || fail "pip install -r $CLIENTS/requirements.txt failed"
  echo "$req_sum" > "$pstamp"
fi
pyver=$("$VENV/bin/python" -c 'import web3; print(web3.__version__)') || fail "web3 does not import in $VENV"
want=$(sed -n 's/^web3==//p' requirements.txt)
[ "$pyver" = "$want" ] || fail "web3 $pyver installed, requirements.txt pins $want"
note "web3.py $pyver; ready (run: bash node/clients/run-all.sh)"
