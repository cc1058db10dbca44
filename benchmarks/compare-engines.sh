#!/usr/bin/env bash
# Side-by-side model speed and peak memory of two speechsep builds in one run on one machine (this VM drifts ±10 %):
# the cases alternate between the two builds, process by process, so drift hits both alike.
#   benchmarks/compare-engines.sh BASELINE_SPEECHSEP_DLL NEW_SPEECHSEP_DLL [RUNS] > table.md
# Each process runs `speechsep bench` (one warm-up, then RUNS timed forwards, median) at 2 threads; peak RSS from
# /usr/bin/time. Stop other CPU work first (e.g. kill -STOP a background training, kill -CONT afterwards).
set -euo pipefail
old=${1:?baseline speechsep.dll}; new=${2:?new speechsep.dll}; runs=${3:-5}
# Optional subsets: ARCHS="mossformer frcrn" SECONDS_LIST="4" PRECISIONS="fp32".
echo "| model | audio | precision | baseline median s | new median s | new/baseline | baseline peak RSS MB | new peak RSS MB |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
measure() { # DLL ARCH SECONDS PRECISION → "median rssMB"
  local out; out=$( { /usr/bin/time -f "RSS %M" dotnet "$1" bench --arch "$2" --seconds "$3" --runs "$runs" --threads 2 --precision "$4"; } 2>&1 )
  local med; med=$(grep -oE "median [0-9.]+ s" <<<"$out" | grep -oE "[0-9.]+")
  local rss; rss=$(grep -oE "RSS [0-9]+" <<<"$out" | grep -oE "[0-9]+")
  echo "$med $((rss / 1024))"
}
for arch in ${ARCHS:-mossformer mossformer2 frcrn}; do
  for seconds in ${SECONDS_LIST:-4 16}; do
    for precision in ${PRECISIONS:-fp32 bf16}; do
      read -r mo ro < <(measure "$old" $arch $seconds $precision)
      read -r mn rn < <(measure "$new" $arch $seconds $precision)
      ratio=$(awk -v a="$mn" -v b="$mo" 'BEGIN { printf "%.2f", a / b }')
      echo "| $arch | $seconds s | $precision | $mo | $mn | $ratio | $ro | $rn |"
    done
  done
done
