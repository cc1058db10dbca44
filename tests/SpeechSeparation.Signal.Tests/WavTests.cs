using System.Text.Json;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Signal.Tests;

public class WavTests
{
    private static string Dir => TestPaths.Fixture("dsp", "wav_io");

    public static TheoryData<string> ReadableFiles()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Fixture("dsp", "wav_io"), "config.json")));
        foreach (var f in doc.RootElement.GetProperty("files").EnumerateArray())
            if (!f.TryGetProperty("expected", out _)) data.Add(f.GetProperty("file").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(ReadableFiles))]
    public void DecodesFixtureExactly(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        var (e, shape) = FixtureNpy.Read(Path.Combine(Dir, stem + "_decoded.npy"));
        var got = Wav.ReadDouble(Path.Combine(Dir, file), out var format);
        Assert.Equal((int)shape[1], format.Channels);
        Assert.Equal(e, got);

        // float path: equal to the double values rounded to float
        var buf = Wav.Read(Path.Combine(Dir, file));
        for (int c = 0; c < buf.Channels; c++)
            for (int t = 0; t < buf.Frames; t++)
                Assert.Equal((float)e[t * buf.Channels + c], buf.Channel(c)[t]);

        var monoPath = Path.Combine(Dir, stem + "_mono.npy");
        if (File.Exists(monoPath))
        {
            var mono = FixtureNpy.Data(monoPath);
            var m = buf.ToMono();
            for (int t = 0; t < mono.Length; t++) Assert.Equal(mono[t], m.Samples[t], 6e-8);
        }
    }

    [Fact]
    public void FixtureHeadersMatchConfig()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, "config.json")));
        foreach (var f in doc.RootElement.GetProperty("files").EnumerateArray())
        {
            if (!f.TryGetProperty("sample_rate", out var sr)) continue;
            var (format, frames) = Wav.ReadInfo(Path.Combine(Dir, f.GetProperty("file").GetString()!));
            Assert.Equal(sr.GetInt32(), format.SampleRate);
            Assert.Equal(f.GetProperty("channels").GetInt32(), format.Channels);
            Assert.Equal(f.GetProperty("frames").GetInt64(), frames);
        }
    }

    [Fact]
    public void TruncatedFileRaisesInvalidData()
    {
        var ex = Assert.Throws<InvalidDataException>(() => Wav.Read(Path.Combine(Dir, "truncated_pcm16.wav")));
        Assert.Contains("truncated", ex.Message);
    }

    [Theory]
    [InlineData(WavSampleFormat.Pcm8, 1)]
    [InlineData(WavSampleFormat.Pcm16, 2)]
    [InlineData(WavSampleFormat.Pcm24, 3)]
    [InlineData(WavSampleFormat.Pcm32, 1)]
    [InlineData(WavSampleFormat.Float32, 6)]
    [InlineData(WavSampleFormat.Float64, 2)]
    public void RoundTripIsBitExact(WavSampleFormat sf, int channels)
    {
        var rng = new Random(1 + (int)sf * 10 + channels);
        int frames = 1001;
        var fmt = new WavFormat(sf, channels, 22050);
        int bits = fmt.BitsPerSample;
        var x = new double[frames * channels];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = sf switch
            {
                WavSampleFormat.Float32 => (float)(rng.NextDouble() * 2.4 - 1.2),
                WavSampleFormat.Float64 => rng.NextDouble() * 2.4 - 1.2,
                _ => Math.Floor((rng.NextDouble() * 2 - 1) * Math.Pow(2, bits - 1)) / Math.Pow(2, bits - 1),
            };
        }
        x[0] = -1.0;
        var path = Path.Combine(Path.GetTempPath(), $"rt_{Guid.NewGuid():N}.wav");
        try
        {
            Wav.Write(path, x, fmt);
            var y = Wav.ReadDouble(path, out var f2);
            Assert.Equal(fmt, f2);
            Assert.Equal(x, y);
            // write the bytes again from the decoded float buffer: identical file (integer formats and float32)
            if (sf != WavSampleFormat.Float64 && sf != WavSampleFormat.Pcm32)
            {
                var path2 = path + "2.wav";
                Wav.Write(path2, Wav.Read(path), sf);
                Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(path2));
                File.Delete(path2);
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void EncodingIsWithinOneLsbOfInput()
    {
        var rng = new Random(5);
        var x = new double[5000];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextDouble() * 2 - 1;
        foreach (var sf in new[] { WavSampleFormat.Pcm8, WavSampleFormat.Pcm16, WavSampleFormat.Pcm24 })
        {
            var ms = new MemoryStream();
            using (var w = new WavWriter(ms, new WavFormat(sf, 1, 8000), leaveOpen: true)) { w.Write(x); w.Complete(); }
            ms.Position = 0;
            using var r = new WavReader(ms);
            var y = r.ReadAllDouble();
            double lsb = Math.Pow(2, -(new WavFormat(sf, 1, 8000).BitsPerSample - 1));
            for (int i = 0; i < x.Length; i++) Assert.InRange(x[i] - y[i], -1e-9, lsb);
        }
    }

    [Fact]
    public void StreamingReaderAndWriterInBlocks()
    {
        var rng = new Random(9);
        int channels = 3, frames = 50_000;
        var x = new float[frames * channels];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() - 0.5);
        var path = Path.Combine(Path.GetTempPath(), $"stream_{Guid.NewGuid():N}.wav");
        try
        {
            using (var w = new WavWriter(path, new WavFormat(WavSampleFormat.Float32, channels, 16000)))
            {
                for (int s = 0; s < frames; s += 777) w.Write(x.AsSpan(s * channels, Math.Min(777, frames - s) * channels));
                Assert.False(File.Exists(path));
                w.Complete();
            }
            using var r = new WavReader(path);
            Assert.Equal(frames, r.FrameCount);
            var got = new List<float>();
            var block = new float[1000 * channels];
            int n;
            while ((n = r.Read(block)) > 0) got.AddRange(block.AsSpan(0, n * channels));
            Assert.Equal(x, got);
            Assert.Equal(frames, r.Position);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AbandonedWriteLeavesTargetUntouched()
    {
        var path = Path.Combine(Path.GetTempPath(), $"atomic_{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(path, [1, 2, 3]);
        try
        {
            using (var w = new WavWriter(path, new WavFormat(WavSampleFormat.Pcm16, 1, 8000)))
                w.Write(new float[100]);
            Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
            Assert.Empty(Directory.GetFiles(Path.GetTempPath(), $".{Path.GetFileName(path)}.*"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void NonSeekableStreamWithUnsetSizesReadsToEnd()
    {
        var x = new float[] { 0.5f, -0.25f, 0.125f, 0f, -1f };
        var ms = new MemoryStream();
        using (var w = new WavWriter(new NonSeekableStream(ms), new WavFormat(WavSampleFormat.Pcm16, 1, 8000))) { w.Write(x); w.Complete(); }
        var bytes = ms.ToArray();
        Assert.Equal(0xFFFFFFFFu, BitConverter.ToUInt32(bytes, 40));
        using var r = new WavReader(new NonSeekableStream(new MemoryStream(bytes)));
        Assert.Null(r.FrameCount);
        Assert.Equal(x, r.ReadAll().Samples);
        using var r2 = new WavReader(new MemoryStream(bytes)); // seekable: size from file length
        Assert.Equal(5, r2.FrameCount);
    }

    [Theory]
    [InlineData("RIFX", "big-endian")]
    [InlineData("JUNK", "not a RIFF")]
    public void RejectsWrongContainer(string magic, string message)
    {
        var b = MakePcm16(10);
        System.Text.Encoding.ASCII.GetBytes(magic).CopyTo(b, 0);
        var ex = Assert.Throws<InvalidDataException>(() => Wav.Read(new MemoryStream(b)));
        Assert.Contains(message, ex.Message);
    }

    [Theory]
    [InlineData(20, 2, "format tag 0x0002")]
    [InlineData(22, 0, "zero channels")]
    [InlineData(24, 0, "zero sample rate")]
    [InlineData(32, 3, "block align")]
    [InlineData(34, 12, "bit depth 12")]
    public void RejectsBadFmtFields(int offset, int value, string message)
    {
        var b = MakePcm16(10);
        if (offset == 24) BitConverter.GetBytes(value).CopyTo(b, offset);
        else BitConverter.GetBytes((ushort)value).CopyTo(b, offset);
        var ex = Assert.Throws<InvalidDataException>(() => Wav.Read(new MemoryStream(b)));
        Assert.Contains(message, ex.Message);
    }

    [Fact]
    public void MissingChunksAreNamed()
    {
        var b = MakePcm16(10);
        var noData = b[..36];
        Assert.Contains("no 'data'", Assert.Throws<InvalidDataException>(() => Wav.Read(new MemoryStream(noData))).Message);
        var noFmt = b.ToArray();
        "abcd"u8.ToArray().CopyTo(noFmt, 12);
        Assert.Contains("no 'fmt '", Assert.Throws<InvalidDataException>(() => Wav.Read(new MemoryStream(noFmt))).Message);
    }

    [Fact]
    public void FmtAfterDataAndOddChunksAreAccepted()
    {
        // RIFF WAVE, odd LIST (3 bytes + pad), data (5 bytes of 8-bit + pad), fmt after data
        var ms = new MemoryStream();
        var bw = new BinaryWriter(ms);
        bw.Write("RIFF"u8); bw.Write(0u); bw.Write("WAVE"u8);
        bw.Write("LIST"u8); bw.Write(3u); bw.Write(new byte[] { 1, 2, 3, 0 });
        bw.Write("data"u8); bw.Write(5u); bw.Write(new byte[] { 128, 192, 64, 0, 255, 0 });
        bw.Write("fmt "u8); bw.Write(16u); bw.Write((ushort)1); bw.Write((ushort)1); bw.Write(8000u); bw.Write(8000u); bw.Write((ushort)1); bw.Write((ushort)8);
        var b = ms.ToArray();
        BitConverter.GetBytes((uint)(b.Length - 8)).CopyTo(b, 4);
        var buf = Wav.Read(new MemoryStream(b));
        Assert.Equal(new[] { 0f, 0.5f, -0.5f, -1f, 127f / 128 }, buf.Samples);
    }

    /// <summary>Thousands of randomly corrupted or truncated files: each loads or raises InvalidDataException.</summary>
    [Fact]
    public void FuzzedFilesLoadOrRaiseInvalidData()
    {
        var seeds = new List<byte[]>();
        foreach (var f in Directory.GetFiles(Dir, "*.wav")) seeds.Add(File.ReadAllBytes(f));
        var rng = new Random(1234);
        int loaded = 0, rejected = 0;
        for (int iter = 0; iter < 3000; iter++)
        {
            var b = (byte[])seeds[rng.Next(seeds.Count)].Clone();
            int mode = rng.Next(4);
            int headerSpan = Math.Min(b.Length, 120);
            if (mode == 0) b = b[..rng.Next(b.Length)];
            else
            {
                int k = 1 + rng.Next(8);
                for (int j = 0; j < k; j++)
                {
                    int at = mode == 1 ? rng.Next(headerSpan) : rng.Next(b.Length);
                    b[at] = mode == 3 ? (byte)(rng.Next(2) == 0 ? 0xFF : 0) : (byte)rng.Next(256);
                }
                if (rng.Next(3) == 0) b = b[..rng.Next(b.Length)];
            }
            try
            {
                var buf = Wav.Read(new MemoryStream(b));
                Assert.True((long)buf.Samples.Length * 1 <= b.Length, "decoded more samples than there are bytes");
                loaded++;
            }
            catch (InvalidDataException) { rejected++; }
        }
        Assert.True(loaded > 100 && rejected > 100, $"loaded {loaded}, rejected {rejected}");
    }

    private static byte[] MakePcm16(int frames)
    {
        var ms = new MemoryStream();
        using (var w = new WavWriter(ms, new WavFormat(WavSampleFormat.Pcm16, 1, 16000), leaveOpen: true))
        {
            w.Write(new float[frames]);
            w.Complete();
        }
        return ms.ToArray();
    }

    private sealed class NonSeekableStream(Stream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => false;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, Math.Min(count, 7));
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
