#!/usr/bin/env bash
# Coverage-guided fuzzing of the parsers of untrusted bytes (SharpFuzz 2.3 + AFL++):
#   fuzz/run.sh TARGET [SECONDS]      TARGET: wav, torch, safetensors, npy, package-json, recipe-json (default 600 s)
#   fuzz/run.sh replay TARGET DIR...  re-runs inputs (e.g. fuzz/findings/TARGET/default/crashes) without AFL
# Needs afl++ (Debian package) and the sharpfuzz tool (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0);
# both are installed here when missing. Findings go to fuzz/findings/TARGET (not committed); the seed corpus is fuzz/corpus.
set -euo pipefail
cd "$(dirname "$0")"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
command -v afl-fuzz >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq afl++ >/dev/null; }
export PATH="$PATH:$HOME/.dotnet/tools"
command -v sharpfuzz >/dev/null || dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null

bin=${FUZZ_BIN:-out/bin}
build() {
  dotnet build SpeechSeparation.Fuzz -c Release -o "$bin" -v quiet -nologo >/dev/null
  # Instrument the library assemblies whose code parses untrusted bytes (once per build: sharpfuzz refuses twice).
  for a in SpeechSeparation.Signal SpeechSeparation.Serialization SpeechSeparation SpeechSeparation.Models SpeechSeparation.Training SpeechSeparation.Audio; do
    sharpfuzz "$bin/$a.dll" >/dev/null 2>&1 || true
  done
}

if [ "${1:-}" = replay ]; then
  [ -f "$bin/SpeechSeparation.Fuzz.dll" ] || build
  exec dotnet "$bin/SpeechSeparation.Fuzz.dll" "$2" --replay "${@:3}"
fi
target=${1:?usage: fuzz/run.sh TARGET [SECONDS] | replay TARGET DIR...}
seconds=${2:-600}
[ -d "corpus/$target" ] || { echo "no corpus/$target" >&2; exit 2; }
build
mkdir -p "findings/$target"
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
export DOTNET_TieredPGO=0 DOTNET_TieredCompilation=0
afl-fuzz -V "$seconds" -i "corpus/$target" -o "findings/$target" -t 10000 -m none -- dotnet "$bin/SpeechSeparation.Fuzz.dll" "$target" || true
stats="findings/$target/default/fuzzer_stats"
if [ -f "$stats" ]; then
  grep -E "^(run_time|execs_done|execs_per_sec|corpus_count|bitmap_cvg|saved_crashes|saved_hangs|last_find)" "$stats"
fi
