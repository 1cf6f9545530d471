#!/usr/bin/env bash
# tools/gpu/run.sh: one prepared run that measures WebGPU training (TF.js over Dawn, in Node)
# next to PyTorch on CUDA on the same machine, and checks the exports with transformers and
# peft. Runs on a Linux x86-64 GPU box with no Node, no Chromium and no network: what it needs
# travels in tools/gpu/payload/ (tools/gpu/prepare) and is unpacked into a temporary folder,
# never into /. Each piece runs under its own timeout, starts with a one-line probe of what it
# needs, and a broken piece leaves the others' figures: every piece writes OUT/<piece>.json
# with a status ("ok", "failed" or "skipped") and, unless ok, the reason; all output goes to
# OUT/run.log (and OUT/logs/<piece>.log). The run ends with tools/gpu/summarize OUT.
#
# usage: tools/gpu/run.sh [--smoke] [--out DIR] [--exports DIR] [--budget SECONDS]
#   --smoke         tiny shapes and a few steps (the test on CPUs): proves each path, times nothing
#   --out DIR       default: $OUT if set, else tools/gpu/out
#   --exports DIR   export folders written elsewhere (tools/gpu/write-exports.ts), checked when
#                   the Node piece that writes them cannot run (not prepared)
#   --budget S      wall-clock budget of the whole run (default 540 s); a piece gets what is left
# env: PYTHON (default python3), GPU_PAYLOAD (default tools/gpu/payload), DAWN_FLAGS (";"-separated
#   Dawn toggles), VK_DRIVER_FILES (a Vulkan ICD manifest; found for NVIDIA when unset),
#   GPU_VULKAN_LOADER (system | carried; default: the system's if ldconfig knows one).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
SMOKE=0
OUT_DIR=${OUT:-tools/gpu/out}
EXPORTS_GIVEN=""
BUDGET=540
while (($#)); do
  case $1 in
    --smoke) SMOKE=1 ;;
    --out) OUT_DIR=$2; shift ;;
    --exports) EXPORTS_GIVEN=$(cd "$2" && pwd); shift ;;
    --budget) BUDGET=$2; shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
PAYLOAD=${GPU_PAYLOAD:-tools/gpu/payload}
PYTHON=${PYTHON:-python3}
mkdir -p "$OUT_DIR/logs"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
rm -f "$OUT_DIR"/*.json "$OUT_DIR"/table.md "$OUT_DIR"/logs/*.log
LOG=$OUT_DIR/run.log
: > "$LOG"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/dpo-gpu-run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
START=$SECONDS
say() { printf '%s\n' "$*" | tee -a "$LOG" >&2; }

json_escape() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/ }
  printf '%s' "$s" | tr -d '\000-\010\013-\037'
}

# fail_piece NAME REASON [quiet]: the piece did not run (or died without saying why).
fail_piece() {
  printf '{\n  "status": "failed",\n  "reason": "%s"\n}\n' "$(json_escape "$2")" > "$OUT_DIR/$1.json"
  [[ ${3:-} == quiet ]] || say "   $1: failed: $2"
}

# skip_piece NAME REASON: left out on purpose (--smoke).
skip_piece() {
  printf '{\n  "status": "skipped",\n  "reason": "%s"\n}\n' "$(json_escape "$2")" > "$OUT_DIR/$1.json"
  say "   $1: skipped: $2"
}

status_of() { sed -n 's/^ *"status": *"\([a-z]*\)".*/\1/p' "$OUT_DIR/$1.json" 2>/dev/null | head -1; }
reason_of() { sed -n 's/^ *"reason": *"\(.*\)",\{0,1\}$/\1/p' "$OUT_DIR/$1.json" 2>/dev/null | head -1; }

# add_field NAME KEY RAW_JSON: appends a field to a piece's JSON (ours all end in a lone "}").
add_field() {
  local file=$OUT_DIR/$1.json
  [[ $(tail -n 1 "$file") == "}" ]] || return 0
  sed -i '$ d' "$file"
  sed -i '$ s/$/,/' "$file"
  printf '  "%s": %s\n}\n' "$2" "$3" >> "$file"
}

