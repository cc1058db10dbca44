// torch.nn.functional equivalents, recurrent layers, spectral ops and complex helpers.
#include "shim.h"

#define SST_UNARY(name, expr) SST_API sst_tensor sst_##name(sst_tensor a) { SST_RET(expr) }

SST_API sst_tensor sst_linear(sst_tensor x, sst_tensor w, sst_tensor b) { SST_RET(at::linear(*x, *w, sst_opt(b))) }

SST_API sst_tensor sst_conv1d(sst_tensor x, sst_tensor w, sst_tensor b, int64_t stride, int64_t padding, int64_t dilation,
                              int64_t groups) {
  SST_RET(at::conv1d(*x, *w, sst_opt(b), at::IntArrayRef{stride}, at::IntArrayRef{padding}, at::IntArrayRef{dilation}, groups))
}
SST_API sst_tensor sst_conv2d(sst_tensor x, sst_tensor w, sst_tensor b, const int64_t* stride, const int64_t* padding,
                              const int64_t* dilation, int64_t groups) {
  SST_RET(at::conv2d(*x, *w, sst_opt(b), sst_dims(stride, 2), sst_dims(padding, 2), sst_dims(dilation, 2), groups))
}
SST_API sst_tensor sst_conv_transpose1d(sst_tensor x, sst_tensor w, sst_tensor b, int64_t stride, int64_t padding,
                                        int64_t output_padding, int64_t groups, int64_t dilation) {
  SST_RET(at::conv_transpose1d(*x, *w, sst_opt(b), at::IntArrayRef{stride}, at::IntArrayRef{padding},
                               at::IntArrayRef{output_padding}, groups, at::IntArrayRef{dilation}))
}
SST_API sst_tensor sst_conv_transpose2d(sst_tensor x, sst_tensor w, sst_tensor b, const int64_t* stride,
                                        const int64_t* padding, const int64_t* output_padding, int64_t groups,
                                        const int64_t* dilation) {
  SST_RET(at::conv_transpose2d(*x, *w, sst_opt(b), sst_dims(stride, 2), sst_dims(padding, 2), sst_dims(output_padding, 2),
                               groups, sst_dims(dilation, 2)))
}

// ---- normalisation ----
SST_API sst_tensor sst_layer_norm(sst_tensor x, const int64_t* shape, int n, sst_tensor w, sst_tensor b, double eps) {
  SST_RET(at::layer_norm(*x, sst_dims(shape, n), sst_opt(w), sst_opt(b), eps, true))
}
SST_API sst_tensor sst_group_norm(sst_tensor x, int64_t groups, sst_tensor w, sst_tensor b, double eps) {
  SST_RET(at::group_norm(*x, groups, sst_opt(w), sst_opt(b), eps, true))
}
SST_API sst_tensor sst_batch_norm(sst_tensor x, sst_tensor w, sst_tensor b, sst_tensor mean, sst_tensor var, int training,
                                  double momentum, double eps) {
  SST_RET(at::batch_norm(*x, sst_opt(w), sst_opt(b), sst_opt(mean), sst_opt(var), training != 0, momentum, eps, true))
}
SST_API sst_tensor sst_instance_norm(sst_tensor x, sst_tensor w, sst_tensor b, sst_tensor mean, sst_tensor var,
                                     int use_input_stats, double momentum, double eps) {
  SST_RET(at::instance_norm(*x, sst_opt(w), sst_opt(b), sst_opt(mean), sst_opt(var), use_input_stats != 0, momentum, eps,
                            true))
}

// ---- activations ----
SST_UNARY(relu, at::relu(*a))
SST_UNARY(sigmoid, at::sigmoid(*a))
SST_UNARY(tanh, at::tanh(*a))
SST_UNARY(silu, at::silu(*a))
SST_API sst_tensor sst_gelu(sst_tensor a, int tanh_approx) { SST_RET(at::gelu(*a, tanh_approx ? "tanh" : "none")) }
SST_API sst_tensor sst_prelu(sst_tensor a, sst_tensor w) { SST_RET(at::prelu(*a, *w)) }
SST_API sst_tensor sst_elu(sst_tensor a, double alpha) { SST_RET(at::elu(*a, alpha)) }
SST_API sst_tensor sst_leaky_relu(sst_tensor a, double slope) { SST_RET(at::leaky_relu(*a, slope)) }
SST_API sst_tensor sst_hardtanh(sst_tensor a, double lo, double hi) { SST_RET(at::hardtanh(*a, lo, hi)) }
SST_API sst_tensor sst_softplus(sst_tensor a, double beta, double threshold) { SST_RET(at::softplus(*a, beta, threshold)) }
SST_API sst_tensor sst_glu(sst_tensor a, int64_t dim) { SST_RET(at::glu(*a, dim)) }
SST_API sst_tensor sst_softmax(sst_tensor a, int64_t dim) { SST_RET(at::softmax(*a, dim)) }
SST_API sst_tensor sst_log_softmax(sst_tensor a, int64_t dim) { SST_RET(at::log_softmax(*a, dim)) }
SST_API sst_tensor sst_dropout(sst_tensor a, double p, int train) { SST_RET(at::dropout(*a, p, train != 0)) }

