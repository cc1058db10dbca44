// Common declarations of the SpeechSeparation libtorch shim.
// Conventions: every exported function catches every C++ exception; on failure it stores the message
// (thread-local, read with sst_last_error) and returns nullptr (tensor results) or -1 (status results).
// Tensor handles are heap-allocated at::Tensor objects owned by the caller and freed with sst_free.
#pragma once
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <cstdint>
#include <string>
#include <vector>

#define SST_API extern "C" __attribute__((visibility("default")))

typedef at::Tensor* sst_tensor;

void sst_set_error(const char* message);

#define SST_CATCH(fail)                                                       \
  catch (const c10::Error& e) { sst_set_error(e.what_without_backtrace()); return fail; } \
  catch (const std::exception& e) { sst_set_error(e.what()); return fail; }  \
  catch (...) { sst_set_error("unknown native exception"); return fail; }

// Wraps an expression returning at::Tensor into a new handle.
#define SST_RET(expr) try { return new at::Tensor(expr); } SST_CATCH(nullptr)
// Runs a statement block, returning 0 on success.
#define SST_DO(block) try { block; return 0; } SST_CATCH(-1)

inline at::IntArrayRef sst_dims(const int64_t* p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

inline std::vector<at::Tensor> sst_list(const sst_tensor* ts, int n) {
  std::vector<at::Tensor> v;
  v.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v.push_back(*ts[i]);
  return v;
}

inline c10::optional<at::Tensor> sst_opt(sst_tensor t) {
  if (t == nullptr) return c10::nullopt;
  return *t;
}

// Writes tensors into a caller-provided array of capacity cap; returns the count or -1.
inline int sst_out_list(const std::vector<at::Tensor>& v, sst_tensor* out, int cap) {
  if (static_cast<int>(v.size()) > cap) { sst_set_error("result list larger than the caller's buffer"); return -1; }
  for (size_t i = 0; i < v.size(); ++i) out[i] = new at::Tensor(v[i]);
  return static_cast<int>(v.size());
}

// A scalar argument: integral when the tensor is integral and the value is a whole number, so that
// integer tensors stay integer (libtorch refuses to write a double result into an int64 tensor in place).
inline at::Scalar sst_scalar(const at::Tensor& t, double v) {
  if (at::isIntegralType(t.scalar_type(), /*includeBool=*/false) && v == static_cast<double>(static_cast<int64_t>(v)))
    return at::Scalar(static_cast<int64_t>(v));
  return at::Scalar(v);
}

at::ScalarType sst_dtype(int code);
int sst_dtype_code(at::ScalarType t);
at::Device sst_device(int type, int index);