# The last lines a failed piece printed that say something (not TF.js's Node banner).
log_tail() {
  grep -v -E '^\s*$|^=+$|tfjs-node|Hi, looks like you are running TensorFlow.js' "$1" | tail -n 6
}

# piece NAME TIMEOUT COMMAND...: runs COMMAND, which writes OUT/NAME.json, under a timeout
# capped by what is left of the budget; writes the failure itself if COMMAND could not.
piece() {
  local name=$1 limit=$2
  shift 2
  local file=$OUT_DIR/$name.json plog=$OUT_DIR/logs/$name.log
  local left=$((BUDGET - (SECONDS - START)))
  rm -f "$file"
  if ((left < 15)); then
    fail_piece "$name" "out of time: the run's ${BUDGET} s budget is spent"
    return 1
  fi
  ((limit > left)) && limit=$left
  say "== $name (at most ${limit} s, $((SECONDS - START)) s into the run)"
  local t0=$SECONDS rc
  timeout --kill-after=10 "$limit" "$@" > "$plog" 2>&1
  rc=$?
  cat "$plog" >> "$LOG"
  local why
  why="exited with status $rc without a result: $(log_tail "$plog" | tail -n 1)"
  ((rc == 124 || rc == 137)) && why="timed out after ${limit} s"
  if [[ ! -s $file ]] || [[ -z $(status_of "$name") ]]; then
    fail_piece "$name" "$why" quiet
  elif [[ $(status_of "$name") == running ]]; then # torch_bench.py's cases so far: kept
    "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
r.update(status="failed", reason="%s (after %d cases)" % (sys.argv[2], len(r["runs"])))
json.dump(r, open(sys.argv[1], "w"), indent=2)' "$file" "$why"
  fi
  add_field "$name" seconds "$((SECONDS - t0))"
  if [[ $(status_of "$name") != ok ]]; then
    local tail_text
    tail_text=$(log_tail "$plog")
    [[ -n $tail_text ]] && add_field "$name" log_tail "\"$(json_escape "$tail_text")\""
    say "   $name: failed: $(reason_of "$name")"
    return 1
  fi
  say "   $name: ok ($((SECONDS - t0)) s)"
  grep -m1 '^probe: ' "$plog" | sed 's/^probe: /     /' | tee -a "$LOG" >&2
  return 0
}

unpack() { # unpack SRC.xz DEST: xz when the machine has it, else Python's lzma
  if command -v xz > /dev/null; then
    xz -dc "$1" > "$2"
  else
    "$PYTHON" -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  fi
}

# --- The machine --------------------------------------------------------------------------
gpu_name="" driver=""
if command -v nvidia-smi > /dev/null; then
  line=$(timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
  gpu_name=$(echo "$line" | cut -d, -f1 | xargs)
  driver=$(echo "$line" | cut -d, -f2 | xargs)
fi
cat > "$OUT_DIR/machine.json" << EOF
{
  "status": "ok",
  "mode": "$( ((SMOKE)) && echo smoke || echo full)",
  "started": "$(date -u +%FT%TZ)",
  "budget_s": $BUDGET,
  "kernel": "$(json_escape "$(uname -srm)")",
  "os": "$(json_escape "$(. /etc/os-release 2> /dev/null && echo "$PRETTY_NAME")")",
  "glibc": "$(json_escape "$(ldd --version 2> /dev/null | head -1 | awk '{print $NF}')")",
  "cpus": $(nproc),
  "cpu": "$(json_escape "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)")",
  "memory_kib": $(awk '/MemTotal/ {print $2}' /proc/meminfo),
  "gpu": "$(json_escape "$gpu_name")",
  "driver": "$(json_escape "$driver")",
  "commit": "$(git rev-parse --short HEAD 2> /dev/null || echo unknown)"
}
EOF
say "machine: $(nproc) CPUs, GPU: ${gpu_name:-none} ${driver:+(driver $driver)}, mode: $( ((SMOKE)) && echo smoke || echo full), budget ${BUDGET} s"
[[ -f $PAYLOAD/manifest.json ]] && cp "$PAYLOAD/manifest.json" "$OUT_DIR/logs/payload-manifest.json"

