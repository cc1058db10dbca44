#!/usr/bin/env bash
# Lays out the real recorded speech of Debian packages as one folder per speaker (symbolic links, nothing copied),
# for the default model's recipe (recipes/default-mossformer2-8k.json). Usage: prepare-debian-speakers.sh OUT_DIR
#   apt-get install asterisk-core-sounds-{en,es,fr,it,ru}-wav codec2-examples
# Training speakers: Allison (en_US + es_MX prompts, female), Carlo (it_IT, male), June (fr_CA, female) and eight
# codec2 example speakers. Held out for validation: IvrvoiceRU (ru_RU, female), codec2's david4 and vk2tpm_004.
set -euo pipefail
out=${1:?usage: prepare-debian-speakers.sh OUT_DIR}
snd=/usr/share/asterisk/sounds
c2=/usr/share/codec2/wav
for d in $snd/en_US_f_Allison $snd/es_MX_f_Allison $snd/fr_CA_f_June $snd/it_IT_m_Carlo $snd/ru_RU_f_IvrvoiceRU $c2; do
  [ -d "$d" ] || { echo "missing $d (apt-get install asterisk-core-sounds-{en,es,fr,it,ru}-wav codec2-examples)" >&2; exit 1; }
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
for s in david4 vk2tpm_004; do mkdir -p "$out/valid/c2_$s"; ln -sf "$c2/$s.wav" "$out/valid/c2_$s/$s.wav"; done
echo "speakers: $(ls "$out/train" | wc -l) train, $(ls "$out/valid" | wc -l) held out, under $out"
