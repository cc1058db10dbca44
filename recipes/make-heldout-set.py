#!/usr/bin/env python3
"""Builds the default model's held-out test set (Python standard library only): OUT/mix, OUT/s1, OUT/s2 with N 4-s,
8 kHz mixtures of two different held-out speakers (IvrvoiceRU from asterisk-core-sounds-ru-wav; david4 and vk2tpm_004
from codec2-examples), each source RMS-normalised to -26 dBFS and moved by a random gain in [-2.5, 2.5] dB.
Usage: make-heldout-set.py OUT [N] [SEED]   then   speechsep evaluate --data OUT --model default --metrics si_snr,si_snri,sdr,stoi
"""
import array, glob, math, os, random, sys, wave

RATE, SECONDS = 8000, 4.0
out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 60
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)

def read(path):
    with wave.open(path) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return [v / 32768.0 for v in array.array("h", w.readframes(w.getnframes()))]

speakers = {
    "ru": sorted(glob.glob("/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU/**/*.wav", recursive=True)),
    "david4": ["/usr/share/codec2/wav/david4.wav"],
    "vk2tpm": ["/usr/share/codec2/wav/vk2tpm_004.wav"],
}
n = int(RATE * SECONDS)

def segment(name):
    x = read(rng.choice(speakers[name]))
    start = rng.randrange(len(x) - n + 1) if len(x) > n else 0
    s = (x[start:start + n] + [0.0] * n)[:n]
    rms = math.sqrt(sum(v * v for v in s) / n) or 1.0
    g = 0.05 / rms * 10 ** (rng.uniform(-2.5, 2.5) / 20)
    return [v * g for v in s]

def write(path, x):
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(RATE)
        w.writeframes(array.array("h", (max(-32768, min(32767, int(round(v * 32767)))) for v in x)).tobytes())

for d in ("mix", "s1", "s2"):
    os.makedirs(os.path.join(out, d), exist_ok=True)
names = sorted(speakers)
for i in range(count):
    a, b = rng.sample(names, 2)
    s1, s2 = segment(a), segment(b)
    name = f"{i:03d}_{a}_{b}.wav"
    write(os.path.join(out, "s1", name), s1)
    write(os.path.join(out, "s2", name), s2)
    write(os.path.join(out, "mix", name), [p + q for p, q in zip(s1, s2)])
print(f"{count} mixtures under {out}")
