// Tensor lifecycle, creation, data transfer, properties, devices, autograd, threads and random seeds.
#include "shim.h"
#include <ATen/CPUGeneratorImpl.h>
#include <torch/version.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <cstring>
#include <mutex>

static thread_local std::string g_last_error;

void sst_set_error(const char* message) { g_last_error = message ? message : "(null)"; }

SST_API const char* sst_last_error() { return g_last_error.c_str(); }

SST_API const char* sst_version() {
  static std::string v = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                         std::to_string(TORCH_VERSION_PATCH);
  return v.c_str();
}

at::ScalarType sst_dtype(int code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kDouble;
    case 2: return at::kHalf;
    case 3: return at::kBFloat16;
    case 4: return at::kLong;
    case 5: return at::kInt;
    case 6: return at::kShort;
    case 7: return at::kChar;
    case 8: return at::kByte;
    case 9: return at::kBool;
    case 10: return at::kComplexFloat;
    case 11: return at::kComplexDouble;
    default: throw std::invalid_argument("unknown dtype code " + std::to_string(code));
  }
}

int sst_dtype_code(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return 0;
    case at::kDouble: return 1;
    case at::kHalf: return 2;
    case at::kBFloat16: return 3;
    case at::kLong: return 4;
    case at::kInt: return 5;
    case at::kShort: return 6;
    case at::kChar: return 7;
    case at::kByte: return 8;
    case at::kBool: return 9;
    case at::kComplexFloat: return 10;
    case at::kComplexDouble: return 11;
    default: return -1;
  }
}

at::Device sst_device(int type, int index) {
  switch (type) {
    case 0: return at::Device(at::kCPU);
    case 1: return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index < 0 ? 0 : index));
    default: throw std::invalid_argument("unknown device type " + std::to_string(type));
  }
}

static at::TensorOptions sst_options(int dtype, int dev_type, int dev_index) {
  return at::TensorOptions().dtype(sst_dtype(dtype)).device(sst_device(dev_type, dev_index));
}

// ---- lifecycle ----
SST_API void sst_free(sst_tensor t) { delete t; }
SST_API sst_tensor sst_alias(sst_tensor t) { SST_RET(*t) }

// ---- creation ----
SST_API sst_tensor sst_empty(const int64_t* shape, int nd, int dtype, int dt, int di) {
  SST_RET(at::empty(sst_dims(shape, nd), sst_options(dtype, dt, di)))
}
SST_API sst_tensor sst_zeros(const int64_t* shape, int nd, int dtype, int dt, int di) {
  SST_RET(at::zeros(sst_dims(shape, nd), sst_options(dtype, dt, di)))
}
SST_API sst_tensor sst_ones(const int64_t* shape, int nd, int dtype, int dt, int di) {
  SST_RET(at::ones(sst_dims(shape, nd), sst_options(dtype, dt, di)))
}
SST_API sst_tensor sst_full(const int64_t* shape, int nd, double value, int dtype, int dt, int di) {
  SST_RET(at::full(sst_dims(shape, nd), value, sst_options(dtype, dt, di)))
}
SST_API sst_tensor sst_arange(double start, double end, double step, int dtype, int dt, int di) {
  SST_RET(at::arange(start, end, step, sst_options(dtype, dt, di)))
}
SST_API sst_tensor sst_linspace(double start, double end, int64_t steps, int dtype, int dt, int di) {
  SST_RET(at::linspace(start, end, steps, sst_options(dtype, dt, di)))
}
SST_API sst_tensor sst_eye(int64_t n, int dtype, int dt, int di) { SST_RET(at::eye(n, sst_options(dtype, dt, di))) }

// Copies `nbytes` of host memory laid out as a contiguous tensor of the given dtype/shape.
SST_API sst_tensor sst_from_data(const void* data, const int64_t* shape, int nd, int dtype, int dt, int di) {
  try {
    auto cpu = at::empty(sst_dims(shape, nd), at::TensorOptions().dtype(sst_dtype(dtype)));
    if (cpu.numel() > 0) std::memcpy(cpu.data_ptr(), data, cpu.numel() * cpu.element_size());
    auto dev = sst_device(dt, di);
    return new at::Tensor(dev.is_cpu() ? cpu : cpu.to(dev));
  }
  SST_CATCH(nullptr)
}

// Copies the tensor's elements (converted to `dtype`, on the CPU, contiguous) into `out` (capacity `nbytes`).
SST_API int sst_copy_to(sst_tensor t, int dtype, void* out, int64_t nbytes) {
  try {
    auto c = t->detach().to(at::kCPU, sst_dtype(dtype)).contiguous();
    int64_t need = c.numel() * static_cast<int64_t>(c.element_size());
    if (need > nbytes) { sst_set_error("destination buffer too small"); return -1; }
    if (need > 0) std::memcpy(out, c.data_ptr(), static_cast<size_t>(need));
    return 0;
  }
  SST_CATCH(-1)
}

