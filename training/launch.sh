#!/usr/bin/env bash
# Launches the s1 recipe on a distill handoff bundle (written into every bundle as train/launch.sh).
#
#   bash launch.sh MODEL_PATH [BUNDLE_PATH] [OUTPUT_DIR] [extra train.py options]
#
# BUNDLE_PATH defaults to the bundle this script sits in. The bundle is validated first
# (train.py --dry-run). Environment:
#   LAUNCHER        torchrun (default) or accelerate
#   NPROC_PER_NODE  processes (GPUs) per node; default: the GPUs nvidia-smi lists, at least 1
#   NNODES          nodes (default 1); 16 GPUs = NNODES=2 NPROC_PER_NODE=8, run on each node
#   NODE_RANK       this node's rank (default 0)
#   MASTER_ADDR     address of node 0 (default 127.0.0.1); MASTER_PORT (default 29500)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: bash launch.sh MODEL_PATH [BUNDLE_PATH] [OUTPUT_DIR] [train.py options]" >&2
  exit 2
fi
MODEL="$1"; shift
BUNDLE="${1:-$(dirname "$HERE")}"; [[ $# -gt 0 ]] && shift
OUT="${1:-ckpts/s1-$(date -u +%Y%m%d-%H%M%S)}"; [[ $# -gt 0 ]] && shift

GPUS="$(nvidia-smi -L 2>/dev/null | wc -l || true)"
NPROC="${NPROC_PER_NODE:-$(( GPUS > 0 ? GPUS : 1 ))}"
NNODES="${NNODES:-1}"
NODE_RANK="${NODE_RANK:-0}"
MASTER_ADDR="${MASTER_ADDR:-127.0.0.1}"
MASTER_PORT="${MASTER_PORT:-29500}"
TRAINER="$HERE/train.py"
[[ -f "$TRAINER" ]] || TRAINER="$(dirname "$HERE")/train/train.py"

python3 "$TRAINER" --dry-run --bundle "$BUNDLE"

ARGS=(--model "$MODEL" --bundle "$BUNDLE" --output-dir "$OUT" --skip-validation)
[[ -f "$BUNDLE/train/recipe.json" ]] && ARGS+=(--recipe "$BUNDLE/train/recipe.json")

case "${LAUNCHER:-torchrun}" in
  torchrun)
    exec torchrun --nnodes "$NNODES" --node-rank "$NODE_RANK" --nproc-per-node "$NPROC" \
      --master-addr "$MASTER_ADDR" --master-port "$MASTER_PORT" "$TRAINER" "${ARGS[@]}" "$@"
    ;;
  accelerate)
    exec accelerate launch --num_machines "$NNODES" --machine_rank "$NODE_RANK" \
      --num_processes "$(( NPROC * NNODES ))" --main_process_ip "$MASTER_ADDR" --main_process_port "$MASTER_PORT" \
      "$TRAINER" "${ARGS[@]}" "$@"
    ;;
  *)
    echo "launch.sh: Cannot launch with LAUNCHER=${LAUNCHER}: use torchrun or accelerate" >&2
    exit 2
    ;;
esac
