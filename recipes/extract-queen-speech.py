#!/usr/bin/env python3
"""Extracts the recorded dialogue of Flight of the Amazon Queen (Debian package flight-of-the-amazon-queen, the
"talkie" CD version rebuilt for ScummVM as queen.1c) and groups it by speaking character. Python standard library only.

Usage: extract-queen-speech.py [--list] QUEEN_1C OUT_DIR
Writes OUT_DIR/<CHARACTER>.mp3 (the character's clips, each a complete MPEG stream, concatenated) and
OUT_DIR/<CHARACTER>.tsv (clip name, decoded samples, sample rate; one line per clip, in the order of the .mp3), so a
single decoder run per character gives every clip with known boundaries. --list only prints the statistics.

The resource file, as far as this script needs it:
  * header: the 4 bytes "QTBL", a 6-byte version string (e.g. "CEM10": CD, English, 1.0), 2 unused bytes, one byte for
    the compression of the sound entries (1 = MP3), then a big-endian uint16 entry count;
  * the table of contents follows: per entry a 12-byte NUL-padded DOS file name, a 1-byte bundle number (always 1
    here), a big-endian uint32 absolute offset and a big-endian uint32 size; the entry data follow the table;
  * "*.SB" entries are sound clips; in this version each one is a stand-alone MPEG-2.5 layer III stream (11025 Hz,
    mono, 16 kbit/s).
Who speaks a clip is in its name:
  * conversation clips are named KKHHHHWn: KK the conversation's key (decimal), HHHH the dialogue node (hex, or
    SSSS/XXXX for the opening lines), W 'J' for Joe (the player character) or 'P' for the person Joe talks to, n the
    segment number;
  * the conversation files ("*.DOG", one per character and conversation, e.g. FAYE2.DOG) start with a 20-byte bank
    header followed by big-endian int16 fields: level count, unique key, conversation key. The conversation key maps
    KK to the file, and the file name without its trailing digits names the character;
  * JOEnnnnn clips are Joe's descriptions of objects;
  * other names are cut-scene lines (Cxxxxx: the speaker is only recorded in the cut-scene scripts, so they are left
    out), sound effects (names ending in SSSS, BLANK, UNTITLEx, ...) and a few odd ones; all are skipped.
"""
import collections, os, re, struct, sys

# Conversation partners that are not speech (the ape grunts, the dog barks) or not one person (MAN1/MAN2 are
# different men, so they keep their digits).
NOT_SPEECH = {"APE", "DOG"}
KEEP_DIGITS = {"MAN"}

MPEG_RATES = {0: (11025, 12000, 8000), 2: (22050, 24000, 16000), 3: (44100, 48000, 32000)}   # version bits -> rates
L3_KBPS_V2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
L3_KBPS_V1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)


def read_toc(f):
    head = f.read(13)
    if head[:4] != b"QTBL":
        raise SystemExit("not a rebuilt FOTAQ resource file (no QTBL header)")
    version, compression = head[4:10].rstrip(b"\0").decode("ascii"), head[12]
    (count,) = struct.unpack(">H", f.read(2))
    toc = {}
    for _ in range(count):
        raw = f.read(21)
        name = raw[:12].split(b"\0")[0].decode("ascii")
        _bundle, offset, size = struct.unpack(">BII", raw[12:])
        toc[name] = (offset, size)
    return version, compression, toc


def mp3_samples(data):
    """Counts the samples of an MPEG audio layer III stream by walking its frame headers; returns (samples, rate)."""
    pos, samples, rate = 0, 0, None
    while pos + 4 <= len(data):
        h = struct.unpack(">I", data[pos:pos + 4])[0]
        if (h >> 21) & 0x7FF != 0x7FF or (h >> 17) & 3 != 1:          # frame sync, layer III
            if samples == 0 and data[pos:pos + 3] == b"ID3":
                size = data[pos + 6:pos + 10]
                pos += 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
                continue
            break
        ver, bri, sri, pad = (h >> 19) & 3, (h >> 12) & 15, (h >> 10) & 3, (h >> 9) & 1
        if ver not in MPEG_RATES or sri == 3 or bri in (0, 15):
            break
        sr = MPEG_RATES[ver][sri]
        per_frame = 1152 if ver == 3 else 576
        kbps = (L3_KBPS_V1 if ver == 3 else L3_KBPS_V2)[bri]
        length = (144 if ver == 3 else 72) * kbps * 1000 // sr + pad
        rate = rate or sr
        samples += per_frame
        pos += length
    return samples, rate


def speaker_of(name, talk_keys):
    stem = name[:-3]
    m = re.match(r"^(\d\d)(?:[0-9A-F]{4}|SSSS|XXXX)([JP])\d$", stem)
    if m:
        if m.group(2) == "J":
            return "JOE"
        return talk_keys.get(int(m.group(1)))
    if re.match(r"^JOE\d{5}$", stem):
        return "JOE"
    return None


def main(argv):
    list_only = "--list" in argv
    args = [a for a in argv if a != "--list"]
    if len(args) != (1 if list_only else 2):
        raise SystemExit(__doc__)
    with open(args[0], "rb") as f:
        version, compression, toc = read_toc(f)
        if compression != 1:
            raise SystemExit(f"{version}: sound entries are not MP3 (compression {compression})")
        talk_keys = {}
        for name in sorted(toc):
            if name.endswith(".DOG"):
                offset, _ = toc[name]
                f.seek(offset + 20)
                _levels, _unique, key = struct.unpack(">hhh", f.read(6))
                who = name[:-4]
                if re.sub(r"\d+$", "", who) not in KEEP_DIGITS:
                    who = re.sub(r"\d+$", "", who)
                talk_keys[key] = None if who in NOT_SPEECH else who
        clips = collections.defaultdict(list)
        for name in sorted(toc):
            if name.endswith(".SB"):
                who = speaker_of(name, talk_keys)
                if who:
                    clips[who].append(name)
        if not list_only:
            os.makedirs(args[1], exist_ok=True)
        for who in sorted(clips):
            rows, total = [], 0
            tmp_mp3 = os.path.join(args[1], who + ".mp3.part") if not list_only else None
            out = open(tmp_mp3, "wb") if tmp_mp3 else None
            for name in clips[who]:
                offset, size = toc[name]
                f.seek(offset)
                data = f.read(size)
                samples, rate = mp3_samples(data)
                if samples == 0:
                    continue
                rows.append(f"{name[:-3]}\t{samples}\t{rate}\n")
                total += samples / rate
                if out:
                    out.write(data)
            print(f"{who}\t{len(rows)} clips\t{total:.0f} s", file=sys.stderr)
            if out:
                out.close()
                os.replace(tmp_mp3, os.path.join(args[1], who + ".mp3"))
                with open(os.path.join(args[1], who + ".tsv"), "w") as t:
                    t.writelines(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
