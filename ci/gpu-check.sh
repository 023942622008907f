#!/usr/bin/env bash
# GPU check for the CUDA backend: build here (no GPU needed), run on a GPU machine (no Rust needed).
#
#   bash ci/gpu-check.sh                          # here: build, then pack everything into .gpu/
#   GPU_CHECK_SKIP_GLOAM=1 bash ci/gpu-check.sh   # same, without the release `gloam` binary
#   bash .gpu/run.sh                              # there, from the root of the same tree
#
# What is packed (.gpu/ is git-ignored):
#   * test binaries found with `cargo test --no-run --message-format json`: gloam-engine's
#     `differential` test, gloam-cuda's unit, host-emulation and timing tests (the last prints
#     NTT/MSM times against the H100 targets), gloam-kernels' unit and `cuda_compile` tests,
#     every test of gloam-fhe-gpu (prefixed fhegpu-) and gloam-sig-gpu (siggpu-);
#     debug info stripped, packed into .gpu/bins.tar.xz;
#   * the release `gloam` binary (for `gloam devices --verbose`: probe + kernel warm-up times) and
#     the standalone `gloam-bench` (built alone so blst keeps its thread pool);
#   * .gpu/run.sh, the runner.
#
# run.sh needs an NVIDIA driver (libcuda) and NVRTC 13 (libnvrtc.so.13: from the CUDA toolkit, or
# Python's nvidia-cuda-nvrtc wheel; it looks in ldconfig, /usr/local/cuda*, and Python's
# site-packages). It runs every suite with GLOAM_REQUIRE_CUDA=1 CI=true GLOAM_TEST_MAX_LOG=20
# (each overridable from the environment), so a missing device is a failure, not a skip;
# kernels are cached under .gpu/kernel-cache. It prints a summary and exits non-zero when any
# suite failed. Logs go to .gpu/logs; with $OUT set (the device tool's output folder) they are
# packed into $OUT/gpu-logs.tar.gz, with $OUT/summary.txt and the bench records in $OUT/bench.jsonl.
# Where compute-sanitizer exists, memcheck and racecheck passes follow at 2^10
# (GPU_CHECK_SANITIZE=0 skips them).
#
# With this workplace's device tool: run(command="bash .gpu/run.sh", carry=[".gpu"]).
set -euo pipefail
cd "$(dirname "$0")/.."
GPU=.gpu
rm -rf "$GPU"
mkdir -p "$GPU/bin"

section() { echo; echo "=== $*"; }

# Prints "name<TAB>path" for every test executable in cargo's JSON messages on stdin.
executables() {
  python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m.get("profile", {}).get("test"):
        t = m["target"]
        kind = t["kind"][0]
        name = t["name"] + ("-unit" if kind in ("lib", "bin") else "")
        print(name + "\t" + m["executable"])
'
}

build_tests() {  # [--prefix P] cargo-test-args...: binaries are named P<target> (default no prefix)
  local prefix=""
  if [ "${1:-}" = --prefix ]; then prefix=$2; shift 2; fi
  section "cargo test --no-run $*"
  cargo test --no-run --message-format json "$@" 2>"$GPU/build.log" | executables | while IFS=$'\t' read -r name exe; do
    cp "$exe" "$GPU/bin/$prefix$name"
    strip --strip-debug "$GPU/bin/$prefix$name" 2>/dev/null || true
    echo "  $prefix$name <- $exe"
  done || { cat "$GPU/build.log"; exit 1; }
}

build_tests -p gloam-engine --test differential
build_tests -p gloam-cuda
build_tests -p gloam-kernels --lib --test cuda_compile
build_tests -p gloam-webgpu
# FHE bootstrap and signature kernels (their test names collide, hence the prefixes).
build_tests --prefix fhegpu- -p gloam-fhe-gpu
build_tests --prefix siggpu- -p gloam-sig-gpu

# The GPU machine has the NVIDIA driver (and its Vulkan ICD) but maybe no Vulkan loader: bring
# Debian's, unpacked there by run.sh (see the device tool's README).
section "Vulkan loader packages"
mkdir -p "$GPU/debs" /tmp/gloam-apt/partial
if (cd "$GPU/debs" && apt-get -q -oDir::State::Lists=/var/lib/apt/lists download libvulkan1 >/dev/null 2>&1) || \
   (apt-get -q update >/dev/null 2>&1 && cd "$GPU/debs" && apt-get -q download libvulkan1 >/dev/null 2>&1); then
  ls "$GPU/debs"
else
  echo "could not download libvulkan1; WebGPU suites will rely on the GPU machine's own loader"
