using TorchSharp.Modules;
using SpeechSeparation.Tensors;
using SpeechSeparation.Tensors.NN;
using F = TorchSharp.torch.nn.functional;

namespace SpeechSeparation.Models.Baselines;

/// <summary>Hyper-parameters of <see cref="AudioSeparator"/>, with the upstream names.</summary>
/// <param name="FftSize">Number of learned encoder filters (<c>fft_size</c>).</param>
/// <param name="HiddenSize">LSTM units per direction (<c>hidden_size</c>).</param>
/// <param name="NumSources">Number of separated sources (<c>num_sources</c>).</param>
/// <param name="KernelSize">Decoder kernel; encoder and decoder stride is kernel_size/2 (<c>kernel_size</c>).</param>
public sealed record AudioSeparatorConfig(int FftSize, int HiddenSize, int NumSources = 2, int KernelSize = 16)
{
    /// <summary>The tutorial's audio configuration: 1024 filters, hidden 300, kernel 256.</summary>
    public static AudioSeparatorConfig Audio { get; } = new(1024, 300, 2, 256);

    /// <summary>The encoder's kernel size, hard-coded to 16 upstream whatever <see cref="KernelSize"/> is.</summary>
    public const int EncoderKernelSize = 16;

    /// <summary>From the tutorial's hyper-parameter names (<c>fft_size</c>, <c>hidden_size</c>, <c>num_sources</c>,
    /// <c>kernel_size</c>); absent values: 256, 128, 2, 16.</summary>
    public static AudioSeparatorConfig FromJson(System.Text.Json.JsonElement hyper) =>
        new(Hourglass.JsonHyper.Int(hyper, "fft_size", 256), Hourglass.JsonHyper.Int(hyper, "hidden_size", 128),
            Hourglass.JsonHyper.Int(hyper, "num_sources", 2), Hourglass.JsonHyper.Int(hyper, "kernel_size", 16));
}

/// <summary>
/// SpeechBrain tutorial baseline with a learned front end: Conv1d encoder → ReLU → BiLSTM → linear → ReLU masks →
/// ConvTranspose1d decoder per source. Keys: <c>encoder.*</c>, <c>rnn.*</c>, <c>output_layer.*</c>, <c>decoder.*</c>.
/// Works on batch 1, as upstream.
/// </summary>
public sealed class AudioSeparator : Module<Tensor, AudioSeparator.Output>
{
    /// <summary>Sources [S, 1, (T-1)·k/2 + k], masks [S, 1, T, N_f] and the encoded mixture [1, T, N_f].</summary>
    public sealed record Output(Tensor Sources, Tensor Masks, Tensor Latent) : IDisposable
    {
        /// <inheritdoc />
        public void Dispose()
        {
            Sources.Dispose();
            Masks.Dispose();
            Latent.Dispose();
        }
    }

    /// <summary>Creates the model with PyTorch's default initialisation.</summary>
    public AudioSeparator(AudioSeparatorConfig config)
    {
        Config = config;
        int stride = config.KernelSize / 2;
        Encoder = RegisterModule("encoder", torch.nn.Conv1d(1, config.FftSize, AudioSeparatorConfig.EncoderKernelSize, stride: stride));
        Rnn = RegisterModule("rnn", torch.nn.LSTM(config.FftSize, config.HiddenSize, batchFirst: true, bidirectional: true));
        OutputLayer = RegisterModule("output_layer", torch.nn.Linear(2 * config.HiddenSize, config.NumSources * config.FftSize));
        Decoder = RegisterModule("decoder", torch.nn.ConvTranspose1d(config.FftSize, 1, config.KernelSize, stride: stride));
    }

    /// <summary>The hyper-parameters.</summary>
    public AudioSeparatorConfig Config { get; }
    /// <summary>Learned analysis filters.</summary>
    public Conv1d Encoder { get; }
    /// <summary>BiLSTM over encoded frames.</summary>
    public LSTM Rnn { get; }
    /// <summary>Projection to S·N_f mask values per frame (source index fastest).</summary>
    public Linear OutputLayer { get; }
    /// <summary>Learned synthesis filters (overlap-add).</summary>
    public ConvTranspose1d Decoder { get; }

    /// <summary>Separates one mixture [1, N].</summary>
    public override Output forward(Tensor mixture)
    {
        if (mixture.ndim != 2 || mixture.size(0) != 1)
            throw new ArgumentException($"AudioSeparator takes one mixture [1, N], got [{string.Join(", ", mixture.shape)}].", nameof(mixture));
        using var scope = torch.NewDisposeScope();
        int S = Config.NumSources;
        var y = F.relu(Encoder.forward(mixture.unsqueeze(0))).permute(0, 2, 1); // [1, T, N_f]
        var (h, _, _) = Rnn.forward(y);                                        // [1, T, 2H]
        var z = OutputLayer.forward(h);                                        // [1, T, S·N_f]
        long T = z.size(1);
        z = z.view(1, T, Config.FftSize, S);                                   // [1, T, N_f, S]
        var sources = new List<Tensor>();
        var masks = new List<Tensor>();
        for (int s = 0; s < S; s++)
        {
            var mask = F.relu(z.select(3, s));                                 // [1, T, N_f]
            var latent = (mask * y).permute(0, 2, 1);                          // [1, N_f, T]
            sources.Add(Decoder.forward(latent).squeeze(0));                   // [1, (T-1)·k/2 + k]
            masks.Add(mask);
        }
        return new Output(torch.stack(sources).MoveToOuterDisposeScope(), torch.stack(masks).MoveToOuterDisposeScope(),
            y.contiguous().MoveToOuterDisposeScope());
    }
}
