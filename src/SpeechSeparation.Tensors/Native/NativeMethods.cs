using System.Runtime.InteropServices;

namespace SpeechSeparation.Tensors.Native;

// One P/Invoke declaration per shim function (native/*.cpp). Tensor results are owned handles (IntPtr.Zero on error);
// status results are 0 on success and -1 on error; the message is read with sst_last_error.
internal static partial class NativeMethods
{
    internal const string Lib = "speechsep_torch";

    [DllImport(Lib)] internal static extern IntPtr sst_last_error();
    [DllImport(Lib)] internal static extern IntPtr sst_version();
    [DllImport(Lib)] internal static extern void sst_free(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr sst_alias(IntPtr t);

    // creation
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_empty(long* shape, int nd, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_zeros(long* shape, int nd, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_ones(long* shape, int nd, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_full(long* shape, int nd, double value, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern IntPtr sst_arange(double start, double end, double step, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern IntPtr sst_linspace(double start, double end, long steps, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern IntPtr sst_eye(long n, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_from_data(void* data, long* shape, int nd, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe int sst_copy_to(IntPtr t, int dtype, void* output, long nbytes);
    [DllImport(Lib)] internal static extern int sst_item(IntPtr t, out double value);

    // random
    [DllImport(Lib)] internal static extern IntPtr sst_generator_new(ulong seed);
    [DllImport(Lib)] internal static extern void sst_generator_free(IntPtr g);
    [DllImport(Lib)] internal static extern int sst_generator_seed(IntPtr g, ulong seed);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_randn(long* shape, int nd, IntPtr g, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_rand(long* shape, int nd, IntPtr g, int dtype, int dt, int di);
    [DllImport(Lib)] internal static extern IntPtr sst_randperm(long n, IntPtr g, int dt, int di);
    [DllImport(Lib)] internal static extern int sst_manual_seed(ulong seed);
    [DllImport(Lib)] internal static extern int sst_uniform_(IntPtr t, double from, double to, IntPtr g);
    [DllImport(Lib)] internal static extern int sst_normal_(IntPtr t, double mean, double std, IntPtr g);
    [DllImport(Lib)] internal static extern IntPtr sst_bernoulli(IntPtr t, double p, IntPtr g);

    // properties
    [DllImport(Lib)] internal static extern int sst_ndim(IntPtr t);
    [DllImport(Lib)] internal static extern unsafe int sst_shape(IntPtr t, long* output, int cap);
    [DllImport(Lib)] internal static extern unsafe int sst_strides(IntPtr t, long* output, int cap);
    [DllImport(Lib)] internal static extern long sst_numel(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_dtype_of(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_device_type(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_device_index(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_is_contiguous(IntPtr t);

    // conversion
    [DllImport(Lib)] internal static extern IntPtr sst_to(IntPtr t, int dtype, int dt, int di, int nonBlocking, int copy);
    [DllImport(Lib)] internal static extern IntPtr sst_to_dtype(IntPtr t, int dtype);
    [DllImport(Lib)] internal static extern IntPtr sst_pin_memory(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr sst_clone(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_copy_(IntPtr dst, IntPtr src);

    // devices, threads
    [DllImport(Lib)] internal static extern int sst_cuda_is_available();
    [DllImport(Lib)] internal static extern int sst_cuda_device_count();
    [DllImport(Lib)] internal static extern int sst_set_num_threads(int n);
    [DllImport(Lib)] internal static extern int sst_get_num_threads();
    [DllImport(Lib)] internal static extern int sst_set_num_interop_threads(int n);
    [DllImport(Lib)] internal static extern int sst_set_allow_tf32(int on);
    [DllImport(Lib)] internal static extern int sst_cuda_synchronize();

    // autograd
    [DllImport(Lib)] internal static extern int sst_requires_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_set_requires_grad(IntPtr t, int on);
    [DllImport(Lib)] internal static extern int sst_is_leaf(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_backward(IntPtr t, IntPtr grad, int retainGraph, int createGraph);
    [DllImport(Lib)] internal static extern IntPtr sst_grad(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_set_grad(IntPtr t, IntPtr g);
    [DllImport(Lib)] internal static extern IntPtr sst_detach(IntPtr t);
    [DllImport(Lib)] internal static extern int sst_grad_enabled();
    [DllImport(Lib)] internal static extern void sst_set_grad_enabled(int on);
    [DllImport(Lib)] internal static extern IntPtr sst_inference_mode_enter();
    [DllImport(Lib)] internal static extern void sst_inference_mode_exit(IntPtr guard);

    // shape
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_view(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_reshape(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_permute(IntPtr t, long* d, int n);
    [DllImport(Lib)] internal static extern IntPtr sst_transpose(IntPtr t, long a, long b);
    [DllImport(Lib)] internal static extern IntPtr sst_unsqueeze(IntPtr t, long d);
    [DllImport(Lib)] internal static extern IntPtr sst_squeeze(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr sst_squeeze_dim(IntPtr t, long d);
    [DllImport(Lib)] internal static extern IntPtr sst_flatten(IntPtr t, long start, long end);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_expand(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_repeat(IntPtr t, long* s, int n);
    [DllImport(Lib)] internal static extern IntPtr sst_contiguous(IntPtr t);
    [DllImport(Lib)] internal static extern IntPtr sst_narrow(IntPtr t, long dim, long start, long len);
    [DllImport(Lib)] internal static extern IntPtr sst_slice(IntPtr t, long dim, long start, long end, long step);
    [DllImport(Lib)] internal static extern IntPtr sst_select(IntPtr t, long dim, long index);
    [DllImport(Lib)] internal static extern IntPtr sst_unfold(IntPtr t, long dim, long size, long step);
    [DllImport(Lib)] internal static extern unsafe int sst_chunk(IntPtr t, long chunks, long dim, IntPtr* output, int cap);
    [DllImport(Lib)] internal static extern unsafe int sst_split(IntPtr t, long* sizes, int n, long dim, IntPtr* output, int cap);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_cat(IntPtr* ts, int n, long dim);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_stack(IntPtr* ts, int n, long dim);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_constant_pad(IntPtr t, long* pad, int n, double value);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_reflection_pad(IntPtr t, long* pad, int n);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_replication_pad(IntPtr t, long* pad, int n);
    [DllImport(Lib)] internal static extern IntPtr sst_index_select(IntPtr t, long dim, IntPtr idx);
    [DllImport(Lib)] internal static extern IntPtr sst_gather(IntPtr t, long dim, IntPtr idx);
    [DllImport(Lib)] internal static extern IntPtr sst_scatter(IntPtr t, long dim, IntPtr idx, IntPtr src);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_roll(IntPtr t, long* shifts, int n, long* dims, int m);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_flip(IntPtr t, long* dims, int n);
    [DllImport(Lib)] internal static extern IntPtr sst_masked_fill(IntPtr t, IntPtr mask, double value);
    [DllImport(Lib)] internal static extern IntPtr sst_masked_select(IntPtr t, IntPtr mask);
    [DllImport(Lib)] internal static extern IntPtr sst_tril(IntPtr t, long k);
    [DllImport(Lib)] internal static extern IntPtr sst_triu(IntPtr t, long k);

    // math
    [DllImport(Lib)] internal static extern IntPtr sst_add(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern IntPtr sst_sub(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern IntPtr sst_mul(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_div(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_add_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr sst_sub_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr sst_rsub_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr sst_mul_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr sst_div_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr sst_pow_scalar(IntPtr a, double s);
    [DllImport(Lib)] internal static extern IntPtr sst_pow(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_maximum(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_minimum(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_atan2(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_remainder(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_neg(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_sqrt(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_rsqrt(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_exp(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_log(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_log10(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_log1p(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_abs(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_sin(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_cos(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_square(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_reciprocal(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_sign(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_floor(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_ceil(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_round(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_erf(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_logical_not(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_isnan(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_isfinite(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_conj(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_clamp(IntPtr a, double lo, double hi, int hasLo, int hasHi);
    [DllImport(Lib)] internal static extern IntPtr sst_where(IntPtr c, IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_compare(IntPtr a, IntPtr b, int op);
    [DllImport(Lib)] internal static extern IntPtr sst_compare_scalar(IntPtr a, double s, int op);
    [DllImport(Lib)] internal static extern IntPtr sst_logical_and(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_logical_or(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int sst_allclose(IntPtr a, IntPtr b, double rtol, double atol);

    // reductions
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_sum(IntPtr a, long* d, int nd, int keepdim);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_mean(IntPtr a, long* d, int nd, int keepdim);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_var(IntPtr a, long* d, int nd, int unbiased, int keepdim);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_std(IntPtr a, long* d, int nd, int unbiased, int keepdim);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_norm(IntPtr a, double p, long* d, int nd, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr sst_prod(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_max_all(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_min_all(IntPtr a);
    [DllImport(Lib)] internal static extern int sst_max_dim(IntPtr a, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [DllImport(Lib)] internal static extern int sst_min_dim(IntPtr a, long dim, int keepdim, out IntPtr values, out IntPtr indices);
    [DllImport(Lib)] internal static extern IntPtr sst_argmax(IntPtr a, long dim, int hasDim, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr sst_argmin(IntPtr a, long dim, int hasDim, int keepdim);
    [DllImport(Lib)] internal static extern IntPtr sst_cumsum(IntPtr a, long dim);
    [DllImport(Lib)] internal static extern IntPtr sst_any(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_all(IntPtr a);
    [DllImport(Lib)] internal static extern int sst_sort(IntPtr a, long dim, int descending, out IntPtr values, out IntPtr indices);

    // linear algebra
    [DllImport(Lib)] internal static extern IntPtr sst_matmul(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_mm(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_bmm(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int sst_baddbmm_(IntPtr a, IntPtr b1, IntPtr b2, double beta, double alpha);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_einsum([MarshalAs(UnmanagedType.LPUTF8Str)] string eq, IntPtr* ts, int n);

    // in-place
    [DllImport(Lib)] internal static extern int sst_add_(IntPtr a, IntPtr b, double alpha);
    [DllImport(Lib)] internal static extern int sst_add_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern int sst_mul_(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int sst_mul_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern int sst_div_(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int sst_div_scalar_(IntPtr a, double s);
    [DllImport(Lib)] internal static extern int sst_addcmul_(IntPtr a, IntPtr b, IntPtr c, double v);
    [DllImport(Lib)] internal static extern int sst_addcdiv_(IntPtr a, IntPtr b, IntPtr c, double v);
    [DllImport(Lib)] internal static extern int sst_lerp_(IntPtr a, IntPtr b, double w);
    [DllImport(Lib)] internal static extern int sst_sqrt_(IntPtr a);
    [DllImport(Lib)] internal static extern int sst_clamp_(IntPtr a, double lo, double hi, int hasLo, int hasHi);
    [DllImport(Lib)] internal static extern int sst_maximum_(IntPtr a, IntPtr b);
    [DllImport(Lib)] internal static extern int sst_zero_(IntPtr a);
    [DllImport(Lib)] internal static extern int sst_fill_(IntPtr a, double v);

    // nn.functional
    [DllImport(Lib)] internal static extern IntPtr sst_linear(IntPtr x, IntPtr w, IntPtr b);
    [DllImport(Lib)] internal static extern IntPtr sst_conv1d(IntPtr x, IntPtr w, IntPtr b, long stride, long padding, long dilation, long groups);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_conv2d(IntPtr x, IntPtr w, IntPtr b, long* stride, long* padding, long* dilation, long groups);
    [DllImport(Lib)] internal static extern IntPtr sst_conv_transpose1d(IntPtr x, IntPtr w, IntPtr b, long stride, long padding, long outputPadding, long groups, long dilation);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_conv_transpose2d(IntPtr x, IntPtr w, IntPtr b, long* stride, long* padding, long* outputPadding, long groups, long* dilation);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_layer_norm(IntPtr x, long* shape, int n, IntPtr w, IntPtr b, double eps);
    [DllImport(Lib)] internal static extern IntPtr sst_group_norm(IntPtr x, long groups, IntPtr w, IntPtr b, double eps);
    [DllImport(Lib)] internal static extern IntPtr sst_batch_norm(IntPtr x, IntPtr w, IntPtr b, IntPtr mean, IntPtr var, int training, double momentum, double eps);
    [DllImport(Lib)] internal static extern IntPtr sst_instance_norm(IntPtr x, IntPtr w, IntPtr b, IntPtr mean, IntPtr var, int useInputStats, double momentum, double eps);
    [DllImport(Lib)] internal static extern IntPtr sst_relu(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_sigmoid(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_tanh(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_silu(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_gelu(IntPtr a, int tanhApprox);
    [DllImport(Lib)] internal static extern IntPtr sst_prelu(IntPtr a, IntPtr w);
    [DllImport(Lib)] internal static extern IntPtr sst_elu(IntPtr a, double alpha);
    [DllImport(Lib)] internal static extern IntPtr sst_leaky_relu(IntPtr a, double slope);
    [DllImport(Lib)] internal static extern IntPtr sst_hardtanh(IntPtr a, double lo, double hi);
    [DllImport(Lib)] internal static extern IntPtr sst_softplus(IntPtr a, double beta, double threshold);
    [DllImport(Lib)] internal static extern IntPtr sst_glu(IntPtr a, long dim);
    [DllImport(Lib)] internal static extern IntPtr sst_softmax(IntPtr a, long dim);
    [DllImport(Lib)] internal static extern IntPtr sst_log_softmax(IntPtr a, long dim);
    [DllImport(Lib)] internal static extern IntPtr sst_dropout(IntPtr a, double p, int train);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_max_pool2d(IntPtr x, long* k, long* s, long* p, long* d, int ceilMode);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_avg_pool2d(IntPtr x, long* k, long* s, long* p, int ceilMode, int countIncludePad);
    [DllImport(Lib)] internal static extern IntPtr sst_avg_pool1d(IntPtr x, long k, long s, long p, int ceilMode, int countIncludePad);
    [DllImport(Lib)] internal static extern IntPtr sst_max_pool1d(IntPtr x, long k, long s, long p, long d, int ceilMode);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_interpolate(IntPtr x, long* size, int n, int mode, int alignCorners);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_im2col(IntPtr x, long* k, long* d, long* p, long* s);
    [DllImport(Lib)] internal static extern unsafe IntPtr sst_col2im(IntPtr x, long* output, long* k, long* d, long* p, long* s);
    [DllImport(Lib)] internal static extern IntPtr sst_mse_loss(IntPtr a, IntPtr b, int reduction);
    [DllImport(Lib)] internal static extern IntPtr sst_l1_loss(IntPtr a, IntPtr b, int reduction);
    [DllImport(Lib)] internal static extern unsafe int sst_lstm(IntPtr x, IntPtr h0, IntPtr c0, IntPtr* prms, int nparams, int hasBiases, long layers, double dropout, int train, int bidirectional, int batchFirst, out IntPtr output, out IntPtr hn, out IntPtr cn);
    [DllImport(Lib)] internal static extern unsafe int sst_gru(IntPtr x, IntPtr h0, IntPtr* prms, int nparams, int hasBiases, long layers, double dropout, int train, int bidirectional, int batchFirst, out IntPtr output, out IntPtr hn);
    [DllImport(Lib)] internal static extern IntPtr sst_stft(IntPtr x, long nFft, long hop, long winLength, IntPtr window, int normalized, int onesided);
    [DllImport(Lib)] internal static extern IntPtr sst_istft(IntPtr x, long nFft, long hop, long winLength, IntPtr window, int center, int normalized, int onesided, long length);
    [DllImport(Lib)] internal static extern IntPtr sst_fft_rfft(IntPtr x, long n, long dim, int norm);
    [DllImport(Lib)] internal static extern IntPtr sst_fft_irfft(IntPtr x, long n, long dim, int norm);
    [DllImport(Lib)] internal static extern IntPtr sst_fft_fft(IntPtr x, long n, long dim, int norm);
    [DllImport(Lib)] internal static extern IntPtr sst_fft_ifft(IntPtr x, long n, long dim, int norm);
    [DllImport(Lib)] internal static extern IntPtr sst_hann_window(long n, int periodic, int dtype);
    [DllImport(Lib)] internal static extern IntPtr sst_hamming_window(long n, int periodic, int dtype);
    [DllImport(Lib)] internal static extern IntPtr sst_view_as_real(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_view_as_complex(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_real(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_imag(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_angle(IntPtr a);
    [DllImport(Lib)] internal static extern IntPtr sst_polar(IntPtr abs, IntPtr angle);
    [DllImport(Lib)] internal static extern IntPtr sst_complex(IntPtr re, IntPtr im);
}
