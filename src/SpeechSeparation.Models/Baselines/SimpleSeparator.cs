using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Baselines;

/// <summary>Hyper-parameters of <see cref="SimpleSeparator"/>, with the upstream names.</summary>
/// <param name="FftSize">STFT size (<c>fft_size</c>); hop is fft_size/4, the window rectangular.</param>
/// <param name="HiddenSize">LSTM units per direction (<c>hidden_size</c>).</param>
/// <param name="NumSources">Number of separated sources (<c>num_sources</c>).</param>
public sealed record SimpleSeparatorConfig(int FftSize, int HiddenSize, int NumSources = 2)
{
    /// <summary>The tutorial's toy configuration (sinusoids at 8 kHz): fft_size 200, hidden 300.</summary>
    public static SimpleSeparatorConfig Toy { get; } = new(200, 300);

    /// <summary>The tutorial's audio configuration: fft_size 1024, hidden 300.</summary>
    public static SimpleSeparatorConfig Audio { get; } = new(1024, 300);

    /// <summary>From the tutorial's hyper-parameter names (<c>fft_size</c>, <c>hidden_size</c>, <c>num_sources</c>);
    /// absent values: 256, 128, 2.</summary>
    public static SimpleSeparatorConfig FromJson(System.Text.Json.JsonElement hyper) =>
        new(Hourglass.JsonHyper.Int(hyper, "fft_size", 256), Hourglass.JsonHyper.Int(hyper, "hidden_size", 128), Hourglass.JsonHyper.Int(hyper, "num_sources", 2));
}

/// <summary>
/// SpeechBrain tutorial baseline: STFT magnitude → BiLSTM → linear → ReLU masks → iSTFT with the mixture phase.
/// Keys: <c>masking.*</c> (the BiLSTM), <c>output_layer.*</c>.
/// </summary>
public sealed class SimpleSeparator : Module<Tensor, SimpleSeparator.Output>
{
    /// <summary>Separated sources [S, B, hop·(T-1)], masks [S, B, T, F] and the mixture magnitude [B, T, F].</summary>
    public sealed record Output(Tensor Sources, Tensor Masks, Tensor Magnitude) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            Sources.Dispose();
            Masks.Dispose();
            Magnitude.Dispose();
        }
    }

    /// <summary>Creates the model with PyTorch's default initialisation.</summary>
    public SimpleSeparator(SimpleSeparatorConfig config)
    {
        Config = config;
        long bins = config.FftSize / 2 + 1;
        Masking = RegisterModule("masking", torch.nn.LSTM(bins, config.HiddenSize, batchFirst: true, bidirectional: true));
        OutputLayer = RegisterModule("output_layer", torch.nn.Linear(2 * config.HiddenSize, config.NumSources * bins));
    }

    /// <summary>The hyper-parameters.</summary>
    public SimpleSeparatorConfig Config { get; }
    /// <summary>BiLSTM over magnitude frames.</summary>
    public LSTM Masking { get; }
    /// <summary>Projection to S·F mask values per frame (source index fastest).</summary>
    public Linear OutputLayer { get; }

    /// <summary>Separates a batch of mixtures [B, N].</summary>
    public override Output forward(Tensor mixture)
    {
        using var scope = torch.NewDisposeScope();
        int nfft = Config.FftSize, S = Config.NumSources;
        long bins = nfft / 2 + 1;
        var window = torch.ones([nfft], mixture.dtype);
        var X = torch.stft(mixture, nfft, nfft / 4, nfft, window, return_complex: true);         // [B, F, T] complex
        var re = X.real;
        var im = X.imag;
        var mag = (re * re).Add(im * im).sqrt();                         // [B, F, T]
        var phase = torch.atan2(im, re);
        var magT = mag.permute(0, 2, 1);                                      // [B, T, F]
        var (h, _, _) = Masking.forward(magT);                                // [B, T, 2H]
        var z = F.relu(OutputLayer.forward(h));                               // [B, T, S·F]
        long B = z.size(0), T = z.size(1);
        z = z.view(B, T, bins, S);                                            // [B, T, F, S]
        var sources = new List<Tensor>();
        var masks = new List<Tensor>();
        for (int s = 0; s < S; s++)
        {
            var mask = z.select(3, s);                                        // [B, T, F]
            var y = (mask * magT).permute(0, 2, 1);                           // [B, F, T]
            var spec = torch.polar(y, phase);
            sources.Add(torch.istft(spec, nfft, nfft / 4, nfft, window));     // [B, hop·(T-1)]
            masks.Add(mask);
        }
        return new Output(torch.stack(sources).MoveToOuterDisposeScope(), torch.stack(masks).MoveToOuterDisposeScope(),
            magT.contiguous().MoveToOuterDisposeScope());
    }
}
