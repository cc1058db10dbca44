#!/usr/bin/env bash
# SpeechSeparation build entry point.
#   ./build.sh run    install what is missing, build, and separate the bundled 2-speaker sample with the default model
#   ./build.sh test   install what is missing, build, and run every default test
# Works on a fresh Debian 12 machine with the .NET 10 SDK; a second run reinstalls nothing.
set -euo pipefail
cd "$(dirname "$0")"

need_pkgs=()
# libtorch itself comes from NuGet (TorchSharp-cpu / libtorch-cpu-linux-x64): no compiler, CMake or system libtorch.
# Real recorded speech used by tests (share-alike: mixtures are built at test time, never committed).
[ -d /usr/share/asterisk/sounds/en_US_f_Allison ] || need_pkgs+=(asterisk-core-sounds-en-wav)
[ -d /usr/share/asterisk/sounds/it_IT_m_Carlo ] || need_pkgs+=(asterisk-core-sounds-it-wav)
# Held-out speakers of the default model (its test separates a mixture of them): Russian prompts and codec2's examples.
[ -d /usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU ] || need_pkgs+=(asterisk-core-sounds-ru-wav)
[ -f /usr/share/codec2/wav/david4.wav ] || need_pkgs+=(codec2-examples)
command -v ffmpeg >/dev/null || need_pkgs+=(ffmpeg)   # compressed inputs (FLAC, M4A, …), FLAC/MP3 output and the codec tests
# A font for the evaluation report's plot labels (ScottPlot/SkiaSharp's dependency-free build reads /usr/share/fonts;
# without a font the plots are drawn without text). ffmpeg usually brings it in, but not on every path.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_pkgs+=(fonts-dejavu-core)
# MPICH (mpiexec.mpich, libmpich.so.12): data-parallel training and its equivalence test under mpiexec -n 2 (docs/scaling.md).
command -v mpiexec.mpich >/dev/null || need_pkgs+=(mpich)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "build.sh: installing ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

case "${1:-}" in
  run)
    dotnet build src/SpeechSeparation.Cli -c Release -v quiet -nologo
    # Main job: separate the bundled 2-speaker sample with the embedded default model (stems in samples/out/).
    if [ $# -le 1 ]; then set -- run separate samples/two_speakers_8k.wav --out samples/out --overwrite; fi
    dotnet run --no-build -c Release --project src/SpeechSeparation.Cli -- "${@:2}"
    ;;
  test)
    dotnet build SpeechSeparation.sln -c Release -v quiet -nologo
    log=$(mktemp)
    set +e
    # The console logger at "minimal" prints each failed test with its assertion message and stack (nothing for passes).
    dotnet test SpeechSeparation.sln -c Release --no-build -v quiet -nologo --logger "console;verbosity=minimal" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    # One plain closing line over all test assemblies.
    awk '/(Passed|Failed)!/ { for (i=1;i<=NF;i++) { if ($i=="Failed:") f+=$(i+1); if ($i=="Passed:") p+=$(i+1); if ($i=="Skipped:") s+=$(i+1) } }
         END { gsub(",","",f); printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
    rm -f "$log"
    exit $rc
    ;;
  *)
    echo "usage: ./build.sh run|test" >&2; exit 2 ;;
esac
