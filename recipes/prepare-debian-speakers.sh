#!/usr/bin/env bash
# Lays out the real recorded speech of Debian packages as one folder per speaker (symbolic links, nothing copied),
# for the default model's recipe (recipes/default-mossformer2-8k.json). Usage: prepare-debian-speakers.sh OUT_DIR
#   apt-get install asterisk-core-sounds-{en,es,fr,it,ru}-wav codec2-examples pocketsphinx-testdata alsa-utils
# Training speakers: Allison (en_US + es_MX prompts, female), Carlo (it_IT, male), June (fr_CA, female), eight codec2
# example speakers, pocketsphinx-testdata's LibriVox reader and "cards" speaker (16 kHz) and alsa-utils' channel-test
# voice (48 kHz; resampled when read); under extra/, for stage 3 of the default model, Menardi (asterisk-prompt-it-menardi-wav,
# female) and, decoded from GSM with sox when it is installed, the asterisk-prompt-es-co (Colombian Spanish) and
# asterisk-prompt-fr-armelle (French, Armelle Desjardins) voices.
# Held out for validation: IvrvoiceRU (ru_RU, female), codec2's david4 and vk2tpm_004.
set -euo pipefail
out=${1:?usage: prepare-debian-speakers.sh OUT_DIR}
snd=/usr/share/asterisk/sounds
c2=/usr/share/codec2/wav
ps=/usr/share/pocketsphinx/test/data
for d in $snd/en_US_f_Allison $snd/es_MX_f_Allison $snd/fr_CA_f_June $snd/it_IT_m_Carlo $snd/ru_RU_f_IvrvoiceRU $c2 $ps/librivox $ps/cards /usr/share/sounds/alsa; do
  [ -d "$d" ] || { echo "missing $d (apt-get install asterisk-core-sounds-{en,es,fr,it,ru}-wav codec2-examples pocketsphinx-testdata alsa-utils)" >&2; exit 1; }
done
link_tree() { # SRC_DIR DEST_DIR PREFIX: links every WAV below SRC_DIR into DEST_DIR (flat, names prefixed)
  mkdir -p "$2"
  find "$1" -name '*.wav' -print0 | while IFS= read -r -d '' f; do
    rel=${f#"$1"/}; ln -sf "$f" "$2/$3${rel//\//_}"
  done
}
rm -rf "$out"; mkdir -p "$out/train" "$out/valid"
link_tree $snd/en_US_f_Allison "$out/train/allison" en_
link_tree $snd/es_MX_f_Allison "$out/train/allison" es_
link_tree $snd/it_IT_m_Carlo "$out/train/carlo" it_
link_tree $snd/fr_CA_f_June "$out/train/june" fr_
link_tree $snd/ru_RU_f_IvrvoiceRU "$out/valid/ivrvoice_ru" ru_
for s in ve9qrp vk5qi hts1a hts2a morig forig mmt1 big_dog; do mkdir -p "$out/train/c2_$s"; ln -sf "$c2/$s.wav" "$out/train/c2_$s/$s.wav"; done
link_tree $ps/librivox "$out/train/librivox_austen" ""
link_tree $ps/cards "$out/train/pocketsphinx_cards" ""
mkdir -p "$out/train/alsa_voice"; for f in /usr/share/sounds/alsa/{Front,Rear,Side}_*.wav; do ln -sf "$f" "$out/train/alsa_voice/"; done
# Stage 3 only (recipes/default-mossformer2-8k.stage3.json): extra voices under extra/.
[ -d $snd/it_IT_f_Menardi ] && link_tree $snd/it_IT_f_Menardi "$out/extra/menardi" it_
decode_gsm() { # SRC_DIR DEST_DIR: GSM prompts → 8 kHz 16-bit WAV (sox)
  mkdir -p "$2"
  for f in "$1"/*.gsm; do sox -q "$f" -r 8000 -b 16 -c 1 "$2/$(basename "${f%.gsm}").wav"; done
}
if command -v sox >/dev/null; then
  [ -d $snd/es ] && ls $snd/es/*.gsm >/dev/null 2>&1 && decode_gsm $snd/es "$out/extra/es_co"
  [ -d $snd/fr ] && ls $snd/fr/*.gsm >/dev/null 2>&1 && decode_gsm $snd/fr "$out/extra/armelle"
fi
for s in david4 vk2tpm_004; do mkdir -p "$out/valid/c2_$s"; ln -sf "$c2/$s.wav" "$out/valid/c2_$s/$s.wav"; done
echo "speakers: $(ls "$out/train" | wc -l) train, $(ls "$out/extra" 2>/dev/null | wc -l) extra (stage 3), $(ls "$out/valid" | wc -l) held out, under $out"
