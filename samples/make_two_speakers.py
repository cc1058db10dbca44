#!/usr/bin/env python3
"""Rebuilds samples/two_speakers_8k.wav, the README's bundled 2-speaker mixture (Python standard library only).

Sources (Debian packages; both speakers are held out from the default model's training):
  * asterisk-core-sounds-ru-wav: ru_RU_f_IvrvoiceRU/demo-congrats.wav (female, Russian)
      Asterisk core sound prompts in Russian, (c) 2010 Maxim Topal (ivrvoice.ru), licence CC BY 3.0.
  * codec2-examples: /usr/share/codec2/wav/david4.wav (male, English)
      codec2 example audio, (c) 2007-2019 David Rowe, distributed with codec2 under LGPL-2.1.
Each source: the first 8 s, RMS-normalised to -26 dBFS, then summed (second speaker starts 0.5 s later);
the mixture is scaled to a 0.5 peak and written as 8 kHz 16-bit mono PCM.
"""
import array, math, sys, wave

RATE, SECONDS, DELAY = 8000, 8.0, 0.5

def read(path, n):
    with wave.open(path) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        x = array.array("h", w.readframes(n))
    x = [v / 32768.0 for v in x] + [0.0] * (n - len(x))
    rms = math.sqrt(sum(v * v for v in x) / n)
    return [v * 0.05 / rms for v in x]

n = int(RATE * SECONDS)
a = read("/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU/demo-congrats.wav", n)
d = int(RATE * DELAY)
b = [0.0] * d + read("/usr/share/codec2/wav/david4.wav", n - d)
mix = [x + y for x, y in zip(a, b)]
g = 0.5 / max(abs(v) for v in mix)
out = sys.argv[1] if len(sys.argv) > 1 else "two_speakers_8k.wav"
with wave.open(out, "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(RATE)
    w.writeframes(array.array("h", (int(round(v * g * 32767)) for v in mix)).tobytes())
print(f"{out}: {n / RATE:.1f} s, 2 speakers")
