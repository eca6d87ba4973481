#include "kernels/reference.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "isa/semantics.h"
#include "numerics/numerics.h"

namespace trnsim::kernels::ref {

namespace {
float b2f(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
uint32_t f2b(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}
constexpr float kGeluK = 0.7978845608028654f;  // sqrt(2/pi)
constexpr float kGeluC = 0.044715f;

// C[m][n] = sum_k A[m][k] B[k][n], plain float in increasing k.
std::vector<float> mm(unsigned m, unsigned k, unsigned n, const std::vector<float>& a,
                      const std::vector<float>& b) {
  std::vector<float> c(std::size_t(m) * n, 0.0f);
  for (unsigned i = 0; i < m; ++i)
    for (unsigned j = 0; j < n; ++j) {
      float s = 0.0f;
      for (unsigned kk = 0; kk < k; ++kk) s += a[std::size_t(i) * k + kk] * b[std::size_t(kk) * n + j];
      c[std::size_t(i) * n + j] = s;
    }
  return c;
}
std::vector<float> transpose(unsigned rows, unsigned cols, const std::vector<float>& a) {
  std::vector<float> t(a.size());
  for (unsigned r = 0; r < rows; ++r)
    for (unsigned c = 0; c < cols; ++c) t[std::size_t(c) * rows + r] = a[std::size_t(r) * cols + c];
  return t;
}
std::vector<float> round_bf16(std::vector<float> v) {
  for (float& x : v) x = bf16(x);
  return v;
}
}  // namespace

float value(Dtype dt, uint32_t r) { return b2f(isa::to_fp32(dt, r)); }
uint32_t raw(Dtype dt, float v) { return isa::from_fp32(dt, f2b(v)); }
float bf16(float v) { return value(Dtype::BF16, raw(Dtype::BF16, v)); }

std::vector<uint32_t> gemm(unsigned m, unsigned k, unsigned n, Dtype a_dt,
                           const std::vector<uint32_t>& a, Dtype b_dt,
                           const std::vector<uint32_t>& b, Dtype c_dt, unsigned tile_rows) {
  std::vector<uint16_t> ac(a.begin(), a.end()), bc(b.begin(), b.end());
  std::vector<uint32_t> c(std::size_t(m) * n, 0);
  numerics::GemmShape s;
  s.m = m;
  s.k = k;
  s.n = n;
  s.tile_rows = tile_rows;
  numerics::gemm_ref(s, isa::to_numerics(a_dt), ac.data(), isa::to_numerics(b_dt), bc.data(),
                     c.data(), false);
  for (uint32_t& v : c) v = isa::from_fp32(c_dt, v);
  return c;
}

std::vector<float> softmax(unsigned rows, unsigned cols, const std::vector<float>& x) {
  std::vector<float> y(x.size());
  for (unsigned r = 0; r < rows; ++r) {
    const float* xr = &x[std::size_t(r) * cols];
    const float mx = *std::max_element(xr, xr + cols);
    float sum = 0.0f;
    for (unsigned c = 0; c < cols; ++c) sum += (y[std::size_t(r) * cols + c] = std::exp(xr[c] - mx));
    for (unsigned c = 0; c < cols; ++c) y[std::size_t(r) * cols + c] /= sum;
  }
  return y;
}

std::vector<float> layernorm(unsigned rows, unsigned cols, const std::vector<float>& x,
                             const std::vector<float>& gamma, const std::vector<float>& beta,
                             float eps) {
  std::vector<float> y(x.size());
  for (unsigned r = 0; r < rows; ++r) {
    const float* xr = &x[std::size_t(r) * cols];
    float sum = 0.0f;
    for (unsigned c = 0; c < cols; ++c) sum += xr[c];
    const float mean = sum / float(cols);
    float ss = 0.0f;
    for (unsigned c = 0; c < cols; ++c) ss += (xr[c] - mean) * (xr[c] - mean);
    const float rstd = 1.0f / std::sqrt(ss / float(cols) + eps);
    for (unsigned c = 0; c < cols; ++c)
      y[std::size_t(r) * cols + c] = (xr[c] - mean) * rstd * gamma[c] + beta[c];
  }
  return y;
}

std::vector<float> attention(unsigned s, unsigned d, const std::vector<float>& q,
                             const std::vector<float>& k, const std::vector<float>& v) {
  const float scale = 1.0f / std::sqrt(float(d));
  const std::vector<float> sc = mm(s, d, s, q, transpose(s, d, k));
  std::vector<float> p(sc.size()), sum(s, 0.0f);
  for (unsigned i = 0; i < s; ++i) {
    const float* row = &sc[std::size_t(i) * s];
    const float mx = *std::max_element(row, row + s) * scale;
    for (unsigned j = 0; j < s; ++j) {
      const float e = std::exp(row[j] * scale - mx);
      sum[i] += e;
      p[std::size_t(i) * s + j] = bf16(e);
    }
  }
  std::vector<float> o = mm(s, s, d, p, v);
  for (unsigned i = 0; i < s; ++i)
    for (unsigned j = 0; j < d; ++j) o[std::size_t(i) * d + j] /= sum[i];
  return o;
}

float gelu_tanh(float x) {
  return 0.5f * x * (1.0f + std::tanh(kGeluK * (x + kGeluC * x * x * x)));
}

float gelu_tanh_grad(float x) {
  const float t = std::tanh(kGeluK * (x + kGeluC * x * x * x));
  return 0.5f * (1.0f + t) + 0.5f * kGeluK * x * (1.0f - t * t) * (1.0f + 3.0f * kGeluC * x * x);
}

std::vector<float> mlp_forward(unsigned t, unsigned d, unsigned h, const std::vector<float>& x,
                               const std::vector<float>& w1, const std::vector<float>& w2) {
  std::vector<float> a = mm(t, d, h, x, w1);
  for (float& e : a) e = bf16(gelu_tanh(e));
  return mm(t, h, d, a, w2);
}

MlpGrads mlp_backward(unsigned t, unsigned d, unsigned h, const std::vector<float>& x,
                      const std::vector<float>& w1, const std::vector<float>& w2,
                      const std::vector<float>& dy) {
  const std::vector<float> pre = mm(t, d, h, x, w1);
  std::vector<float> a(pre.size()), dh(pre.size());
  for (std::size_t i = 0; i < pre.size(); ++i) a[i] = bf16(gelu_tanh(pre[i]));
  MlpGrads g;
  g.dw2 = mm(h, t, d, transpose(t, h, a), dy);
  const std::vector<float> da = mm(t, d, h, dy, transpose(h, d, w2));
  for (std::size_t i = 0; i < pre.size(); ++i) dh[i] = bf16(da[i] * gelu_tanh_grad(pre[i]));
  g.dw1 = mm(d, t, h, transpose(t, d, x), dh);
  g.dx = mm(t, h, d, dh, transpose(d, h, w1));
  return g;
}

MlpStep mlp_train_step(unsigned t, unsigned d, unsigned h, float lr, const std::vector<float>& x,
                       const std::vector<float>& target, const std::vector<float>& w1,
                       const std::vector<float>& w2) {
  const std::vector<float> w1b = round_bf16(w1), w2b = round_bf16(w2);
  MlpStep s;
  s.y = mlp_forward(t, d, h, x, w1b, w2b);
  std::vector<float> dy(s.y.size());
  for (std::size_t i = 0; i < dy.size(); ++i) dy[i] = bf16((s.y[i] - target[i]) * (1.0f / float(t)));
  const MlpGrads g = mlp_backward(t, d, h, x, w1b, w2b, dy);
  s.w1 = w1;
  s.w2 = w2;
  for (std::size_t i = 0; i < s.w1.size(); ++i) s.w1[i] += -lr * g.dw1[i];
  for (std::size_t i = 0; i < s.w2.size(); ++i) s.w2[i] += -lr * g.dw2[i];
  return s;
}

}  // namespace trnsim::kernels::ref
