using SpeechSeparation.Serialization;
using SpeechSeparation.Tensors.Native;
using static SpeechSeparation.Tensors.Native.NativeMethods;

namespace SpeechSeparation.Tensors;

/// <summary>Padding modes of <see cref="torch.nn.functional.pad"/>.</summary>
public enum PaddingMode
{
    /// <summary>Pad with a constant value.</summary>
    Constant,
    /// <summary>Mirror without repeating the edge sample.</summary>
    Reflect,
    /// <summary>Repeat the edge sample.</summary>
    Replicate,
}

/// <summary>Interpolation modes of <see cref="torch.nn.functional.interpolate"/>.</summary>
public enum InterpolationMode
{
    /// <summary>Nearest neighbour.</summary>
    Nearest,
    /// <summary>Linear (3-D input) or bilinear (4-D input).</summary>
    Linear,
}

/// <summary>Loss reductions, numbered as libtorch's.</summary>
public enum Reduction
{
    /// <summary>No reduction.</summary>
    None = 0,
    /// <summary>Mean over elements.</summary>
    Mean = 1,
    /// <summary>Sum over elements.</summary>
    Sum = 2,
}

public static partial class torch
{
    /// <summary>Mirror of <c>torch.nn</c>.</summary>
    public static partial class nn
    {
        /// <summary>Mirror of <c>torch.nn.functional</c>.</summary>
        public static class functional
        {
            private static IntPtr H(Tensor? t) => t?.Handle ?? IntPtr.Zero;

            /// <summary>y = x Wᵀ + b.</summary>
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null) => Tensor.Wrap(sst_linear(input.Handle, weight.Handle, H(bias)));

            /// <summary>1-D convolution over [B, C, L] (or [C, L]).</summary>
            public static Tensor conv1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
                Tensor.Wrap(sst_conv1d(input.Handle, weight.Handle, H(bias), stride, padding, dilation, groups));

            /// <summary>2-D convolution over [B, C, H, W].</summary>
            public static unsafe Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, (long, long)? stride = null, (long, long)? padding = null, (long, long)? dilation = null, long groups = 1)
            {
                var (s0, s1) = stride ?? (1, 1);
                var (p0, p1) = padding ?? (0, 0);
                var (d0, d1) = dilation ?? (1, 1);
                long* s = stackalloc long[] { s0, s1 };
                long* p = stackalloc long[] { p0, p1 };
                long* d = stackalloc long[] { d0, d1 };
                return Tensor.Wrap(sst_conv2d(input.Handle, weight.Handle, H(bias), s, p, d, groups));
            }

