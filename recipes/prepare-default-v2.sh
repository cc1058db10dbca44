#!/usr/bin/env bash
# Builds the default model's v2 speaker set (issue 16) from real recorded voices shipped in Debian packages:
#   OUT_DIR/train/<id>/*.wav, OUT_DIR/valid/<id>/*.wav  8 kHz mono 16-bit utterances of 1.5-8 s (silence trimmed;
#                                                       words/letters/syllables joined 3-5 per utterance)
#   OUT_DIR/speakers.tsv                                id split package language sex files seconds license
#   OUT_DIR/speakers-stats.tsv                          plus median F0 behind the sex estimates (F*/M*)
# Usage: prepare-default-v2.sh OUT_DIR        (rerunnable: rewrites train/, valid/ and the tables identically)
# Needs sox, ffmpeg, python3 and (missing ones are skipped with a warning):
#   apt-get install --no-install-recommends asterisk-core-sounds-{en,es,fr,it,ru}-wav asterisk-prompt-es-co \
#     asterisk-prompt-fr-armelle asterisk-prompt-it-menardi-gsm codec2-examples pocketsphinx-testdata \
#     tuxpaint-stamps-default klettres-data ktuberling-data qabcs-data gcin-voice kajongg drascula drascula-spanish \
#     flight-of-the-amazon-queen
# A speaker id is (package, language, set). One person may appear under two ids (Allison recorded the en and the es
# asterisk prompts; game actors may voice several characters; kajongg's English and German voices look paired).
# Sex: F/M from the package or its documentation, F*/M* estimated from the median F0, ? unknown.
# Env: SEED (16), MAX_SECONDS of speech read per speaker (480), MIN_SECONDS (20: smaller train speakers are dropped),
# VALID / DROP (space-separated ids). Then: recipes/make-heldout-mixtures.py OUT_DIR HELDOUT_DIR (fixed test set).
set -euo pipefail
out=${1:?usage: prepare-default-v2.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C
for tool in sox ffmpeg python3; do command -v $tool >/dev/null || { echo "$tool is required" >&2; exit 1; }; done
mkdir -p "$out"
work=$(mktemp -d "$out/.work.XXXXXX"); trap 'rm -rf "$work"' EXIT
spk=$work/speakers.in.tsv files=$work/files.in.tsv
: >"$spk"; : >"$files"

# Held out (never in train/): 3 F + 3 M, 6 languages, clean recordings (asterisk: studio 8 kHz; the others 44.1 kHz),
# sex from the package documentation (names of the voices), not from pitch.
#   F: ast_ru_ivrvoice (ru), tux_ro (ro, Tabbytha), tux_el (el, Kiriaki Serafeim)
#   M: gcin_liu (zh, Edward Der-Hua Liu), tux_bg (bg, Krasimir Petkov), tux_da (da, Joe Dalton)
# v1 also held out codec2's david4.wav and vk2tpm_004.wav: they are modem signals (a 0.7-2.2 kHz band of noise-like
# tones), not speech, and are left out altogether. DROP lists ids to leave out of both splits.
# June (fr) and Carlo (it) train: the v1 default model, which v2 starts from, was trained on them, so they cannot be held out.
VALID=${VALID:-"ast_ru_ivrvoice tux_ro tux_el gcin_liu tux_bg tux_da"}
DROP=${DROP:-}

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' || { echo "warning: $1 not installed, skipped" >&2; return 1; }; }
add() { # ID PACKAGE LANGUAGE SEX LICENCE < sources (one per line)
  local split=train n
  if [[ " $DROP " == *" $1 "* ]]; then cat >/dev/null; return; fi
  [[ " $VALID " == *" $1 "* ]] && split=valid
  n=$(awk -v id="$1" 'NF { print id "\t" $0; n++ } END { print n + 0 > "/dev/stderr" }' 2>&1 >>"$files")
  if [ "$n" -gt 0 ]; then printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$split" "$2" "$3" "$4" "$5" >>"$spk"
  else echo "warning: $1 has no files" >&2; fi
}

# --- v1 sources (recipes/prepare-debian-speakers.sh) ------------------------------------------------------------------
snd=/usr/share/asterisk/sounds
have asterisk-core-sounds-en-wav && find $snd/en_US_f_Allison -type f -name '*.wav' | add ast_en_allison asterisk-core-sounds-en-wav en F CC-BY-SA-3.0
have asterisk-core-sounds-es-wav && find $snd/es_MX_f_Allison -type f -name '*.wav' | add ast_es_allison asterisk-core-sounds-es-wav es F CC-BY-SA-3.0
have asterisk-core-sounds-fr-wav && find $snd/fr_CA_f_June -type f -name '*.wav' | add ast_fr_june asterisk-core-sounds-fr-wav fr F CC-BY-SA-3.0
have asterisk-core-sounds-it-wav && find $snd/it_IT_m_Carlo -type f -name '*.wav' | add ast_it_carlo asterisk-core-sounds-it-wav it M CC-BY-3.0
have asterisk-core-sounds-ru-wav && find $snd/ru_RU_f_IvrvoiceRU -type f -name '*.wav' | add ast_ru_ivrvoice asterisk-core-sounds-ru-wav ru F CC-BY-3.0
# Colombian Spanish prompts by July E. Jimenez (Avatar Ltda.); French prompts by Armelle Desjardins; Italian by Menardi.
have asterisk-prompt-es-co && find $snd/es -type f -name '*.gsm' | add ast_es_co asterisk-prompt-es-co es F GPL-2
have asterisk-prompt-fr-armelle && find $snd/fr -type f -name '*.gsm' | add ast_fr_armelle asterisk-prompt-fr-armelle fr F BSD-style
have asterisk-prompt-it-menardi-gsm && find $snd/it_IT_f_Menardi -type f -name '*.gsm' | add ast_it_menardi asterisk-prompt-it-menardi-gsm it F CC-BY-SA-3.0
if have codec2-examples; then   # one file per speaker; all.wav/cross.wav/?2400.wav are mixes or coded copies,
  for s in ve9qrp vk5qi hts1a hts2a morig forig mmt1 big_dog; do   # david4/vk2tpm_004 modem signals (see VALID)
    echo /usr/share/codec2/wav/$s.wav | add c2_$s codec2-examples en '?' LGPL-2.1
  done
fi
if have pocketsphinx-testdata; then
  find /usr/share/pocketsphinx/test/data/librivox -type f -name '*.wav' | add ps_librivox pocketsphinx-testdata en '?' BSD-2-Clause
  find /usr/share/pocketsphinx/test/data/cards -type f -name '*.wav' | add ps_cards pocketsphinx-testdata en '?' BSD-2-Clause
fi
have alsa-utils && ls /usr/share/sounds/alsa/{Front,Rear,Side}_*.wav 2>/dev/null | add alsa_voice alsa-utils en '?' GPL-2

# --- Tux Paint stamp descriptions: one reader per language (English: *_desc.ogg), British English letters ----------
if have tuxpaint-stamps-default; then
  st=/usr/share/tuxpaint/stamps
  find $st -type f -name '*_desc.ogg' | add tux_en tuxpaint-stamps-default en '?' GPL-2
  # readers named in the package changelog; pt_BR was read by several children and is left out
  declare -A tux_sex=([be]=F [bg]=M [da]=M [el]=F [es]=F [fr]=M [ro]=F [ru]=M)
  for l in $(find $st -type f -name '*_desc_*' | sed -E 's/.*_desc_([A-Za-z_]+)\..*$/\1/' | sort -u); do
    [ "$l" = pt_BR ] && continue
    find $st -type f -name "*_desc_$l.*" | add "tux_$(echo $l | tr A-Z a-z)" tuxpaint-stamps-default $l "${tux_sex[$l]:-?}" GPL-2
  done
  # letters are the same recordings under filled/ and outline/: keep one copy of each
  find $st/symbols/alphabets -type f -name '*_en_GB.ogg' -exec md5sum {} + | sort | awk '!seen[$1]++ { print $2 }' |
    add tux_en_gb_letters tuxpaint-stamps-default en_GB '?' GPL-2
fi

# --- KLettres: letters and syllables, one voice per language ------------------------------------------------------
if have klettres-data; then
  for d in /usr/share/klettres/*/; do
    l=$(basename $d); [ -d $d/alpha ] || [ -d $d/syllab ] || continue
    find $d -type f -name '*.ogg' | add "klettres_$(echo $l | tr A-Z a-z)" klettres-data $l '?' GPL-2+
  done
fi

# --- KTuberling: object names, one voice per language (identical sr* variants kept once) -------------------------
if have ktuberling-data; then
  declare -A seen_sets=()
  for d in /usr/share/ktuberling/sounds/*/; do
    l=$(basename $d); sum=$(cd $d && md5sum * 2>/dev/null | awk '{ print $1 }' | sort | md5sum | cut -c1-16)
    [ -n "${seen_sets[$sum]:-}" ] && continue; seen_sets[$sum]=1
    find $d -type f \( -name '*.ogg' -o -name '*.wav' \) | add "ktuberling_$(echo $l | tr 'A-Z@' 'a-z_')" ktuberling-data $l '?' GPL-2+
  done
fi

# --- qABCs: letters and words per language (abcs/all/noises are animal and object noises: left out) ---------------
if have qabcs-data; then
  for d in /usr/share/qabcs/abcs/*/sounds/; do
    l=$(basename $(dirname $d)); [ "$l" = all ] && continue
    find $d -type f -name '*.ogg' | add "qabcs_$l" qabcs-data $l '?' GPL-3+
  done
fi

# --- gcin-voice: Mandarin syllables, 3.ogg by Edward Der-Hua Liu, 5.ogg by Chu Lo (ChionMeilin) ------------------------
if have gcin-voice; then
  find /usr/share/gcin-voice/ogg -type f -name 3.ogg | add gcin_liu gcin-voice zh M GPL-3-or-LGPL-3
  find /usr/share/gcin-voice/ogg -type f -name 5.ogg | add gcin_chulo gcin-voice zh '?' CC-BY-3.0
fi

# --- Kajongg: game calls, two women and two men in English and in German (female1/male1 and the German sets may be
# the same people: the pitches match pairwise) ----------------------------------------------------------------------
if have kajongg; then
  for v in female1 female2 male1 male2; do
    sex=F; [[ $v == male* ]] && sex=M
    find /usr/share/kajongg/voices/$v -type f -name '*.ogg' | add kajongg_en_$v kajongg en $sex GPL-2+
    find /usr/share/kajongg/voices/de/$v -type f -name '*.ogg' | add kajongg_de_$v kajongg de $sex GPL-2+
  done
fi

# --- Drascula: English and Spanish dialogue, raw unsigned 8-bit 11025 Hz; the file-name prefix is the character -----
# (ScummVM's drascula engine: N John Hacker, BJ B.J., D1-D67 Drascula, D68- the blind man, I Igor, VB Von Braun,
# L the werewolf, T the bartender, B the drunk, P the pianist, E the musician; S are sound effects, F is unknown)
for pkg in drascula:en drascula-spanish:es; do
  p=${pkg%%:*} l=${pkg#*:}
  have $p || continue
  dir=/usr/share/scummvm/drascula/$l
  for c in '' B BJ D:1:67 D:68:999 E I L P T VB; do
    pre=${c%%:*} lo=0 hi=99999
    [[ $c == *:* ]] && { lo=$(echo $c | cut -d: -f2); hi=$(echo $c | cut -d: -f3); }
    case $c in '') name=hacker sex=M;; BJ) name=bj sex=F;; D:1:67) name=drascula sex=M;; D:68:999) name=blind sex=M;;
      I) name=igor sex=M;; VB) name=vonbraun sex=M;; L) name=wolf sex=M;; T) name=bartender sex=M;; B) name=drunk sex=M;;
      P) name=pianist sex='?';; E) name=musician sex='?';; esac
    find $dir -maxdepth 1 -type f -regex ".*/${pre}[0-9]+\.ALS" |
      awk -v pre="$pre" -v lo=$lo -v hi=$hi '{ n = $0; sub(/.*\//, "", n); n = substr(n, length(pre) + 1) + 0; if (n >= lo && n <= hi) print "raw-u8-11025:" $0 }' |
      add drascula_${l}_$name $p $l $sex Drascula-License
  done
done

# --- Flight of the Amazon Queen: conversation lines grouped by character (recipes/extract-queen-speech.py) --------
if have flight-of-the-amazon-queen; then
  python3 "$here/extract-queen-speech.py" /usr/share/scummvm/flight-of-the-amazon-queen/queen.1c "$work/queen" 2>/dev/null
  for f in "$work"/queen/*.mp3; do
    c=$(basename "$f" .mp3); sex='?'
    case $c in JOE) sex=M;; FAYE) sex=F;; esac
    echo "queen:$f" | add "queen_$(echo $c | tr A-Z a-z)" flight-of-the-amazon-queen en $sex Flight-of-the-Amazon-Queen-License
  done
fi

python3 "$here/build-speaker-set.py" "$spk" "$files" "$out"
awk -F'\t' 'NR > 1 { n[$2]++; s[$2] += $7; f[$2] += $6 } END { for (k in n) printf "%s: %d speakers, %d files, %.1f min\n", k, n[k], f[k], s[k] / 60 }' "$out/speakers.tsv" | sort