// ---- pooling, resizing, unfold/fold ----
SST_API sst_tensor sst_max_pool2d(sst_tensor x, const int64_t* k, const int64_t* s, const int64_t* p, const int64_t* d,
                                  int ceil_mode) {
  SST_RET(at::max_pool2d(*x, sst_dims(k, 2), sst_dims(s, 2), sst_dims(p, 2), sst_dims(d, 2), ceil_mode != 0))
}
SST_API sst_tensor sst_avg_pool2d(sst_tensor x, const int64_t* k, const int64_t* s, const int64_t* p, int ceil_mode,
                                  int count_include_pad) {
  SST_RET(at::avg_pool2d(*x, sst_dims(k, 2), sst_dims(s, 2), sst_dims(p, 2), ceil_mode != 0, count_include_pad != 0))
}
SST_API sst_tensor sst_avg_pool1d(sst_tensor x, int64_t k, int64_t s, int64_t p, int ceil_mode, int count_include_pad) {
  SST_RET(at::avg_pool1d(*x, at::IntArrayRef{k}, at::IntArrayRef{s}, at::IntArrayRef{p}, ceil_mode != 0,
                         count_include_pad != 0))
}
SST_API sst_tensor sst_max_pool1d(sst_tensor x, int64_t k, int64_t s, int64_t p, int64_t d, int ceil_mode) {
  SST_RET(at::max_pool1d(*x, at::IntArrayRef{k}, at::IntArrayRef{s}, at::IntArrayRef{p}, at::IntArrayRef{d}, ceil_mode != 0))
}
// mode 0 nearest, 1 linear (3-D input) / bilinear (4-D input)
SST_API sst_tensor sst_interpolate(sst_tensor x, const int64_t* size, int n, int mode, int align_corners) {
  try {
    auto d = x->dim();
    if (mode == 0 && d == 3 && n == 1) return new at::Tensor(at::upsample_nearest1d(*x, sst_dims(size, 1), c10::nullopt));
    if (mode == 0 && d == 4 && n == 2)
      return new at::Tensor(at::upsample_nearest2d(*x, sst_dims(size, 2), c10::nullopt, c10::nullopt));
    if (mode == 1 && d == 3 && n == 1)
      return new at::Tensor(at::upsample_linear1d(*x, sst_dims(size, 1), align_corners != 0, c10::nullopt));
    if (mode == 1 && d == 4 && n == 2)
      return new at::Tensor(at::upsample_bilinear2d(*x, sst_dims(size, 2), align_corners != 0, c10::nullopt, c10::nullopt));
    sst_set_error("interpolate: nearest/linear take a 3-D input with 1 size, nearest/bilinear a 4-D input with 2 sizes");
    return nullptr;
  }
  SST_CATCH(nullptr)
}
SST_API sst_tensor sst_im2col(sst_tensor x, const int64_t* k, const int64_t* d, const int64_t* p, const int64_t* s) {
  SST_RET(at::im2col(*x, sst_dims(k, 2), sst_dims(d, 2), sst_dims(p, 2), sst_dims(s, 2)))
}
SST_API sst_tensor sst_col2im(sst_tensor x, const int64_t* out, const int64_t* k, const int64_t* d, const int64_t* p,
                              const int64_t* s) {
  SST_RET(at::col2im(*x, sst_dims(out, 2), sst_dims(k, 2), sst_dims(d, 2), sst_dims(p, 2), sst_dims(s, 2)))
}

// ---- losses ----
SST_API sst_tensor sst_mse_loss(sst_tensor a, sst_tensor b, int reduction) { SST_RET(at::mse_loss(*a, *b, reduction)) }
SST_API sst_tensor sst_l1_loss(sst_tensor a, sst_tensor b, int reduction) { SST_RET(at::l1_loss(*a, *b, reduction)) }