            /// <summary>1-D transposed convolution.</summary>
            /// <remarks>bfloat16 on the CPU is computed in float32 and rounded (see <see cref="BFloat16ViaFloat32"/>).</remarks>
            public static Tensor conv_transpose1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long output_padding = 0, long groups = 1, long dilation = 1)
            {
                if (NeedsFloat32(input, weight)) return BFloat16ViaFloat32(input, weight, bias, (x, w, b) => conv_transpose1d(x, w, b, stride, padding, output_padding, groups, dilation));
                return Tensor.Wrap(sst_conv_transpose1d(input.Handle, weight.Handle, H(bias), stride, padding, output_padding, groups, dilation));
            }

            // libtorch 1.13 sends CPU bfloat16 convolutions to oneDNN, whose integration there has no transposed
            // convolution: a bfloat16 conv_transpose1d/2d fails with "expected input ... to have 1 channels" (fixed upstream
            // in PyTorch 2.0, pytorch/pytorch#92530).
            private static bool NeedsFloat32(Tensor input, Tensor weight) =>
                (input.dtype == ScalarType.BFloat16 || weight.dtype == ScalarType.BFloat16) && input.device.Type == DeviceType.CPU;

            /// <summary>
            /// Runs <paramref name="op"/> on float32 copies of the operands and rounds the result to bfloat16: the
            /// workaround for libtorch 1.13's CPU bfloat16 transposed convolution, which is dispatched to a oneDNN forward
            /// convolution and fails. The float32 result is rounded once, so it is at least as accurate as a native
            /// bfloat16 kernel (which accumulates in float32 too).
            /// </summary>
            private static Tensor BFloat16ViaFloat32(Tensor input, Tensor weight, Tensor? bias, Func<Tensor, Tensor, Tensor?, Tensor> op)
            {
                using var scope = torch.NewDisposeScope();
                var y = op(input.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias?.to(ScalarType.Float32));
                return y.to(ScalarType.BFloat16).MoveToOuterDisposeScope();
            }

            /// <summary>2-D transposed convolution.</summary>
            /// <remarks>bfloat16 on the CPU is computed in float32 and rounded (see <see cref="BFloat16ViaFloat32"/>).</remarks>
            public static unsafe Tensor conv_transpose2d(Tensor input, Tensor weight, Tensor? bias = null, (long, long)? stride = null, (long, long)? padding = null, (long, long)? output_padding = null, long groups = 1, (long, long)? dilation = null)
            {
                if (NeedsFloat32(input, weight)) return BFloat16ViaFloat32(input, weight, bias, (x, w, b) => conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation));
                var (s0, s1) = stride ?? (1, 1);
                var (p0, p1) = padding ?? (0, 0);
                var (o0, o1) = output_padding ?? (0, 0);
                var (d0, d1) = dilation ?? (1, 1);
                long* s = stackalloc long[] { s0, s1 };
                long* p = stackalloc long[] { p0, p1 };
                long* o = stackalloc long[] { o0, o1 };
                long* d = stackalloc long[] { d0, d1 };
                return Tensor.Wrap(sst_conv_transpose2d(input.Handle, weight.Handle, H(bias), s, p, o, groups, d));
            }

            /// <summary>Layer normalisation over the trailing <paramref name="normalized_shape"/>.</summary>
            public static unsafe Tensor layer_norm(Tensor input, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
            {
                fixed (long* p = normalized_shape) return Tensor.Wrap(sst_layer_norm(input.Handle, p, normalized_shape.Length, H(weight), H(bias), eps));
            }

            /// <summary>Group normalisation of [B, C, ...].</summary>
            public static Tensor group_norm(Tensor input, long num_groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
                Tensor.Wrap(sst_group_norm(input.Handle, num_groups, H(weight), H(bias), eps));

            /// <summary>Batch normalisation (running statistics are updated in training).</summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                Tensor.Wrap(sst_batch_norm(input.Handle, H(weight), H(bias), H(running_mean), H(running_var), training ? 1 : 0, momentum, eps));

            /// <summary>Instance normalisation.</summary>
            public static Tensor instance_norm(Tensor input, Tensor? running_mean = null, Tensor? running_var = null, Tensor? weight = null, Tensor? bias = null, bool use_input_stats = true, double momentum = 0.1, double eps = 1e-5) =>
                Tensor.Wrap(sst_instance_norm(input.Handle, H(weight), H(bias), H(running_mean), H(running_var), use_input_stats ? 1 : 0, momentum, eps));

            /// <summary>max(x, 0).</summary>
            public static Tensor relu(Tensor x) => Tensor.Wrap(sst_relu(x.Handle));
            /// <summary>PReLU with per-channel (dim 1) or single slope.</summary>
            public static Tensor prelu(Tensor x, Tensor weight) => Tensor.Wrap(sst_prelu(x.Handle, weight.Handle));
            /// <summary>Logistic sigmoid.</summary>
            public static Tensor sigmoid(Tensor x) => Tensor.Wrap(sst_sigmoid(x.Handle));
            /// <summary>Hyperbolic tangent.</summary>
            public static Tensor tanh(Tensor x) => Tensor.Wrap(sst_tanh(x.Handle));
            /// <summary>x · sigmoid(x).</summary>
            public static Tensor silu(Tensor x) => Tensor.Wrap(sst_silu(x.Handle));
            /// <summary>GELU, exact (erf) or tanh approximation.</summary>
            public static Tensor gelu(Tensor x, bool tanh_approximation = false) => Tensor.Wrap(sst_gelu(x.Handle, tanh_approximation ? 1 : 0));
            /// <summary>ELU.</summary>
            public static Tensor elu(Tensor x, double alpha = 1.0) => Tensor.Wrap(sst_elu(x.Handle, alpha));
            /// <summary>Leaky ReLU.</summary>
            public static Tensor leaky_relu(Tensor x, double negative_slope = 0.01) => Tensor.Wrap(sst_leaky_relu(x.Handle, negative_slope));
            /// <summary>Clamp to [min_val, max_val] with gradients inside.</summary>
            public static Tensor hardtanh(Tensor x, double min_val = -1, double max_val = 1) => Tensor.Wrap(sst_hardtanh(x.Handle, min_val, max_val));
            /// <summary>Softplus log(1 + e^{βx})/β, linear above the threshold.</summary>
            public static Tensor softplus(Tensor x, double beta = 1, double threshold = 20) => Tensor.Wrap(sst_softplus(x.Handle, beta, threshold));
            /// <summary>Gated linear unit: first half · sigmoid(second half) along <paramref name="dim"/>.</summary>
            public static Tensor glu(Tensor x, long dim = -1) => Tensor.Wrap(sst_glu(x.Handle, dim));
            /// <summary>Softmax along a dimension.</summary>
            public static Tensor softmax(Tensor x, long dim) => Tensor.Wrap(sst_softmax(x.Handle, dim));
            /// <summary>Log-softmax along a dimension.</summary>
            public static Tensor log_softmax(Tensor x, long dim) => Tensor.Wrap(sst_log_softmax(x.Handle, dim));
            /// <summary>Dropout (identity unless <paramref name="training"/>).</summary>
            public static Tensor dropout(Tensor x, double p = 0.5, bool training = true)
            {
                if (p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability must be in [0, 1], got {p}.");
                return Tensor.Wrap(sst_dropout(x.Handle, p, training ? 1 : 0));
            }

            /// <summary>Pads the last dimensions: <paramref name="pad"/> = (left, right[, top, bottom[, front, back]]), last dimension first.</summary>
            public static unsafe Tensor pad(Tensor input, long[] pad, PaddingMode mode = PaddingMode.Constant, double value = 0)
            {
                if (pad.Length % 2 != 0) throw new ArgumentException("pad needs pairs of (before, after) values.", nameof(pad));
                fixed (long* p = pad)
                {
                    return mode switch
                    {
                        PaddingMode.Constant => Tensor.Wrap(sst_constant_pad(input.Handle, p, pad.Length, value)),
                        PaddingMode.Reflect => Tensor.Wrap(sst_reflection_pad(input.Handle, p, pad.Length)),
                        PaddingMode.Replicate => Tensor.Wrap(sst_replication_pad(input.Handle, p, pad.Length)),
                        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
                    };
                }
            }

            /// <summary>2-D max pooling.</summary>
            public static unsafe Tensor max_pool2d(Tensor input, (long, long) kernel_size, (long, long)? stride = null, (long, long)? padding = null, (long, long)? dilation = null, bool ceil_mode = false)
            {
                var (k0, k1) = kernel_size;
                var (s0, s1) = stride ?? kernel_size;
                var (p0, p1) = padding ?? (0, 0);
                var (d0, d1) = dilation ?? (1, 1);
                long* k = stackalloc long[] { k0, k1 };
                long* s = stackalloc long[] { s0, s1 };
                long* p = stackalloc long[] { p0, p1 };
                long* d = stackalloc long[] { d0, d1 };
                return Tensor.Wrap(sst_max_pool2d(input.Handle, k, s, p, d, ceil_mode ? 1 : 0));
            }

            /// <summary>2-D average pooling.</summary>
            public static unsafe Tensor avg_pool2d(Tensor input, (long, long) kernel_size, (long, long)? stride = null, (long, long)? padding = null, bool ceil_mode = false, bool count_include_pad = true)
            {
                var (k0, k1) = kernel_size;
                var (s0, s1) = stride ?? kernel_size;
                var (p0, p1) = padding ?? (0, 0);
                long* k = stackalloc long[] { k0, k1 };
                long* s = stackalloc long[] { s0, s1 };
                long* p = stackalloc long[] { p0, p1 };
                return Tensor.Wrap(sst_avg_pool2d(input.Handle, k, s, p, ceil_mode ? 1 : 0, count_include_pad ? 1 : 0));
            }

            /// <summary>1-D average pooling.</summary>
            public static Tensor avg_pool1d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
                Tensor.Wrap(sst_avg_pool1d(input.Handle, kernel_size, stride ?? kernel_size, padding, ceil_mode ? 1 : 0, count_include_pad ? 1 : 0));

            /// <summary>1-D max pooling.</summary>
            public static Tensor max_pool1d(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
                Tensor.Wrap(sst_max_pool1d(input.Handle, kernel_size, stride ?? kernel_size, padding, dilation, ceil_mode ? 1 : 0));

            /// <summary>Resizes [B, C, L] (one size) or [B, C, H, W] (two sizes).</summary>
            public static unsafe Tensor interpolate(Tensor input, long[] size, InterpolationMode mode = InterpolationMode.Nearest, bool align_corners = false)
            {
                fixed (long* p = size) return Tensor.Wrap(sst_interpolate(input.Handle, p, size.Length, (int)mode, align_corners ? 1 : 0));
            }

            /// <summary>Extracts sliding blocks of [B, C, H, W] into [B, C·kh·kw, L] (torch.nn.functional.unfold).</summary>
            public static unsafe Tensor unfold(Tensor input, (long, long) kernel_size, (long, long)? dilation = null, (long, long)? padding = null, (long, long)? stride = null)
            {
                var (k0, k1) = kernel_size;
                var (d0, d1) = dilation ?? (1, 1);
                var (p0, p1) = padding ?? (0, 0);
                var (s0, s1) = stride ?? (1, 1);
                long* k = stackalloc long[] { k0, k1 };
                long* d = stackalloc long[] { d0, d1 };
                long* p = stackalloc long[] { p0, p1 };
                long* s = stackalloc long[] { s0, s1 };
                return Tensor.Wrap(sst_im2col(input.Handle, k, d, p, s));
            }

            /// <summary>Sums sliding blocks back into [B, C, H, W] (overlap-add; torch.nn.functional.fold).</summary>
            public static unsafe Tensor fold(Tensor input, (long, long) output_size, (long, long) kernel_size, (long, long)? dilation = null, (long, long)? padding = null, (long, long)? stride = null)
            {
                var (o0, o1) = output_size;
                var (k0, k1) = kernel_size;
                var (d0, d1) = dilation ?? (1, 1);
                var (p0, p1) = padding ?? (0, 0);
                var (s0, s1) = stride ?? (1, 1);
                long* o = stackalloc long[] { o0, o1 };
                long* k = stackalloc long[] { k0, k1 };
                long* d = stackalloc long[] { d0, d1 };
                long* p = stackalloc long[] { p0, p1 };
                long* s = stackalloc long[] { s0, s1 };
                return Tensor.Wrap(sst_col2im(input.Handle, o, k, d, p, s));
            }

            /// <summary>Mean squared error.</summary>
            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => Tensor.Wrap(sst_mse_loss(input.Handle, target.Handle, (int)reduction));
            /// <summary>Mean absolute error.</summary>
            public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => Tensor.Wrap(sst_l1_loss(input.Handle, target.Handle, (int)reduction));

            /// <summary>
            /// Multi-layer (bi)LSTM with PyTorch's flat weight list: per layer, per direction, w_ih, w_hh[, b_ih, b_hh].
            /// Returns the output sequence and the final hidden and cell states.
            /// </summary>
            public static unsafe (Tensor output, Tensor h_n, Tensor c_n) lstm(Tensor input, Tensor h0, Tensor c0, IReadOnlyList<Tensor> parameters, bool has_biases, long num_layers, double dropout, bool train, bool bidirectional, bool batch_first)
            {
                var h = Handles(parameters);
                IntPtr o, hn, cn;
                fixed (IntPtr* p = h)
                    Check.Status(sst_lstm(input.Handle, h0.Handle, c0.Handle, p, h.Length, has_biases ? 1 : 0, num_layers, dropout, train ? 1 : 0, bidirectional ? 1 : 0, batch_first ? 1 : 0, out o, out hn, out cn));
                return (Tensor.Wrap(o), Tensor.Wrap(hn), Tensor.Wrap(cn));
            }

            /// <summary>Multi-layer (bi)GRU with PyTorch's flat weight list. Returns the output sequence and final hidden state.</summary>
            public static unsafe (Tensor output, Tensor h_n) gru(Tensor input, Tensor h0, IReadOnlyList<Tensor> parameters, bool has_biases, long num_layers, double dropout, bool train, bool bidirectional, bool batch_first)
            {
                var h = Handles(parameters);
                IntPtr o, hn;
                fixed (IntPtr* p = h)
                    Check.Status(sst_gru(input.Handle, h0.Handle, p, h.Length, has_biases ? 1 : 0, num_layers, dropout, train ? 1 : 0, bidirectional ? 1 : 0, batch_first ? 1 : 0, out o, out hn));
                return (Tensor.Wrap(o), Tensor.Wrap(hn));
            }
        }
    }

    /// <summary>
    /// torch.stft with <c>return_complex=True</c>: [B?, L] → complex [B?, n_fft/2+1 (onesided), frames].
    /// With <paramref name="center"/> the signal is padded by n_fft/2 on both sides with <paramref name="pad_mode"/>.
    /// </summary>
    public static Tensor stft(Tensor input, long n_fft, long? hop_length = null, long? win_length = null, Tensor? window = null, bool center = true, PaddingMode pad_mode = PaddingMode.Reflect, bool normalized = false, bool onesided = true)
    {
        long hop = hop_length ?? n_fft / 4;
        long win = win_length ?? n_fft;
        if (!center) return Tensor.Wrap(sst_stft(input.Handle, n_fft, hop, win, window?.Handle ?? IntPtr.Zero, normalized ? 1 : 0, onesided ? 1 : 0));
        using var scope = NewDisposeScope();
        var x = input;
        int nd = input.ndim;
        // Reflect/replicate padding works on [B, C, L]: lift a 1-D or 2-D signal to 3-D, pad, drop the extra dims.
        var x3 = nd == 1 ? x.view(1, 1, -1) : nd == 2 ? x.unsqueeze(1) : throw new ArgumentException("stft expects a 1-D or 2-D input.", nameof(input));
        var padded = nn.functional.pad(x3, [n_fft / 2, n_fft / 2], pad_mode);
        var flat = nd == 1 ? padded.view(-1) : padded.squeeze(1);
        var r = Tensor.Wrap(sst_stft(flat.Handle, n_fft, hop, win, window?.Handle ?? IntPtr.Zero, normalized ? 1 : 0, onesided ? 1 : 0));
        return r.MoveToOuterDisposeScope();
    }

    /// <summary>torch.istft of a complex spectrogram, with window-square normalisation (and libtorch's NOLA check).</summary>
    public static Tensor istft(Tensor input, long n_fft, long? hop_length = null, long? win_length = null, Tensor? window = null, bool center = true, bool normalized = false, bool onesided = true, long? length = null) =>
        Tensor.Wrap(sst_istft(input.Handle, n_fft, hop_length ?? n_fft / 4, win_length ?? n_fft, window?.Handle ?? IntPtr.Zero, center ? 1 : 0, normalized ? 1 : 0, onesided ? 1 : 0, length ?? -1));

    /// <summary>Mirror of <c>torch.fft</c>.</summary>
    public static class fft
    {
        private static int Norm(string? norm) => norm switch
        {
            null or "backward" => 0,
            "forward" => 1,
            "ortho" => 2,
            _ => throw new ArgumentException($"Unknown FFT normalisation '{norm}'.", nameof(norm)),
        };
        /// <summary>Real-input FFT along <paramref name="dim"/>.</summary>
        public static Tensor rfft(Tensor input, long? n = null, long dim = -1, string? norm = null) => Tensor.Wrap(sst_fft_rfft(input.Handle, n ?? -1, dim, Norm(norm)));
        /// <summary>Inverse of <see cref="rfft"/> (real output of length n).</summary>
        public static Tensor irfft(Tensor input, long? n = null, long dim = -1, string? norm = null) => Tensor.Wrap(sst_fft_irfft(input.Handle, n ?? -1, dim, Norm(norm)));
        /// <summary>Complex FFT.</summary>
        public static Tensor fft_(Tensor input, long? n = null, long dim = -1, string? norm = null) => Tensor.Wrap(sst_fft_fft(input.Handle, n ?? -1, dim, Norm(norm)));
        /// <summary>Inverse complex FFT.</summary>
        public static Tensor ifft(Tensor input, long? n = null, long dim = -1, string? norm = null) => Tensor.Wrap(sst_fft_ifft(input.Handle, n ?? -1, dim, Norm(norm)));
    }
}