SST_API int sst_item(sst_tensor t, double* out) { SST_DO(*out = t->item<double>()) }

// ---- random ----
struct sst_generator_t { at::Generator gen; };
typedef sst_generator_t* sst_generator;

SST_API sst_generator sst_generator_new(uint64_t seed) {
  try { return new sst_generator_t{at::make_generator<at::CPUGeneratorImpl>(seed)}; }
  SST_CATCH(nullptr)
}
SST_API void sst_generator_free(sst_generator g) { delete g; }
SST_API int sst_generator_seed(sst_generator g, uint64_t seed) {
  SST_DO(std::lock_guard<std::mutex> lock(g->gen.mutex()); g->gen.set_current_seed(seed))
}
static c10::optional<at::Generator> sst_gen(sst_generator g) {
  if (g == nullptr) return c10::nullopt;
  return g->gen;
}
SST_API sst_tensor sst_randn(const int64_t* shape, int nd, sst_generator g, int dtype, int dt, int di) {
  try {
    auto cpu = at::randn(sst_dims(shape, nd), sst_gen(g), at::TensorOptions().dtype(sst_dtype(dtype)));
    auto dev = sst_device(dt, di);
    return new at::Tensor(dev.is_cpu() ? cpu : cpu.to(dev));
  }
  SST_CATCH(nullptr)
}
SST_API sst_tensor sst_rand(const int64_t* shape, int nd, sst_generator g, int dtype, int dt, int di) {
  try {
    auto cpu = at::rand(sst_dims(shape, nd), sst_gen(g), at::TensorOptions().dtype(sst_dtype(dtype)));
    auto dev = sst_device(dt, di);
    return new at::Tensor(dev.is_cpu() ? cpu : cpu.to(dev));
  }
  SST_CATCH(nullptr)
}
SST_API sst_tensor sst_randperm(int64_t n, sst_generator g, int dt, int di) {
  try {
    auto cpu = at::randperm(n, sst_gen(g), at::TensorOptions().dtype(at::kLong));
    auto dev = sst_device(dt, di);
    return new at::Tensor(dev.is_cpu() ? cpu : cpu.to(dev));
  }
  SST_CATCH(nullptr)
}
SST_API int sst_manual_seed(uint64_t seed) {
  try {
    auto gen = at::detail::getDefaultCPUGenerator();
    {
      std::lock_guard<std::mutex> lock(gen.mutex());
      gen.set_current_seed(seed);
    }
    auto& hooks = at::detail::getCUDAHooks();
    if (hooks.hasCUDA()) {
      for (int i = 0; i < hooks.getNumGPUs(); ++i) {
        auto cg = hooks.getDefaultCUDAGenerator(static_cast<c10::DeviceIndex>(i));
        std::lock_guard<std::mutex> lock(cg.mutex());
        cg.set_current_seed(seed);
      }
    }
    return 0;
  }
  SST_CATCH(-1)
}
// In-place fills used by nn.init.
SST_API int sst_uniform_(sst_tensor t, double from, double to, sst_generator g) { SST_DO(t->uniform_(from, to, sst_gen(g))) }
SST_API int sst_normal_(sst_tensor t, double mean, double std, sst_generator g) { SST_DO(t->normal_(mean, std, sst_gen(g))) }
SST_API sst_tensor sst_bernoulli(sst_tensor t, double p, sst_generator g) {
  SST_RET(at::bernoulli(*t, p, sst_gen(g)))
}