// ---- recurrent layers (PyTorch weight layout: per layer and direction w_ih, w_hh[, b_ih, b_hh]) ----
SST_API int sst_lstm(sst_tensor x, sst_tensor h0, sst_tensor c0, const sst_tensor* params, int nparams, int has_biases,
                     int64_t layers, double dropout, int train, int bidirectional, int batch_first, sst_tensor* out,
                     sst_tensor* hn, sst_tensor* cn) {
  try {
    auto r = at::lstm(*x, {*h0, *c0}, sst_list(params, nparams), has_biases != 0, layers, dropout, train != 0,
                      bidirectional != 0, batch_first != 0);
    *out = new at::Tensor(std::get<0>(r));
    *hn = new at::Tensor(std::get<1>(r));
    *cn = new at::Tensor(std::get<2>(r));
    return 0;
  }
  SST_CATCH(-1)
}
SST_API int sst_gru(sst_tensor x, sst_tensor h0, const sst_tensor* params, int nparams, int has_biases, int64_t layers,
                    double dropout, int train, int bidirectional, int batch_first, sst_tensor* out, sst_tensor* hn) {
  try {
    auto r = at::gru(*x, *h0, sst_list(params, nparams), has_biases != 0, layers, dropout, train != 0, bidirectional != 0,
                     batch_first != 0);
    *out = new at::Tensor(std::get<0>(r));
    *hn = new at::Tensor(std::get<1>(r));
    return 0;
  }
  SST_CATCH(-1)
}

// ---- spectral ----
// torch.stft without centering (the caller pads); returns a complex tensor.
SST_API sst_tensor sst_stft(sst_tensor x, int64_t n_fft, int64_t hop, int64_t win_length, sst_tensor window, int normalized,
                            int onesided) {
  SST_RET(at::stft(*x, n_fft, hop, win_length, sst_opt(window), normalized != 0, onesided != 0, true))
}
SST_API sst_tensor sst_istft(sst_tensor x, int64_t n_fft, int64_t hop, int64_t win_length, sst_tensor window, int center,
                             int normalized, int onesided, int64_t length) {
  SST_RET(at::istft(*x, n_fft, hop, win_length, sst_opt(window), center != 0, normalized != 0, onesided != 0,
                    length >= 0 ? c10::optional<int64_t>(length) : c10::nullopt, false))
}
static c10::optional<c10::string_view> sst_norm_mode(int norm) {
  switch (norm) {
    case 1: return c10::string_view("forward");
    case 2: return c10::string_view("ortho");
    default: return c10::string_view("backward");
  }
}
SST_API sst_tensor sst_fft_rfft(sst_tensor x, int64_t n, int64_t dim, int norm) {
  SST_RET(at::fft_rfft(*x, n > 0 ? c10::optional<int64_t>(n) : c10::nullopt, dim, sst_norm_mode(norm)))
}
SST_API sst_tensor sst_fft_irfft(sst_tensor x, int64_t n, int64_t dim, int norm) {
  SST_RET(at::fft_irfft(*x, n > 0 ? c10::optional<int64_t>(n) : c10::nullopt, dim, sst_norm_mode(norm)))
}
SST_API sst_tensor sst_fft_fft(sst_tensor x, int64_t n, int64_t dim, int norm) {
  SST_RET(at::fft_fft(*x, n > 0 ? c10::optional<int64_t>(n) : c10::nullopt, dim, sst_norm_mode(norm)))
}
SST_API sst_tensor sst_fft_ifft(sst_tensor x, int64_t n, int64_t dim, int norm) {
  SST_RET(at::fft_ifft(*x, n > 0 ? c10::optional<int64_t>(n) : c10::nullopt, dim, sst_norm_mode(norm)))
}
SST_API sst_tensor sst_hann_window(int64_t n, int periodic, int dtype) {
  SST_RET(at::hann_window(n, periodic != 0, at::TensorOptions().dtype(sst_dtype(dtype))))
}
SST_API sst_tensor sst_hamming_window(int64_t n, int periodic, int dtype) {
  SST_RET(at::hamming_window(n, periodic != 0, at::TensorOptions().dtype(sst_dtype(dtype))))
}

// ---- complex helpers ----
SST_UNARY(view_as_real, at::view_as_real(*a))
SST_UNARY(view_as_complex, at::view_as_complex(*a))
SST_UNARY(real, at::real(*a))
SST_UNARY(imag, at::imag(*a))
SST_UNARY(angle, at::angle(*a))
SST_API sst_tensor sst_polar(sst_tensor abs, sst_tensor angle) { SST_RET(at::polar(*abs, *angle)) }
SST_API sst_tensor sst_complex(sst_tensor re, sst_tensor im) { SST_RET(at::complex(*re, *im)) }