# --- Node: unpack, then `node --version`-level probe ---------------------------------------
NODE=$WORK/bin/node
BUNDLE=$WORK/bench.cjs
NODE_LD=""
node_ok=0
NOT_PREPARED="not prepared: run tools/gpu/prepare (no $PAYLOAD/manifest.json)"
if [[ ! -f $PAYLOAD/manifest.json ]]; then
  fail_piece node "$NOT_PREPARED"
else
  mkdir -p "$WORK/bin" "$WORK/lib-fallback" "$WORK/lib-vulkan" "$WORK/webgpu/dist/linux-x64"
  unpack "$PAYLOAD/node.xz" "$NODE" && chmod +x "$NODE"
  unpack "$PAYLOAD/bench.cjs.xz" "$BUNDLE"
  for lib in libstdc++.so.6 libgcc_s.so.1; do unpack "$PAYLOAD/$lib.xz" "$WORK/lib-fallback/$lib"; done
  probe='require("fs").writeFileSync(process.argv[1], JSON.stringify({status: "ok", version: process.version, libstdcxx: process.env.GPU_LIBSTDCXX, arch: process.arch}, null, 2) + "\n"); console.log(`probe: node ${process.version} ${process.arch}, ${process.env.GPU_LIBSTDCXX} libstdc++`)'
  if piece node 30 env GPU_LIBSTDCXX=system "$NODE" -e "$probe" "$OUT_DIR/node.json"; then
    node_ok=1
  elif grep -q -E 'GLIBCXX|CXXABI|libstdc|libgcc_s' "$OUT_DIR/logs/node.log"; then
    say "   node: retrying with the carried libstdc++"
    NODE_LD=$WORK/lib-fallback
    piece node 30 env GPU_LIBSTDCXX=carried "LD_LIBRARY_PATH=$NODE_LD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$NODE" -e "$probe" "$OUT_DIR/node.json" && node_ok=1
  fi
fi
node_reason() { echo "needs node, which failed: $(reason_of node)"; }

