#!/usr/bin/env bash
# Default model v2/v2.1/v2.2: prepares the speakers (recipes/prepare-default-v2.sh), then trains or resumes
# recipes/default-mossformer2-8k-$VARIANT.json on one core in the background-friendly way:
#   recipes/train-default-v2.sh [SPEECHSEP_CMD...]     e.g. recipes/train-default-v2.sh dotnet path/to/speechsep.dll
#   VARIANT=v2 recipes/train-default-v2.sh ...           the v2 run (from v1's weights); v2b the warm restart that gave
#                                                        v2.1 and v2.2; default v2c, the current run (a warm restart from v2.2)
# Resumable on any machine: the newest checkpoint is mirrored to training-state/default-mossformer2-8k-$VARIANT/latest.pt
# (committed, overwritten each time); a fresh clone without runs/ starts from that file. Only the current run's state
# is kept in the repository (v2's last state is in its history at commit b11cd2a, v2b's at commit 54969f9).
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${VARIANT:-v2c}
run=runs/default-mossformer2-8k-$variant
state=training-state/default-mossformer2-8k-$variant
[ -d data/speakers-v2/train ] || recipes/prepare-default-v2.sh data/speakers-v2
if [ ! -d "$run/checkpoints" ] && [ -f "$state/latest.pt" ]; then
  mkdir -p "$run/checkpoints"
  cp "$state/latest.pt" "$run/checkpoints/$(cat "$state/latest.name")"
fi
cmd=("$@"); [ ${#cmd[@]} -gt 0 ] || cmd=(dotnet run -c Release --project src/SpeechSeparation.Cli --)
mirror() {   # copies the newest checkpoint into the committed state folder
  local newest; newest=$(ls -t "$run"/checkpoints/checkpoint-step*.pt 2>/dev/null | head -1 || true)
  [ -n "$newest" ] || return 0
  mkdir -p "$state"; cp "$newest" "$state/latest.pt.tmp"; mv "$state/latest.pt.tmp" "$state/latest.pt"
  basename "$newest" > "$state/latest.name"
  cp "$run/checkpoints/history.csv" "$state/history.csv" 2>/dev/null || true
}
( while sleep 300; do mirror; done ) & mirror_pid=$!
trap 'kill $mirror_pid 2>/dev/null; mirror' EXIT
OMP_NUM_THREADS=1 "${cmd[@]}" train --recipe recipes/default-mossformer2-8k-$variant.json
