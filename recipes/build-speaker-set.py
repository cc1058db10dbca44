#!/usr/bin/env python3
"""Turns lists of recorded clips into per-speaker folders of 8 kHz utterances (Python standard library + sox/ffmpeg).

Usage: build-speaker-set.py SPEAKERS_IN FILES_IN OUT_DIR
  SPEAKERS_IN: TSV without header: id, split (train|valid), package, language, sex (F, M or ? = estimate), licence
  FILES_IN:    TSV without header: id, source; a source is an audio file sox reads, "raw-u8-11025:PATH" (headerless
               unsigned 8-bit mono) or "queen:PATH.mp3" (clips concatenated by extract-queen-speech.py, boundaries in
               PATH.tsv)
Writes OUT_DIR/{train,valid}/<id>/<id>_NNNN.wav (mono, 16-bit PCM, 8 kHz), OUT_DIR/speakers.tsv and
OUT_DIR/speakers-stats.tsv (median F0 and voiced-frame count behind the sex estimates).

Per speaker: the clips are put in a seeded random order and decoded one by one until MAX_SECONDS (env, default 480) of
trimmed speech are collected; leading/trailing silence is cut (10-ms frames 40 dB below the clip's loud frames, 30 ms
kept); clips longer than 8 s are split at pauses into ~5-s pieces; pieces of 1.5-8 s become utterances on their own,
shorter ones (words, letters, syllables, short lines) are joined 3-5 at a time (more while under 1.5 s, never over
8 s) with 0.1-0.4 s of digital silence between them. Speakers with less than MIN_SECONDS (env, default 20) of
utterances are dropped unless they are in valid. Everything random is seeded from SEED (env, default 16) and the
speaker id, so a rerun writes identical files. Sex "?" is replaced by an estimate from the median F0 of voiced frames
(centre-clipped normalised autocorrelation): below 145 Hz "M*", from 215 Hz "F*", otherwise "?" (the known voices
here overlap a lot: men between 180 and 250 Hz, women from 175 Hz).
"""
import array, hashlib, math, operator, os, random, shutil, subprocess, sys, wave

RATE = 8000
FRAME = RATE // 100                      # 10 ms
MAX_UTT, MIN_UTT = 8.0, 1.5
SEED = int(os.environ.get("SEED", "16"))
MAX_SECONDS = float(os.environ.get("MAX_SECONDS", "480"))
MIN_SECONDS = float(os.environ.get("MIN_SECONDS", "20"))


def rng_for(*parts):
    return random.Random(int.from_bytes(hashlib.sha256("/".join(map(str, (SEED,) + parts)).encode()).digest()[:8], "big"))


