#!/usr/bin/env bash
# The test suite: installs what it needs, then runs every test.
#
#   bash ci/test.sh            # from the repository root
#
# Installs (idempotent): the real Ethereum clients the node is tested with (ci/clients.sh: ethers,
# solc-js and anvil from npm, web3.py from PyPI), Mesa's software Vulkan driver (lavapipe) so every WGSL kernel really
# executes, and NVRTC 13 from PyPI (`nvidia-cuda-nvrtc`) so every CUDA source is compiled to
# sm_80/sm_90 cubins without a GPU or a CUDA toolkit. CUDA *execution* tests skip loudly here;
# `ci/gpu-check.sh` runs them on a GPU machine.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

section() { echo; echo "=== $* ($(( $(date +%s) - start ))s)"; }

section "system packages"
if ! ls /usr/share/vulkan/icd.d/lvp_icd.*.json >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends mesa-vulkan-drivers libvulkan1 >/dev/null
fi
ls /usr/share/vulkan/icd.d/

section "NVRTC (CUDA 13) from PyPI"
PY=$(command -v python3)
nvrtc_dir() { "$PY" - <<'PYEOF'
import glob, os, sys
for base in sys.path:
    for hit in glob.glob(os.path.join(base, "nvidia", "cu13", "lib", "libnvrtc.so.13")):
        print(os.path.dirname(hit)); sys.exit(0)
sys.exit(1)
PYEOF
}
if ! NVRTC_DIR=$(nvrtc_dir); then
  "$PY" -m pip install -q --disable-pip-version-check nvidia-cuda-nvrtc
  NVRTC_DIR=$(nvrtc_dir)
fi
export LD_LIBRARY_PATH="${NVRTC_DIR}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
echo "NVRTC: $NVRTC_DIR"

# Mesa wants a private runtime dir; without it it prints a harmless error on every adapter.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"
chmod 700 "$XDG_RUNTIME_DIR"
# GPU tests must not skip in CI: a missing WebGPU adapter or NVRTC fails them.
export CI="${CI:-true}"
export RUST_BACKTRACE=1

section "client packages (ethers, solc-js, anvil, web3.py) for the node's end-to-end tests"
bash ci/clients.sh

section "build"
cargo build --workspace --all-targets --locked 2>&1 | tail -30

section "tests"
set +e
cargo test --workspace --locked --no-fail-fast 2>&1 | tee /tmp/gloam-test.log
status=${PIPESTATUS[0]}
set -e
section "done (cargo test exit $status)"
grep -E "SKIPPED" /tmp/gloam-test.log | sort | uniq -c || true
grep -E "^test result" /tmp/gloam-test.log | awk '{p+=$4; f+=$6; i+=$8} END {print "total: " p " passed, " f " failed, " i " skipped"}'
exit "$status"