fi

if [ "${GPU_CHECK_SKIP_GLOAM:-0}" != 1 ]; then
  section "cargo build --release -p gloam"
  cargo build --release -p gloam
  cp target/release/gloam "$GPU/bin/gloam"
  strip --strip-debug "$GPU/bin/gloam" 2>/dev/null || true
  # The harness on its own: built without commonware in the graph, blst keeps its thread pool
  # (see benches/src/blst_threads.rs); `gloam bench` runs it from next to itself.
  section "cargo build --release -p gloam-bench"
  cargo build --release -p gloam-bench
  cp target/release/gloam-bench "$GPU/bin/gloam-bench"
  strip --strip-debug "$GPU/bin/gloam-bench" 2>/dev/null || true
fi

# xz: a third smaller than gzip, which keeps .gpu under the device tool's 64 MiB carry limit.
XZ_OPT=-6 tar -cJf "$GPU/bins.tar.xz" -C "$GPU" bin
rm -rf "$GPU/bin"

cat > "$GPU/run.sh" <<'RUNEOF'
#!/usr/bin/env bash
# Runs the packed CUDA and WebGPU (Vulkan) checks and benches on a GPU machine (see ci/gpu-check.sh). From the tree's root.
set -uo pipefail
ROOT=$(pwd)
GPU="$ROOT/.gpu"
WORK=$(mktemp -d)
tar -xJf "$GPU/bins.tar.xz" -C "$WORK" || { echo "cannot unpack .gpu/bins.tar.xz (needs xz)"; exit 1; }
BIN="$WORK/bin"
LOGS="$GPU/logs"   # packed into $OUT at the end (the device tool returns at most 8 files)
mkdir -p "$LOGS"

export GLOAM_REQUIRE_CUDA="${GLOAM_REQUIRE_CUDA:-1}" CI="${CI:-true}" GLOAM_TEST_MAX_LOG="${GLOAM_TEST_MAX_LOG:-20}"
export GLOAM_REPO_ROOT="$ROOT" RUST_BACKTRACE=1
export GLOAM_KERNEL_CACHE="${GLOAM_KERNEL_CACHE:-$GPU/kernel-cache}"