def sox_decode(args):
    out = subprocess.run(["sox", "-R", "-D", "-G", "-V1", "-q"] + args +
                         ["-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1", "-r", str(RATE), "-"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if out.returncode != 0:
        print(f"  sox failed on {args[-1]}: {out.stderr.decode(errors='replace').strip()[:200]}", file=sys.stderr)
        return None
    a = array.array("h"); a.frombytes(out.stdout[:len(out.stdout) // 2 * 2])
    if sys.byteorder == "big":
        a.byteswap()
    return a


class QueenFile:
    """All clips of one character: decoded once with ffmpeg, cut at the boundaries listed beside the .mp3."""
    cache = {}

    @classmethod
    def clips(cls, path):
        rows = [line.rstrip("\n").split("\t") for line in open(path[:-4] + ".tsv")]
        return [f"queen-clip:{path}:{i}" for i in range(len(rows))]

    @classmethod
    def clip(cls, path, index):
        if path not in cls.cache:
            cls.cache.clear()
            rows = [line.rstrip("\n").split("\t") for line in open(path[:-4] + ".tsv")]
            out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "mp3", "-i", path, "-ac", "1", "-ar",
                                  str(RATE), "-f", "s16le", "-"], stdout=subprocess.PIPE, check=True).stdout
            a = array.array("h"); a.frombytes(out[:len(out) // 2 * 2])
            if sys.byteorder == "big":
                a.byteswap()
            bounds, pos = [], 0
            for _name, samples, rate in rows:
                start = round(pos * RATE / int(rate)); pos += int(samples)
                bounds.append((start, round(pos * RATE / int(rate))))
            cls.cache[path] = (a, bounds)
        a, bounds = cls.cache[path]
        s, e = bounds[index]
        return a[s:e]


def expand(sources):
    out = []
    for s in sources:
        out.extend(QueenFile.clips(s[6:]) if s.startswith("queen:") else [s])
    return out


def decode(source):
    if source.startswith("queen-clip:"):
        path, index = source[11:].rsplit(":", 1)
        return QueenFile.clip(path, int(index))
    if source.startswith("raw-u8-11025:"):
        return sox_decode(["-t", "raw", "-e", "unsigned-integer", "-b", "8", "-c", "1", "-r", "11025", source[13:]])
    return sox_decode([source])


def frame_rms(x):
    n = len(x) // FRAME
    return [math.sqrt(sum(map(operator.mul, x[i * FRAME:(i + 1) * FRAME], x[i * FRAME:(i + 1) * FRAME])) / FRAME)
            for i in range(n)]


def loud_level(rms):
    s = sorted(rms)
    return s[int(0.95 * (len(s) - 1))] if s else 0.0


def trim(x, rms=None, level=None):
    """Cuts leading/trailing silence; None when nothing loud enough is left."""
    rms = frame_rms(x) if rms is None else rms
    level = loud_level(rms) if level is None else level
    if level < 60:                                       # about -55 dBFS: silence or hum
        return None
    thr = max(level * 0.01, 8.0)                         # 40 dB below the loud frames
    on = [i for i, r in enumerate(rms) if r > thr]
    if not on:
        return None
    a, b = max(on[0] - 3, 0), min(on[-1] + 4, len(rms))
    y = x[a * FRAME:b * FRAME]
    return y if len(y) >= 0.2 * RATE else None


def split_long(x):
    """Splits a trimmed clip longer than MAX_UTT at pauses into pieces of about 5 s."""
    if len(x) <= MAX_UTT * RATE:
        return [x]
    rms = frame_rms(x)
    level = loud_level(rms)
    quiet = [r < level * 0.03 for r in rms]              # 30 dB down
    cands, i = [], 0
    while i < len(quiet):                                # centres of pauses of >= 100 ms
        if quiet[i]:
            j = i
            while j < len(quiet) and quiet[j]:
                j += 1
            if j - i >= 10:
                cands.append((i + j) // 2)
            i = j
        else:
            i += 1
    pieces, start, n = [], 0, len(rms)
    while n - start > MAX_UTT * 100:
        ok = [c for c in cands if 300 <= c - start <= 800]
        if ok:
            cut = min(ok, key=lambda c: abs(c - start - 500))
        else:                                             # no pause: quietest frame between 4 and 7 s
            lo, hi = start + 400, min(start + 700, n)
            cut = min(range(lo, hi), key=lambda k: rms[k])
        pieces.append(x[start * FRAME:cut * FRAME]); start = cut
    pieces.append(x[start * FRAME:])
    out = []
    for p in pieces:
        t = trim(p, level=level)
        if t is not None:
            out.append(t)
    return out


def median_f0(units, rng):
    """Median F0 over voiced frames of up to ~600 loud frames taken from the units (autocorrelation at 4 kHz)."""
    picks = units if len(units) <= 40 else [units[int(i * len(units) / 40)] for i in range(40)]
    f0s, frames = [], 0
    for u in picks:
        # low-pass (4-tap moving average, first null at 2 kHz) and decimate to 4 kHz
        d = array.array("d", ((u[i] + u[i + 1] + u[i + 2] + u[i + 3]) * 0.25 for i in range(0, len(u) - 3, 2)))
        win, lo, hi = 160, 10, 80                                                           # 40 ms; 50-400 Hz
        energies = [(sum(map(operator.mul, d[s:s + win], d[s:s + win])), s) for s in range(0, len(d) - win - hi, 80)]
        if not energies:
            continue
        gate = sorted(e for e, _ in energies)[len(energies) // 2]
        for e0, s in energies:
            if e0 <= gate or e0 <= 0 or frames >= 600:
                continue
            frames += 1
            # centre clipping at 30 % of the frame's peak (Sondhi) keeps the periodicity, drops formant ringing
            span = d[s:s + win + hi]
            c = 0.3 * max(max(span), -min(span))
            span = array.array("d", (v - c if v > c else v + c if v < -c else 0.0 for v in span))
            seg = span[:win]
            e0 = sum(map(operator.mul, seg, seg))
            if e0 <= 0:
                continue
            rs = []
            for lag in range(lo, hi + 1):
                other = span[lag:lag + win]
                e1 = sum(map(operator.mul, other, other))
                rs.append(sum(map(operator.mul, seg, other)) / math.sqrt(e0 * e1) if e1 > 0 else 0.0)
            top = max(rs)
            if top < 0.5:
                continue
            # first local maximum that comes close to the best one (guards against picking a multiple of the period)
            for k in range(1, len(rs) - 1):
                if rs[k] >= 0.9 * top and rs[k] >= rs[k - 1] and rs[k] >= rs[k + 1]:
                    break
            else:
                k = rs.index(top)
            f0s.append(4000.0 / (lo + k))
        if frames >= 600:
            break
    if not f0s:
        return None, 0
    f0s.sort()
    return f0s[len(f0s) // 2], len(f0s)


def build_speaker(sid, sources, out_dir):
    rng = rng_for(sid, "order")
    sources = expand(sources)
    rng.shuffle(sources)
    units, total = [], 0.0
    for src in sources:
        if total >= MAX_SECONDS:
            break
        x = decode(src)
        if x is None:
            continue
        t = trim(x)
        if t is None:
            continue
        for p in split_long(t):
            units.append(p); total += len(p) / RATE
    rng = rng_for(sid, "join")
    utts, group, gdur = [], [], 0.0

    def flush():
        nonlocal group, gdur
        if sum(map(len, group)) >= MIN_UTT * RATE:
            utts.append(group)
        group, gdur = [], 0.0

    target = rng.randint(3, 5)
    for u in units:
        d = len(u) / RATE
        if d >= MIN_UTT:
            utts.append([u]); continue
        gap = rng.uniform(0.1, 0.4) if group else 0.0
        if gdur + gap + d > MAX_UTT:
            flush(); target = rng.randint(3, 5); gap = 0.0
        if group:
            group.append(array.array("h", bytes(2 * int(gap * RATE))))
        group.append(u); gdur += gap + d
        clips = (len(group) + 1) // 2
        if clips >= target and sum(map(len, group)) >= MIN_UTT * RATE:
            flush(); target = rng.randint(3, 5)
    flush()
    os.makedirs(out_dir, exist_ok=True)
    seconds = 0.0
    for i, parts in enumerate(utts):
        y = array.array("h")
        for p in parts:
            y.extend(p)
        if sys.byteorder == "big":
            y.byteswap()
        with wave.open(os.path.join(out_dir, f"{sid}_{i:04d}.wav"), "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(RATE)
            w.writeframes(y.tobytes())
        seconds += len(y) / RATE
    f0, voiced = median_f0(units, rng_for(sid, "f0"))
    return len(utts), seconds, f0, voiced


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    spk_in, files_in, out = sys.argv[1:]
    speakers = [line.rstrip("\n").split("\t") for line in open(spk_in) if line.strip()]
    files = {}
    for line in open(files_in):
        if line.strip():
            sid, src = line.rstrip("\n").split("\t", 1)
            files.setdefault(sid, []).append(src)
    stage = os.path.join(out, ".staging")
    shutil.rmtree(stage, ignore_errors=True)
    rows, stats = [], []
    for sid, split, package, language, sex, licence in speakers:
        srcs = sorted(files.get(sid, []))
        if not srcs:
            print(f"{sid}: no files, skipped", file=sys.stderr); continue
        d = os.path.join(stage, split, sid)
        n, seconds, f0, voiced = build_speaker(sid, srcs, d)
        est = "?"
        if f0 is not None and voiced >= 50:
            est = "M*" if f0 < 145 else "F*" if f0 >= 215 else "?"
        if sex == "?":
            sex = est
        f0s = f"{f0:.0f}" if f0 else "-"
        if seconds < MIN_SECONDS and split != "valid":
            print(f"{sid}: {seconds:.1f} s < {MIN_SECONDS:.0f} s, dropped", file=sys.stderr)
            shutil.rmtree(d, ignore_errors=True)
            stats.append([sid, "dropped", package, language, sex, str(n), f"{seconds:.1f}", f0s, str(voiced), est])
            continue
        print(f"{sid}\t{split}\t{n} utt\t{seconds:.0f} s\tF0 {f0s} Hz ({voiced} fr)\t{sex}", file=sys.stderr)
        rows.append([sid, split, package, language, sex, str(n), f"{seconds:.1f}", licence])
        stats.append([sid, split, package, language, sex, str(n), f"{seconds:.1f}", f0s, str(voiced), est])
    with open(os.path.join(stage, "speakers.tsv"), "w") as f:
        f.write("id\tsplit\tpackage\tlanguage\tsex\tfiles\tseconds\tlicense\n")
        f.writelines("\t".join(r) + "\n" for r in rows)
    with open(os.path.join(stage, "speakers-stats.tsv"), "w") as f:
        f.write("id\tsplit\tpackage\tlanguage\tsex\tfiles\tseconds\tmedian_f0_hz\tvoiced_frames\tpitch_estimate\n")
        f.writelines("\t".join(r) + "\n" for r in stats)
    for name in ("train", "valid", "speakers.tsv", "speakers-stats.tsv"):
        target = os.path.join(out, name)
        if os.path.isdir(target):
            shutil.rmtree(target)
        elif os.path.exists(target):
            os.remove(target)
        if os.path.exists(os.path.join(stage, name)):
            os.replace(os.path.join(stage, name), target)
    shutil.rmtree(stage, ignore_errors=True)


if __name__ == "__main__":
    main()
