using System.Diagnostics;
using SpeechSeparation.Models.Frcrn;
using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tests;

namespace SpeechSeparation.Models.Tests.FrcrnTests;

using Frcrn = SpeechSeparation.Models.Frcrn.Frcrn;

/// <summary>Memory measurements see the whole process, so these tests run alone.</summary>
[CollectionDefinition(nameof(FrcrnMemoryMeasurement), DisableParallelization = true)]
public sealed class FrcrnMemoryMeasurement;

[Collection(nameof(FrcrnMemoryMeasurement))]
public class FrcrnPipelineTests
{
    [Theory]
    [InlineData(1, 16000)]
    [InlineData(15999, 16000)]
    [InlineData(16000, 28000)]
    [InlineData(27999, 28000)]
    [InlineData(28000, 28000)]          // (N − 16000) mod 12000 == 0: no padding
    [InlineData(28800, 45600)]          // the quirk: N + N − ⌊(N − 16000)/12000⌋·12000
    [InlineData(40001, 40001 + 40001 - 24000)]
    public void PaddingFollowsTheUpstreamRule(long n, long padded) => Assert.Equal(padded, FrcrnPipeline.PaddedLength(n));

    [Fact]
    public void PcmTruncatesTowardZeroAndClipsByDefault()
    {
        float[] y = [0.5f, -0.5f, 0.99999f, -1f, 1.5f, -1.5f, 0.0000152f, -0.0000152f];
        var clip = FrcrnPipeline.ToPcm16(y);
        Assert.Equal(new short[] { 16384, -16384, 32767, -32768, 32767, -32768, 0, 0 }, clip);
        var wrap = FrcrnPipeline.ToPcm16(y, PcmOverflow.Wrap);
        Assert.Equal(unchecked((short)49152), wrap[4]);
    }

    [Fact]
    public void ClearerVoiceModeRestoresTheInputLevel()
    {
        var x = new float[20000];
        var rng = new Random(3);
        for (int i = 0; i < x.Length; i++) x[i] = (float)(0.01 * (rng.NextDouble() - 0.5));
        var n = FrcrnPipeline.Normalise(x, FrcrnPipelineMode.ClearerVoice, out var gain);
        // Normalised · gain ≈ input (up to the EPS terms).
        for (int i = 0; i < 100; i++) Assert.Equal(x[i], n[i] * gain, 1e-6);
    }

    [Fact]
    public void AudioBufferPipelinesFollowTheUpstreamChannelAndRateRules()
    {
        using var m = new Frcrn(FrcrnConfig.Published with { Width = 16 });
        FrcrnCheckpoint.Load(m, StateDict.Load(TestPaths.Fixture("frcrn_tiny", "state_dict.pt")));
        m.eval();
        var rng = new Random(5);
        var left = Enumerable.Range(0, 12000).Select(_ => (float)(0.1 * (rng.NextDouble() - 0.5))).ToArray();
        var right = Enumerable.Range(0, 12000).Select(_ => (float)(0.3 * (rng.NextDouble() - 0.5))).ToArray();
        var stereo = new SpeechSeparation.Signal.AudioBuffer([.. left, .. right], 2, 16000);

        var ms = FrcrnPipeline.Enhance(m, stereo);                                  // ModelScope: first channel only
        Assert.Equal(1, ms.Channels);
        Assert.Equal(FrcrnPipeline.Enhance(m, left), ms.Channel(0).ToArray());

        var cvOptions = new FrcrnPipelineOptions { Mode = FrcrnPipelineMode.ClearerVoice };
        var cv = FrcrnPipeline.Enhance(m, stereo, cvOptions);                       // ClearerVoice: every channel, input level
        Assert.Equal(2, cv.Channels);
        Assert.Equal(FrcrnPipeline.Enhance(m, right, cvOptions), cv.Channel(1).ToArray());

        var at8k = new SpeechSeparation.Signal.AudioBuffer(left, 1, 8000);
        Assert.Equal(24000, FrcrnPipeline.Enhance(m, at8k).Frames);                 // resampled to 16 kHz
        Assert.Equal(12000, FrcrnPipeline.Enhance(m, at8k, cvOptions).Frames);      // back at the input rate
    }

    [Fact]
    public async Task SixtySecondsInWindowsStayWithinBoundedMemory()
    {
        using var m = new Frcrn(FrcrnConfig.Published with { Width = 16 });
        FrcrnCheckpoint.Load(m, StateDict.Load(TestPaths.Fixture("frcrn_tiny", "state_dict.pt")));
        m.eval();
        var segment = Npy.Read(TestPaths.Fixture("frcrn_tiny", "pipeline_long_segment.npy")).ToDoubleArray();
        var wave = new float[16000 * 60];
        for (int i = 0; i < wave.Length; i++) wave[i] = (float)segment[i % segment.Length];
        var options = new FrcrnPipelineOptions { SegmentAboveSamples = 0, WindowBatch = 4 };

        // Warm-up on 10 s, then measure the peak working set while 60 s run in windows.
        FrcrnPipeline.Enhance(m, wave.AsSpan(0, 160000), options);
        // Anonymous resident memory (Linux): the working set also counts libtorch's code pages (a 460 MB library), which
        // the first calls of new kernels fault in and which say nothing about the signal's memory.
        var proc = Process.GetCurrentProcess();
        long Resident()
        {
            if (!OperatingSystem.IsLinux()) { proc.Refresh(); return proc.WorkingSet64; }
            var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) << 10;
        }
        long before = Resident(), peak = before;
        using var cts = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                peak = Math.Max(peak, Resident());
                await Task.Delay(20);
            }
        });
        var y = FrcrnPipeline.Enhance(m, wave, options);
        cts.Cancel();
        await sampler;
        Assert.Equal(wave.Length, y.Length);
        Assert.All(y.Take(1000), v => Assert.True(float.IsFinite(v)));
        // Input, output and the float64 accumulator of 60 s are ~20 MB; windows add a few batches' worth, not the signal's.
        long growth = peak - before;
        Assert.True(growth < 300L << 20, $"anonymous resident memory grew by {growth >> 20} MiB");
    }
}