if ! ldconfig -p 2>/dev/null | grep -q 'libnvrtc.so.13'; then
  for d in /usr/local/cuda/lib64 /usr/local/cuda-13*/lib64 /usr/local/cuda/targets/x86_64-linux/lib \
           $(python3 -c 'import sys, glob, os
for b in sys.path:
    for h in glob.glob(os.path.join(b, "nvidia", "*", "lib", "libnvrtc.so.13")): print(os.path.dirname(h))' 2>/dev/null); do
    if [ -e "$d/libnvrtc.so.13" ]; then export LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; break; fi
  done
fi
echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not available"

declare -a SUMMARY
FAILED=0
suite() {  # suite NAME BINARY [test args...]
  local name=$1 bin=$2; shift 2
  local prog="$BIN/$bin"
  case "$bin" in /*) prog="$bin" ;; esac
  if [ ! -x "$prog" ]; then SUMMARY+=("MISSING  $name"); FAILED=1; return; fi
  local t0=$(date +%s)
  echo; echo "=== $name"
  "$prog" "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  local line=$(grep -E '^test result' "$LOGS/$name.log" | tail -1)
  if [ "$rc" = 0 ]; then SUMMARY+=("ok       $name ($(( $(date +%s) - t0 ))s) $line"); else SUMMARY+=("FAILED   $name (rc $rc) $line"); FAILED=1; fi
}

if [ -x "$BIN/gloam" ]; then
  echo; echo "=== gloam devices --verbose"
  "$BIN/gloam" devices --verbose 2>&1 | tee "$LOGS/devices.log" || true
fi
suite cuda-unit gloam_cuda-unit --test-threads=1
suite kernels-nvrtc cuda_compile
suite kernels-unit gloam_kernels-unit cuda::
if command -v "${CXX:-g++}" >/dev/null; then
  suite host-emulation host_emulation
else
  SUMMARY+=("skipped  host-emulation (no C++ compiler here; it runs wherever ci/test.sh runs)")
fi
suite differential-cuda differential cuda:: --test-threads=1
suite timings gpu_timing --ignored --nocapture
# TFHE keyswitch + bootstrap and secp256k1 recovery on CUDA, byte-compared with the CPU (the
# host-emulation tests in the same binaries need a C++ compiler; without one only device_* run).
if command -v "${CXX:-g++}" >/dev/null; then FHE_FILTER=""; else FHE_FILTER="device_"; fi
suite fhe-cuda fhegpu-cuda $FHE_FILTER --test-threads=1
suite sig-cuda siggpu-cuda_differential --test-threads=1
if command -v "${CXX:-g++}" >/dev/null; then suite sig-cuda-host siggpu-cuda_host_emulation; fi
suite fhe-timing fhegpu-timing --ignored --nocapture --test-threads=1

# WebGPU on the GPU machine's Vulkan driver (not lavapipe): the same differential tests.
if ls "$GPU"/debs/*.deb >/dev/null 2>&1; then
  for f in "$GPU"/debs/*.deb; do dpkg -x "$f" / 2>/dev/null; done; ldconfig 2>/dev/null || true
fi
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -e "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
done
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d)}"; chmod 700 "$XDG_RUNTIME_DIR"
if [ -x "$BIN/gloam" ]; then "$BIN/gloam" devices 2>&1 | tee "$LOGS/devices-vulkan.log" || true; fi
suite differential-webgpu differential webgpu:: --test-threads=1
suite webgpu-unit gloam_webgpu-unit
for t in "$BIN"/field_arith; do [ -x "$t" ] && suite webgpu-field field_arith; done
suite fhe-webgpu fhegpu-webgpu --test-threads=1
suite sig-webgpu siggpu-webgpu_differential --test-threads=1
suite sig-webgpu-timing siggpu-webgpu_timing --ignored --nocapture

# Benchmarks on the real devices, one JSON record per line (copy them into benches/RESULTS.md
# with the device name and date).
if [ -x "$BIN/gloam" ] && [ "${GPU_CHECK_BENCH:-1}" = 1 ]; then
  # fhe: the quick profile (euint8 ops, 4 CPU ciphertexts) still times 4,096 ciphertexts per GPU call.
  for area in msm ntt kzg sig node fhe; do
    case $area in msm) sizes="12,16,20";; ntt) sizes="16,20,22";; kzg) sizes="6";; sig) sizes="10,14";; node) sizes="14";; fhe) sizes="6";; esac
    echo; echo "=== gloam bench $area --sizes $sizes"
    GLOAM_BENCH_FHE_QUICK=1 timeout 300 "$BIN/gloam" bench "$area" --sizes "$sizes" --samples 5 --json > "$LOGS/bench-$area.jsonl" 2> "$LOGS/bench-$area.err" \
      && SUMMARY+=("ok       bench $area -> $LOGS/bench-$area.jsonl") || SUMMARY+=("FAILED   bench $area (see bench-$area.err)")
    cat "$LOGS/bench-$area.jsonl"
  done
fi

# Sanitizers, where the CUDA toolkit is installed: memcheck over every CUDA differential test,
# racecheck (shared-memory races, e.g. a missing barrier in the fused NTT) over the NTT ones,
# at small sizes since both slow kernels down by orders of magnitude.
SAN=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)
if [ -n "$SAN" ] && [ "${GPU_CHECK_SANITIZE:-1}" = 1 ]; then
  GLOAM_TEST_MAX_LOG=10 suite memcheck "$SAN" --tool memcheck --error-exitcode 1 "$BIN/differential" cuda:: --test-threads=1
  GLOAM_TEST_MAX_LOG=10 suite racecheck "$SAN" --tool racecheck --error-exitcode 1 "$BIN/differential" cuda::ntt --test-threads=1
else
  SUMMARY+=("skipped  sanitizers (compute-sanitizer not found, or GPU_CHECK_SANITIZE=0)")
fi

echo; echo "=== summary (GLOAM_TEST_MAX_LOG=$GLOAM_TEST_MAX_LOG)"
printf '%s\n' "${SUMMARY[@]}" | tee "$LOGS/summary.txt"
if [ -n "${OUT:-}" ]; then
  tar -czf "$OUT/gpu-logs.tar.gz" -C "$LOGS" .
  cat "$LOGS"/bench-*.jsonl > "$OUT/bench.jsonl" 2>/dev/null || true
  cp "$LOGS/summary.txt" "$OUT/summary.txt"
fi
rm -rf "$WORK"
exit $FAILED
RUNEOF
chmod +x "$GPU/run.sh"
section "packed"
ls -la "$GPU"
size=$(du -sm "$GPU" | cut -f1)
if [ "$size" -ge 64 ]; then
  echo "WARNING: .gpu is ${size} MiB, over the device tool's 64 MiB carry limit (GPU_CHECK_SKIP_GLOAM=1 packs without the release binaries)"
fi
echo "on the GPU machine, from the tree's root: bash .gpu/run.sh"
