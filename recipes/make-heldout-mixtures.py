#!/usr/bin/env python3
"""Builds a fixed held-out test set of two-speaker 0 dB mixtures from the valid/ speakers of
recipes/prepare-default-v2.sh (Python standard library only).

Usage: make-heldout-mixtures.py SPEAKERS_DIR OUT [PER_TYPE=20] [SEED=7] [SECONDS=4]
  SPEAKERS_DIR: the prepare-default-v2.sh output (speakers.tsv + valid/<id>/*.wav, 8 kHz mono 16-bit)
  OUT:          gets mix/, s1/, s2/ (same file names, as `speechsep evaluate --data OUT` expects) and mixtures.tsv
                (name, pair type, both speakers with sex, language, source files, gains)
PER_TYPE mixtures each of F+M, M+M and F+F (sex from speakers.tsv; estimates such as F* count, "?" is left out).
Pairs go round every speaker pair of a type in a seeded order. Each source is a random SECONDS-long stretch of the
speaker's utterances laid end to end (0.1-0.3 s pauses), scaled to -26 dBFS RMS (so the mixture is at 0 dB), and
both are scaled down together if the mixture would clip. Same arguments, same files.
Then: speechsep evaluate --data OUT --model default --metrics si_snr,si_snri,sdr,stoi
"""
import array, csv, glob, itertools, math, os, random, sys, wave

RATE = 8000


def read(path):
    with wave.open(path) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        a = array.array("h", w.readframes(w.getnframes()))
    if sys.byteorder == "big":
        a.byteswap()
    return a


def write(path, x):
    a = array.array("h", (max(-32768, min(32767, int(round(v * 32768.0)))) for v in x))
    if sys.byteorder == "big":
        a.byteswap()
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(RATE)
        w.writeframes(a.tobytes())


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    root, out = sys.argv[1], sys.argv[2]
    per_type = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 4.0
    n = int(seconds * RATE)

    speakers = {}
    with open(os.path.join(root, "speakers.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            sex = row["sex"][:1]
            if row["split"] == "valid" and sex in "FM" and sex:
                files = sorted(glob.glob(os.path.join(root, "valid", row["id"], "*.wav")))
                if files:
                    speakers[row["id"]] = (sex, row["language"], files)
    by_sex = {s: sorted(k for k, v in speakers.items() if v[0] == s) for s in "FM"}
    print(f"held-out speakers: {len(by_sex['F'])} F {by_sex['F']}, {len(by_sex['M'])} M {by_sex['M']}")

    def segment(sid):
        files = speakers[sid][2][:]
        rng.shuffle(files)
        x, used = [], []
        for path in itertools.cycle(files):
            if len(x) >= n + RATE // 2 or len(used) >= 4 * len(files):
                break
            if x:
                x.extend([0.0] * int(rng.uniform(0.1, 0.3) * RATE))
            x.extend(v / 32768.0 for v in read(path)); used.append(os.path.basename(path))
        start = rng.randrange(len(x) - n + 1) if len(x) > n else 0
        s = (x[start:start + n] + [0.0] * n)[:n]
        rms = math.sqrt(sum(v * v for v in s) / n) or 1.0
        g = 10 ** (-26 / 20) / rms
        return [v * g for v in s], used, start

    for d in ("mix", "s1", "s2"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
        for old in glob.glob(os.path.join(out, d, "*.wav")):
            os.remove(old)
    rows, i = [], 0
    for kind, pairs in (("FM", [(a, b) for a in by_sex["F"] for b in by_sex["M"]]),
                        ("MM", list(itertools.combinations(by_sex["M"], 2))),
                        ("FF", list(itertools.combinations(by_sex["F"], 2)))):
        if not pairs:
            print(f"no {kind} pair possible, skipped", file=sys.stderr); continue
        rng.shuffle(pairs)
        for k in range(per_type):
            a, b = pairs[k % len(pairs)]
            if rng.random() < 0.5:
                a, b = b, a
            (s1, f1, o1), (s2, f2, o2) = segment(a), segment(b)
            mix = [p + q for p, q in zip(s1, s2)]
            peak = max(max(mix), -min(mix), max(s1), -min(s1), max(s2), -min(s2))
            scale = 0.99 / peak if peak > 0.99 else 1.0
            if scale != 1.0:
                s1, s2, mix = ([v * scale for v in y] for y in (s1, s2, mix))
            name = f"{i:03d}_{kind}_{a}_{b}.wav"
            write(os.path.join(out, "s1", name), s1)
            write(os.path.join(out, "s2", name), s2)
            write(os.path.join(out, "mix", name), mix)
            rows.append([name, kind, a, speakers[a][0], speakers[a][1], " ".join(f1), o1, b, speakers[b][0],
                         speakers[b][1], " ".join(f2), o2, f"{20 * math.log10(scale):.2f}"])
            i += 1
    with open(os.path.join(out, "mixtures.tsv"), "w", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["name", "pair_type", "s1_speaker", "s1_sex", "s1_language", "s1_files", "s1_start_sample",
                    "s2_speaker", "s2_sex", "s2_language", "s2_files", "s2_start_sample", "clip_guard_db"])
        w.writerows(rows)
    print(f"{i} mixtures of {seconds:g} s under {out} (mix/, s1/, s2/, mixtures.tsv)")


if __name__ == "__main__":
    main()