# --- Dawn: the adapter, its vendor/architecture/limits/features ----------------------------
dawn_ok=0
if ((node_ok)); then
  unpack "$PAYLOAD/dawn.node.xz" "$WORK/webgpu/dist/linux-x64/dawn.node"
  unpack "$PAYLOAD/webgpu-index.js.xz" "$WORK/webgpu/index.js"
  unpack "$PAYLOAD/webgpu-package.json.xz" "$WORK/webgpu/package.json"
  [[ -f $PAYLOAD/libvulkan.so.1.xz ]] && unpack "$PAYLOAD/libvulkan.so.1.xz" "$WORK/lib-vulkan/libvulkan.so.1"
  export DAWN_NODE_DIR=$WORK/webgpu
  # The NVIDIA driver's libraries and Vulkan manifest live under /usr/local/nvidia in some
  # containers, where neither the dynamic linker nor the Vulkan loader looks.
  DRIVER_LD=""
  for dir in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [[ -d $dir ]] && DRIVER_LD=$DRIVER_LD${DRIVER_LD:+:}$dir; done
  if [[ -z ${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-} ]]; then
    for icd in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json /usr/local/share/vulkan/icd.d/nvidia_icd.json \
      /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/local/nvidia/icd.d/nvidia_icd.json; do
      if [[ -f $icd ]]; then export VK_DRIVER_FILES=$icd VK_ICD_FILENAMES=$icd; break; fi
    done
  fi
  loader=${GPU_VULKAN_LOADER:-}
  if [[ -z $loader ]]; then
    if { /sbin/ldconfig -p 2> /dev/null || ldconfig -p 2> /dev/null; } | grep -q 'libvulkan\.so\.1 '; then loader=system; else loader=carried; fi
  fi
  # node_env LOADER: the environment node runs with, the carried loader first when asked for.
  node_env() {
    local ld=$NODE_LD
    [[ $1 == carried ]] && ld=$WORK/lib-vulkan${ld:+:$ld}
    ld=$ld${DRIVER_LD:+${ld:+:}$DRIVER_LD}${LD_LIBRARY_PATH:+${ld:+:}$LD_LIBRARY_PATH}
    NODE_RUN=(env "LD_LIBRARY_PATH=$ld" "GPU_VULKAN_LOADER_USED=$1" "$NODE" "$BUNDLE")
    say "vulkan: $1 loader, driver manifest ${VK_DRIVER_FILES:-none set, the loader searches}, LD_LIBRARY_PATH=${ld:-(none)}"
  }
  node_env "$loader"
  manifests=$(ls -d /usr/share/vulkan/icd.d/* /etc/vulkan/icd.d/* /usr/local/share/vulkan/icd.d/* /usr/local/nvidia/share/vulkan/icd.d/* 2> /dev/null | tr '\n' ' ')
  say "vulkan driver manifests on this machine: ${manifests:-none}"
  # The loader says why a driver did not load (errors and warnings only) into the probe's log.
  export VK_LOADER_DEBUG=${VK_LOADER_DEBUG:-error,warn}
  if piece dawn 60 "${NODE_RUN[@]}" probe-dawn --out "$OUT_DIR/dawn.json"; then
    dawn_ok=1
  elif [[ -z ${GPU_VULKAN_LOADER:-} ]] && grep -q -i -E 'no WebGPU adapter|libvulkan' "$OUT_DIR/dawn.json" "$OUT_DIR/logs/dawn.log"; then
    other=$([[ $loader == system ]] && echo carried || echo system)
    say "   dawn: retrying with the $other Vulkan loader"
    mv "$OUT_DIR/dawn.json" "$WORK/dawn-first.json"
    mv "$OUT_DIR/logs/dawn.log" "$OUT_DIR/logs/dawn-$loader-loader.log"
    node_env "$other"
    if piece dawn 60 "${NODE_RUN[@]}" probe-dawn --out "$OUT_DIR/dawn.json"; then
      dawn_ok=1
    else # report the first attempt, with the retry's reason beside it
      retry="with the $other loader: $(reason_of dawn) $(log_tail "$OUT_DIR/logs/dawn.log" | head -n 2)"
      mv "$OUT_DIR/logs/dawn.log" "$OUT_DIR/logs/dawn-$other-loader.log"
      mv "$WORK/dawn-first.json" "$OUT_DIR/dawn.json"
      add_field dawn retry "\"$(json_escape "$retry")\""
      node_env "$loader"
    fi
  fi
  add_field dawn vulkan_manifests "\"$(json_escape "${manifests:-none}")\""
  unset VK_LOADER_DEBUG
else
  fail_piece dawn "$(node_reason)"
fi

# --- Python: torch, CUDA, and the libraries the export checks load with -------------------
torch_ok=0
if command -v "$PYTHON" > /dev/null; then
  piece torch 60 "$PYTHON" tools/gpu/probe_python.py "$OUT_DIR/torch.json" && torch_ok=1
else
  fail_piece torch "no $PYTHON on PATH (set PYTHON)"
fi

# --- Exports: written by the app's exporters (Node), read by torch, transformers, peft -----
EXPORTS=""
if ((node_ok)); then
  piece exports 90 "${NODE_RUN[@]}" exports "$WORK/exports" --root "$ROOT" --out "$OUT_DIR/exports.json" && EXPORTS=$WORK/exports
else
  fail_piece exports "$(node_reason)"
fi
if [[ -z $EXPORTS && -n $EXPORTS_GIVEN ]]; then
  EXPORTS=$EXPORTS_GIVEN
  say "   exports: checking the folders given with --exports: $EXPORTS"
fi
for check in safetensors transformers peft; do
  if ((!torch_ok)); then
    fail_piece "export-$check" "needs Python with torch: $(reason_of torch)"
  elif [[ -z $EXPORTS ]]; then
    fail_piece "export-$check" "no exports to check: $(reason_of exports)"
  else
    piece "export-$check" 120 "$PYTHON" tools/gpu/export_checks.py --check "$check" --exports "$EXPORTS" --out "$OUT_DIR/export-$check.json"
  fi
done

# --- The benchmark: PyTorch on CUDA, WebGPU over Dawn, PyTorch on the CPU -----------------
if ((SMOKE)); then
  WEBGPU_CASES=(tiny) TORCH_CASES=(tiny) CPU_CASES=(tiny)
  TORCH_OPTIONS='{"warmup": 1, "measure": 2, "block": 1}'
else
  WEBGPU_CASES=(anchor base base-lora smollm2-lora qwen2.5-0.5b-lora) TORCH_CASES=(anchor base base-lora smollm2-lora qwen2.5-0.5b-lora) CPU_CASES=(anchor)
  TORCH_OPTIONS='{"warmup": 2, "measure": 12, "block": 4}'
fi
# The cases' shapes: tools/gpu/cases.json, the TypeScript bench's BENCH_CASES entries (a test
# keeps the two equal), so that PyTorch runs even where Node does not.
torch_request() { # torch_request DEVICE AUTOCAST CASE...: torch_bench.py's request
  "$PYTHON" -c 'import json, sys
cases = json.load(open("tools/gpu/cases.json"))
device, autocast, options = sys.argv[1:4]
print(json.dumps({"cases": [cases[n] for n in sys.argv[4:]], "options": json.loads(options), "device": device,
                  "autocast": None if autocast == "none" else autocast}))' "$@"
}
for variant in fp32 bf16; do
  name=torch-cuda-$variant
  if ((!torch_ok)); then
    fail_piece "$name" "needs Python with torch: $(reason_of torch)"
  elif ((SMOKE)) && [[ $variant == bf16 ]]; then
    skip_piece "$name" "not run with --smoke (fp32 shows the path)"
  else
    autocast=$([[ $variant == bf16 ]] && echo bf16 || echo none)
    piece "$name" 150 "$PYTHON" tools/bench/torch_bench.py "$(torch_request cuda "$autocast" "$TORCH_OPTIONS" "${TORCH_CASES[@]}")" --out "$OUT_DIR/$name.json"
  fi
done
CASE_FLAGS=() CASE_LIMIT=170
((SMOKE)) && CASE_FLAGS=(--smoke) CASE_LIMIT=150
webgpu_case() { # webgpu_case CASE LIMIT
  if ((!dawn_ok)); then
    fail_piece "webgpu-$1" "needs a WebGPU adapter: $(reason_of dawn)"
  else
    piece "webgpu-$1" "$2" "${NODE_RUN[@]}" webgpu-case "$1" "${CASE_FLAGS[@]}" --out "$OUT_DIR/webgpu-$1.json"
  fi
}
# The Llama-family cases (real models' shapes: tens of thousands of kernels a step, hundreds of
# MB of weights) are the slowest and least certain: they run last, after PyTorch on the CPU,
# with what is left of the budget.
is_llama_case() { [[ $1 == smollm2-* || $1 == qwen* ]]; }
for case in "${WEBGPU_CASES[@]}"; do is_llama_case "$case" || webgpu_case "$case" "$CASE_LIMIT"; done
# The LoRA base's packed 16-bit matmuls against float32 at Qwen2.5-0.5B's shapes.
if ((!dawn_ok)); then
  fail_piece packed-linear "needs a WebGPU adapter: $(reason_of dawn)"
else
  piece packed-linear 90 "${NODE_RUN[@]}" packed-linear "${CASE_FLAGS[@]}" --out "$OUT_DIR/packed-linear.json"
fi
if ((torch_ok)); then
  piece torch-cpu 90 "$PYTHON" tools/bench/torch_bench.py "$(torch_request cpu none "$TORCH_OPTIONS" "${CPU_CASES[@]}")" --out "$OUT_DIR/torch-cpu.json"
else
  fail_piece torch-cpu "needs Python with torch: $(reason_of torch)"
fi
for case in "${WEBGPU_CASES[@]}"; do ! is_llama_case "$case" || webgpu_case "$case" 240; done

# --- Summary ------------------------------------------------------------------------------
add_field machine run_seconds "$((SECONDS - START))"
say "== summary ($((SECONDS - START)) s)"
if command -v "$PYTHON" > /dev/null; then
  "$PYTHON" tools/gpu/summarize "$OUT_DIR" 2>&1 | tee -a "$LOG"
fi
say "results: $OUT_DIR (one JSON per piece, run.log, logs/); next: tools/gpu/summarize $OUT_DIR --docs docs/bench-gpu.json --readme README.md"