// ---- properties ----
SST_API int sst_ndim(sst_tensor t) { try { return static_cast<int>(t->dim()); } SST_CATCH(-1) }
SST_API int sst_shape(sst_tensor t, int64_t* out, int cap) {
  try {
    auto s = t->sizes();
    if (static_cast<int>(s.size()) > cap) { sst_set_error("shape buffer too small"); return -1; }
    for (size_t i = 0; i < s.size(); ++i) out[i] = s[i];
    return static_cast<int>(s.size());
  }
  SST_CATCH(-1)
}
SST_API int sst_strides(sst_tensor t, int64_t* out, int cap) {
  try {
    auto s = t->strides();
    if (static_cast<int>(s.size()) > cap) { sst_set_error("stride buffer too small"); return -1; }
    for (size_t i = 0; i < s.size(); ++i) out[i] = s[i];
    return static_cast<int>(s.size());
  }
  SST_CATCH(-1)
}
SST_API int64_t sst_numel(sst_tensor t) { try { return t->numel(); } SST_CATCH(-1) }
SST_API int sst_dtype_of(sst_tensor t) { try { return sst_dtype_code(t->scalar_type()); } SST_CATCH(-1) }
SST_API int sst_device_type(sst_tensor t) { try { return t->device().is_cuda() ? 1 : t->device().is_cpu() ? 0 : 2; } SST_CATCH(-1) }
SST_API int sst_device_index(sst_tensor t) { try { return t->device().index(); } SST_CATCH(-2) }
SST_API int sst_is_contiguous(sst_tensor t) { try { return t->is_contiguous() ? 1 : 0; } SST_CATCH(-1) }
SST_API int sst_defined(sst_tensor t) { try { return t->defined() ? 1 : 0; } SST_CATCH(-1) }

// ---- conversion ----
SST_API sst_tensor sst_to(sst_tensor t, int dtype, int dt, int di, int non_blocking, int copy) {
  SST_RET(t->to(sst_device(dt, di), sst_dtype(dtype), non_blocking != 0, copy != 0))
}
SST_API sst_tensor sst_to_dtype(sst_tensor t, int dtype) { SST_RET(t->to(sst_dtype(dtype))) }
SST_API sst_tensor sst_pin_memory(sst_tensor t) { SST_RET(t->pin_memory()) }
SST_API sst_tensor sst_clone(sst_tensor t) { SST_RET(t->clone()) }
SST_API int sst_copy_(sst_tensor dst, sst_tensor src) { SST_DO(dst->copy_(*src)) }

// ---- devices and threads ----
SST_API int sst_cuda_is_available() { try { return at::detail::getCUDAHooks().hasCUDA() ? 1 : 0; } SST_CATCH(0) }
SST_API int sst_cuda_device_count() { try { return at::detail::getCUDAHooks().hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0; } SST_CATCH(0) }
SST_API int sst_set_num_threads(int n) { SST_DO(at::set_num_threads(n)) }
SST_API int sst_get_num_threads() { try { return at::get_num_threads(); } SST_CATCH(-1) }
SST_API int sst_set_num_interop_threads(int n) { SST_DO(at::set_num_interop_threads(n)) }

// ---- autograd ----
SST_API int sst_requires_grad(sst_tensor t) { try { return t->requires_grad() ? 1 : 0; } SST_CATCH(-1) }
SST_API int sst_set_requires_grad(sst_tensor t, int on) { SST_DO(t->set_requires_grad(on != 0)) }
SST_API int sst_is_leaf(sst_tensor t) { try { return t->is_leaf() ? 1 : 0; } SST_CATCH(-1) }
SST_API int sst_backward(sst_tensor t, sst_tensor grad, int retain_graph, int create_graph) {
  SST_DO(t->backward(grad ? *grad : at::Tensor(), retain_graph != 0, create_graph != 0))
}
// Returns the .grad tensor, or nullptr with an empty error when there is none.
SST_API sst_tensor sst_grad(sst_tensor t) {
  try {
    const auto& g = t->grad();
    if (!g.defined()) { sst_set_error(""); return nullptr; }
    return new at::Tensor(g);
  }
  SST_CATCH(nullptr)
}
SST_API int sst_set_grad(sst_tensor t, sst_tensor g) { SST_DO(t->mutable_grad() = g ? *g : at::Tensor()) }
SST_API sst_tensor sst_detach(sst_tensor t) { SST_RET(t->detach()) }
SST_API int sst_grad_enabled() { return c10::GradMode::is_enabled() ? 1 : 0; }
SST_API void sst_set_grad_enabled(int on) { c10::GradMode::set_enabled(on != 0); }
SST_API void* sst_inference_mode_enter() { try { return new c10::InferenceMode(true); } SST_CATCH(nullptr) }
SST_API void sst_inference_mode_exit(void* guard) { delete static_cast<c10::InferenceMode*>(guard); }

// TF32 on Ampere+ GPUs changes float32 matmul/conv results; comparisons with CPU references turn it off.
SST_API int sst_set_allow_tf32(int on) {
  SST_DO(at::globalContext().setAllowTF32CuBLAS(on != 0); at::globalContext().setAllowTF32CuDNN(on != 0))
}
SST_API int sst_cuda_synchronize() {
  try {
    if (at::detail::getCUDAHooks().hasCUDA()) at::detail::getCUDAHooks().deviceSynchronize(at::detail::getCUDAHooks().current_device());
    return 0;
  }
  SST_CATCH(-1)
}
