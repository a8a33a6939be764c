#!/usr/bin/env bash
# One GPU lease, prepared (issue 27): every check that needs CUDA, in one command, within a deadline.
#
#   bash benchmarks/gpu_session.sh SECONDS        (repository root; default 540)
#
# In order, each step given what is left of SECONDS:
#   1. nvidia-smi and the GPU tests (python -m pytest -m gpu);
#   2. benchmarks/device_kinds.py at the batch sizes the full suite forms on a GPU: the GPU-against-CPU
#      speed-up per kind, written to $OUT/rates.json (SCALINGCHECK_DEVICE_RATES makes 'auto' use it);
#   3. the full suite's device plan with those rates (scalingcheck run --dry-run, 16 workers);
#   4. the quick suite with --device auto and the measured rates, fresh store, timed;
#   5. as much of the full suite as the time left allows (the same store: the runs they share are not redone).
# Everything lands in $OUT (default ./gpu-session): session.log, rates.json, quick.json, full.json, store.sqlite.
# Each step is stopped by SIGTERM at its limit (scalingcheck stores what finished and exits 130).
# The machine's image holds torch with CUDA and every dependency; the package goes in without fetching.
# Fashion-MNIST: copy /usr/share/datasets/fashion-mnist to .device-data/fashion-mnist (git-ignored) and carry it.
set -uo pipefail
DEADLINE=$(( $(date +%s) + ${1:-540} ))
OUT=${OUT:-gpu-session}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
LOG="$OUT/session.log"
export PYTHONUNBUFFERED=1
left() { echo $(( DEADLINE - $(date +%s) )); }
say() { echo "== $(date -u +%H:%M:%S) ($(left) s left) $*" | tee -a "$LOG"; }
step() {  # step SECONDS_AT_MOST COMMAND...: run within the time left, its output in the log
    local limit=$1; shift
    local t=$(left); (( t < limit )) && limit=$t
    if (( limit < 20 )); then say "skipped (no time left): $*"; return 0; fi
    say "$* (at most ${limit} s)"
    local start=$(date +%s)
    timeout --signal=TERM --kill-after=15 "$limit" "$@" 2>&1 | tee -a "$LOG"
    local rc=${PIPESTATUS[0]}
    say "exit $rc after $(( $(date +%s) - start )) s: $*"
}

python3 -m pip install -q --no-deps --no-build-isolation --no-index -e . >>"$LOG" 2>&1 || { say "install failed"; cat "$LOG"; exit 1; }
[ -d .device-data/fashion-mnist ] && export SCALINGCHECK_FASHION_MNIST="$PWD/.device-data/fashion-mnist"
say "python $(python3 -c 'import sys, torch; print(sys.version.split()[0], "torch", torch.__version__, torch.cuda.get_device_name(0))')"
nvidia-smi >>"$LOG" 2>&1

step 90 python3 -m pytest -m gpu -p no:cacheprovider -n 0 -q --continue-on-collection-errors
step 180 python3 benchmarks/device_kinds.py --suite full --budget 120 --cpu-budget 20 --write "$OUT/rates.json"
[ -s "$OUT/rates.json" ] && export SCALINGCHECK_DEVICE_RATES="$OUT/rates.json"
step 30 scalingcheck run --suite full --dry-run --workers 16
step 600 scalingcheck run --suite quick --out "$OUT/quick" --store "$OUT/store.sqlite" --no-plots --no-progress
cp "$OUT/quick/results.json" "$OUT/quick.json" 2>/dev/null
step 600 scalingcheck run --suite full --out "$OUT/full" --store "$OUT/store.sqlite" --no-plots --no-progress
cp "$OUT/full/results.json" "$OUT/full.json" 2>/dev/null
rm -rf "$OUT/quick" "$OUT/full"  # their files are the two results.json above (at most 8 files come back)
say "done"
