// Element-wise math, comparisons, reductions, linear algebra and in-place updates (for optimisers).
#include "shim.h"

#define SST_UNARY(name, expr) SST_API sst_tensor sst_##name(sst_tensor a) { SST_RET(expr) }
#define SST_BINARY(name, expr) SST_API sst_tensor sst_##name(sst_tensor a, sst_tensor b) { SST_RET(expr) }
#define SST_SCALAR(name, expr) SST_API sst_tensor sst_##name(sst_tensor a, double s) { SST_RET(expr) }

SST_API sst_tensor sst_add(sst_tensor a, sst_tensor b, double alpha) { SST_RET(at::add(*a, *b, alpha)) }
SST_API sst_tensor sst_sub(sst_tensor a, sst_tensor b, double alpha) { SST_RET(at::sub(*a, *b, alpha)) }
SST_BINARY(mul, at::mul(*a, *b))
SST_BINARY(div, at::div(*a, *b))
SST_SCALAR(add_scalar, at::add(*a, sst_scalar(*a, s)))
SST_SCALAR(sub_scalar, at::sub(*a, sst_scalar(*a, s)))
SST_SCALAR(rsub_scalar, at::rsub(*a, sst_scalar(*a, s)))
SST_SCALAR(mul_scalar, at::mul(*a, sst_scalar(*a, s)))
SST_SCALAR(div_scalar, at::div(*a, s))
SST_SCALAR(pow_scalar, at::pow(*a, s))
SST_BINARY(pow, at::pow(*a, *b))
SST_BINARY(maximum, at::maximum(*a, *b))
SST_BINARY(minimum, at::minimum(*a, *b))
SST_BINARY(atan2, at::atan2(*a, *b))
SST_BINARY(remainder, at::remainder(*a, *b))
SST_UNARY(neg, at::neg(*a))
SST_UNARY(sqrt, at::sqrt(*a))
SST_UNARY(rsqrt, at::rsqrt(*a))
SST_UNARY(exp, at::exp(*a))
SST_UNARY(log, at::log(*a))
SST_UNARY(log10, at::log10(*a))
SST_UNARY(log1p, at::log1p(*a))
SST_UNARY(abs, at::abs(*a))
SST_UNARY(sin, at::sin(*a))
SST_UNARY(cos, at::cos(*a))
SST_UNARY(square, at::square(*a))
SST_UNARY(reciprocal, at::reciprocal(*a))
SST_UNARY(sign, at::sign(*a))
SST_UNARY(floor, at::floor(*a))
SST_UNARY(ceil, at::ceil(*a))
SST_UNARY(round, at::round(*a))
SST_UNARY(erf, at::erf(*a))
SST_UNARY(logical_not, at::logical_not(*a))
SST_UNARY(isnan, at::isnan(*a))
SST_UNARY(isfinite, at::isfinite(*a))
SST_UNARY(conj, at::conj(*a).resolve_conj())
SST_API sst_tensor sst_clamp(sst_tensor a, double lo, double hi, int has_lo, int has_hi) {
  SST_RET(at::clamp(*a, has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                    has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
SST_API sst_tensor sst_where(sst_tensor c, sst_tensor a, sst_tensor b) { SST_RET(at::where(*c, *a, *b)) }

// comparisons: op 0 eq, 1 ne, 2 lt, 3 le, 4 gt, 5 ge
SST_API sst_tensor sst_compare(sst_tensor a, sst_tensor b, int op) {
  try {
    switch (op) {
      case 0: return new at::Tensor(at::eq(*a, *b));
      case 1: return new at::Tensor(at::ne(*a, *b));
      case 2: return new at::Tensor(at::lt(*a, *b));
      case 3: return new at::Tensor(at::le(*a, *b));
      case 4: return new at::Tensor(at::gt(*a, *b));
      case 5: return new at::Tensor(at::ge(*a, *b));
      default: sst_set_error("unknown comparison"); return nullptr;
    }
  }
  SST_CATCH(nullptr)
}
SST_API sst_tensor sst_compare_scalar(sst_tensor a, double s, int op) {
  try {
    switch (op) {
      case 0: return new at::Tensor(at::eq(*a, s));
      case 1: return new at::Tensor(at::ne(*a, s));
      case 2: return new at::Tensor(at::lt(*a, s));
      case 3: return new at::Tensor(at::le(*a, s));
      case 4: return new at::Tensor(at::gt(*a, s));
      case 5: return new at::Tensor(at::ge(*a, s));
      default: sst_set_error("unknown comparison"); return nullptr;
    }
  }
  SST_CATCH(nullptr)
}
SST_BINARY(logical_and, at::logical_and(*a, *b))
SST_BINARY(logical_or, at::logical_or(*a, *b))
SST_API int sst_allclose(sst_tensor a, sst_tensor b, double rtol, double atol) {
  try { return at::allclose(*a, *b, rtol, atol) ? 1 : 0; } SST_CATCH(-1)
}

// ---- reductions (nd == 0 reduces over every dimension) ----
SST_API sst_tensor sst_sum(sst_tensor a, const int64_t* d, int nd, int keepdim) {
  SST_RET(nd == 0 ? at::sum(*a) : at::sum(*a, sst_dims(d, nd), keepdim != 0))
}
SST_API sst_tensor sst_mean(sst_tensor a, const int64_t* d, int nd, int keepdim) {
  SST_RET(nd == 0 ? at::mean(*a) : at::mean(*a, sst_dims(d, nd), keepdim != 0))
}
SST_API sst_tensor sst_var(sst_tensor a, const int64_t* d, int nd, int unbiased, int keepdim) {
  SST_RET(nd == 0 ? at::var(*a, unbiased != 0) : at::var(*a, sst_dims(d, nd), unbiased != 0, keepdim != 0))
}
SST_API sst_tensor sst_std(sst_tensor a, const int64_t* d, int nd, int unbiased, int keepdim) {
  SST_RET(nd == 0 ? at::std(*a, unbiased != 0) : at::std(*a, sst_dims(d, nd), unbiased != 0, keepdim != 0))
}
SST_API sst_tensor sst_norm(sst_tensor a, double p, const int64_t* d, int nd, int keepdim) {
  SST_RET(nd == 0 ? at::linalg_vector_norm(*a, p) : at::linalg_vector_norm(*a, p, sst_dims(d, nd), keepdim != 0))
}
SST_API sst_tensor sst_prod(sst_tensor a) { SST_RET(at::prod(*a)) }
SST_API sst_tensor sst_max_all(sst_tensor a) { SST_RET(at::max(*a)) }
SST_API sst_tensor sst_min_all(sst_tensor a) { SST_RET(at::min(*a)) }
SST_API int sst_max_dim(sst_tensor a, int64_t dim, int keepdim, sst_tensor* values, sst_tensor* indices) {
  try {
    auto r = at::max(*a, dim, keepdim != 0);
    *values = new at::Tensor(std::get<0>(r));
    *indices = new at::Tensor(std::get<1>(r));
    return 0;
  }
  SST_CATCH(-1)
}
SST_API int sst_min_dim(sst_tensor a, int64_t dim, int keepdim, sst_tensor* values, sst_tensor* indices) {
  try {
    auto r = at::min(*a, dim, keepdim != 0);
    *values = new at::Tensor(std::get<0>(r));
    *indices = new at::Tensor(std::get<1>(r));
    return 0;
  }
  SST_CATCH(-1)
}
SST_API sst_tensor sst_argmax(sst_tensor a, int64_t dim, int has_dim, int keepdim) {
  SST_RET(has_dim ? at::argmax(*a, dim, keepdim != 0) : at::argmax(*a))
}
SST_API sst_tensor sst_argmin(sst_tensor a, int64_t dim, int has_dim, int keepdim) {
  SST_RET(has_dim ? at::argmin(*a, dim, keepdim != 0) : at::argmin(*a))
}
SST_API sst_tensor sst_cumsum(sst_tensor a, int64_t dim) { SST_RET(at::cumsum(*a, dim)) }
SST_API sst_tensor sst_any(sst_tensor a) { SST_RET(at::any(*a)) }
SST_API sst_tensor sst_all(sst_tensor a) { SST_RET(at::all(*a)) }
SST_API int sst_sort(sst_tensor a, int64_t dim, int descending, sst_tensor* values, sst_tensor* indices) {
  try {
    auto r = at::sort(*a, dim, descending != 0);
    *values = new at::Tensor(std::get<0>(r));
    *indices = new at::Tensor(std::get<1>(r));
    return 0;
  }
  SST_CATCH(-1)
}

// ---- linear algebra ----
SST_BINARY(matmul, at::matmul(*a, *b))
SST_BINARY(mm, at::mm(*a, *b))
SST_BINARY(bmm, at::bmm(*a, *b))
SST_API sst_tensor sst_einsum(const char* eq, const sst_tensor* ts, int n) { SST_RET(at::einsum(eq, sst_list(ts, n))) }

// ---- in-place updates (optimisers, initialisation) ----
SST_API int sst_add_(sst_tensor a, sst_tensor b, double alpha) { SST_DO(a->add_(*b, alpha)) }
SST_API int sst_baddbmm_(sst_tensor a, sst_tensor b1, sst_tensor b2, double beta, double alpha) { SST_DO(a->baddbmm_(*b1, *b2, beta, alpha)) }
SST_API int sst_add_scalar_(sst_tensor a, double s) { SST_DO(a->add_(sst_scalar(*a, s))) }
SST_API int sst_mul_(sst_tensor a, sst_tensor b) { SST_DO(a->mul_(*b)) }
SST_API int sst_mul_scalar_(sst_tensor a, double s) { SST_DO(a->mul_(sst_scalar(*a, s))) }
SST_API int sst_div_(sst_tensor a, sst_tensor b) { SST_DO(a->div_(*b)) }
SST_API int sst_div_scalar_(sst_tensor a, double s) { SST_DO(a->div_(s)) }
SST_API int sst_addcmul_(sst_tensor a, sst_tensor b, sst_tensor c, double v) { SST_DO(a->addcmul_(*b, *c, v)) }
SST_API int sst_addcdiv_(sst_tensor a, sst_tensor b, sst_tensor c, double v) { SST_DO(a->addcdiv_(*b, *c, v)) }
SST_API int sst_lerp_(sst_tensor a, sst_tensor b, double w) { SST_DO(a->lerp_(*b, w)) }
SST_API int sst_sqrt_(sst_tensor a) { SST_DO(a->sqrt_()) }
SST_API int sst_clamp_(sst_tensor a, double lo, double hi, int has_lo, int has_hi) {
  SST_DO(a->clamp_(has_lo ? c10::optional<at::Scalar>(lo) : c10::nullopt,
                   has_hi ? c10::optional<at::Scalar>(hi) : c10::nullopt))
}
SST_API int sst_maximum_(sst_tensor a, sst_tensor b) { SST_DO(at::maximum_out(*a, *a, *b)) }
SST_API int sst_zero_(sst_tensor a) { SST_DO(a->zero_()) }
SST_API int sst_fill_(sst_tensor a, double v) { SST_DO(a->fill_(sst_scalar(*a, v))) }
