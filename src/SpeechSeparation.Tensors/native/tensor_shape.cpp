// Views, shape and indexing operations.
#include "shim.h"

SST_API sst_tensor sst_view(sst_tensor t, const int64_t* s, int n) { SST_RET(t->view(sst_dims(s, n))) }
SST_API sst_tensor sst_reshape(sst_tensor t, const int64_t* s, int n) { SST_RET(t->reshape(sst_dims(s, n))) }
SST_API sst_tensor sst_permute(sst_tensor t, const int64_t* d, int n) { SST_RET(t->permute(sst_dims(d, n))) }
SST_API sst_tensor sst_transpose(sst_tensor t, int64_t a, int64_t b) { SST_RET(t->transpose(a, b)) }
SST_API sst_tensor sst_unsqueeze(sst_tensor t, int64_t d) { SST_RET(t->unsqueeze(d)) }
SST_API sst_tensor sst_squeeze(sst_tensor t) { SST_RET(t->squeeze()) }
SST_API sst_tensor sst_squeeze_dim(sst_tensor t, int64_t d) { SST_RET(t->squeeze(d)) }
SST_API sst_tensor sst_flatten(sst_tensor t, int64_t start, int64_t end) { SST_RET(t->flatten(start, end)) }
SST_API sst_tensor sst_expand(sst_tensor t, const int64_t* s, int n) { SST_RET(t->expand(sst_dims(s, n))) }
SST_API sst_tensor sst_repeat(sst_tensor t, const int64_t* s, int n) { SST_RET(t->repeat(sst_dims(s, n))) }
SST_API sst_tensor sst_contiguous(sst_tensor t) { SST_RET(t->contiguous()) }
SST_API sst_tensor sst_narrow(sst_tensor t, int64_t dim, int64_t start, int64_t len) { SST_RET(t->narrow(dim, start, len)) }
SST_API sst_tensor sst_slice(sst_tensor t, int64_t dim, int64_t start, int64_t end, int64_t step) {
  SST_RET(t->slice(dim, start, end, step))
}
SST_API sst_tensor sst_select(sst_tensor t, int64_t dim, int64_t index) { SST_RET(t->select(dim, index)) }
SST_API sst_tensor sst_unfold(sst_tensor t, int64_t dim, int64_t size, int64_t step) { SST_RET(t->unfold(dim, size, step)) }
SST_API int sst_chunk(sst_tensor t, int64_t chunks, int64_t dim, sst_tensor* out, int cap) {
  try { return sst_out_list(t->chunk(chunks, dim), out, cap); } SST_CATCH(-1)
}
SST_API int sst_split(sst_tensor t, const int64_t* sizes, int n, int64_t dim, sst_tensor* out, int cap) {
  try { return sst_out_list(t->split_with_sizes(sst_dims(sizes, n), dim), out, cap); } SST_CATCH(-1)
}
SST_API sst_tensor sst_cat(const sst_tensor* ts, int n, int64_t dim) { SST_RET(at::cat(sst_list(ts, n), dim)) }
SST_API sst_tensor sst_stack(const sst_tensor* ts, int n, int64_t dim) { SST_RET(at::stack(sst_list(ts, n), dim)) }
SST_API sst_tensor sst_constant_pad(sst_tensor t, const int64_t* pad, int n, double value) {
  SST_RET(at::constant_pad_nd(*t, sst_dims(pad, n), value))
}
SST_API sst_tensor sst_reflection_pad(sst_tensor t, const int64_t* pad, int n) {
  try {
    if (n == 2) return new at::Tensor(at::reflection_pad1d(*t, sst_dims(pad, n)));
    if (n == 4) return new at::Tensor(at::reflection_pad2d(*t, sst_dims(pad, n)));
    if (n == 6) return new at::Tensor(at::reflection_pad3d(*t, sst_dims(pad, n)));
    sst_set_error("reflect padding takes 2, 4 or 6 pad values");
    return nullptr;
  }
  SST_CATCH(nullptr)
}
SST_API sst_tensor sst_replication_pad(sst_tensor t, const int64_t* pad, int n) {
  try {
    if (n == 2) return new at::Tensor(at::replication_pad1d(*t, sst_dims(pad, n)));
    if (n == 4) return new at::Tensor(at::replication_pad2d(*t, sst_dims(pad, n)));
    if (n == 6) return new at::Tensor(at::replication_pad3d(*t, sst_dims(pad, n)));
    sst_set_error("replicate padding takes 2, 4 or 6 pad values");
    return nullptr;
  }
  SST_CATCH(nullptr)
}
SST_API sst_tensor sst_index_select(sst_tensor t, int64_t dim, sst_tensor idx) { SST_RET(at::index_select(*t, dim, *idx)) }
SST_API sst_tensor sst_gather(sst_tensor t, int64_t dim, sst_tensor idx) { SST_RET(at::gather(*t, dim, *idx)) }
SST_API sst_tensor sst_scatter(sst_tensor t, int64_t dim, sst_tensor idx, sst_tensor src) { SST_RET(at::scatter(*t, dim, *idx, *src)) }
SST_API sst_tensor sst_roll(sst_tensor t, const int64_t* shifts, int n, const int64_t* dims, int m) {
  SST_RET(at::roll(*t, sst_dims(shifts, n), sst_dims(dims, m)))
}
SST_API sst_tensor sst_flip(sst_tensor t, const int64_t* dims, int n) { SST_RET(at::flip(*t, sst_dims(dims, n))) }
SST_API sst_tensor sst_masked_fill(sst_tensor t, sst_tensor mask, double value) { SST_RET(t->masked_fill(*mask, value)) }
SST_API sst_tensor sst_masked_select(sst_tensor t, sst_tensor mask) { SST_RET(t->masked_select(*mask)) }
SST_API sst_tensor sst_tril(sst_tensor t, int64_t k) { SST_RET(at::tril(*t, k)) }
SST_API sst_tensor sst_triu(sst_tensor t, int64_t k) { SST_RET(at::triu(*t, k)) }
