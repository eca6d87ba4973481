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

namespace {
// C[m][n] = A[m][k] B[k][n] with K in tiles of `tile` (0: one tile): each
// tile's sum from +0 in increasing k, the tile sums added in order, as
// numerics::gemm_ref (and so the tensor engine) does.
std::vector<float> mm_tiled(unsigned m, unsigned k, unsigned n, const std::vector<float>& a,
                            const std::vector<float>& b, unsigned tile) {
  if (tile == 0) tile = k;
  std::vector<float> c(std::size_t(m) * n, 0.0f);
  for (unsigned i = 0; i < m; ++i)
    for (unsigned j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (unsigned k0 = 0; k0 < k; k0 += tile) {
        float s = 0.0f;
        for (unsigned kk = k0; kk < std::min(k, k0 + tile); ++kk)
          s += a[std::size_t(i) * k + kk] * b[std::size_t(kk) * n + j];
        acc = k0 == 0 ? s : acc + s;
      }
      c[std::size_t(i) * n + j] = acc;
    }
  return c;
}
// The activation functions as isa.md defines them: in double, rounded once.
float d_exp(float u) { return float(std::exp(double(u))); }
float d_tanh(float u) { return float(std::tanh(double(u))); }
float d_recip(float u) { return float(1.0 / double(u)); }
float d_rsqrt(float u) { return float(1.0 / std::sqrt(double(u))); }
float d_gelu(float u) {
  const double x = u, k = std::sqrt(2.0 / 3.14159265358979323846);
  return float(0.5 * x * (1.0 + std::tanh(k * (x + 0.044715 * x * x * x))));
}
// gelu'(h) in the 12 FP32 steps of the MLP kernel's backward.
float gelu_grad_steps(float h) {
  const float h2 = h * h, pq = h2 * kGeluC + 1.0f, inner = h * pq, th = d_tanh(inner * kGeluK);
  float t2 = th * th;
  t2 = t2 * -1.0f + 1.0f;
  const float pq3 = h2 * (3.0f * kGeluC) + 1.0f;
  float r = h * t2;
  r = r * pq3;
  r = r * (0.5f * kGeluK);
  return r + (th * 0.5f + 0.5f);
}
// Layernorm of rows x cols in the kernel's order (norm.cpp): y (BF16), x-hat, rstd.
struct LnOut {
  std::vector<float> y, xhat, rstd;
};
LnOut ln_rows(unsigned rows, unsigned cols, const std::vector<float>& x, const std::vector<float>& g,
              const std::vector<float>& b, float eps) {
  const float inv_n = 1.0f / float(cols);
  LnOut o{std::vector<float>(x.size()), std::vector<float>(x.size()), std::vector<float>(rows)};
  std::vector<float> xc(cols);
  for (unsigned r = 0; r < rows; ++r) {
    const float* xr = &x[std::size_t(r) * cols];
    float sum = 0.0f, ss = 0.0f;
    for (unsigned c = 0; c < cols; ++c) sum += xr[c];
    const float negm = sum * -inv_n;
    for (unsigned c = 0; c < cols; ++c) {
      xc[c] = xr[c] + negm;
      ss += xc[c] * xc[c];
    }
    const float rstd = d_rsqrt(ss * inv_n + eps);
    o.rstd[r] = rstd;
    for (unsigned c = 0; c < cols; ++c) {
      const std::size_t i = std::size_t(r) * cols + c;
      o.xhat[i] = xc[c] * rstd;
      o.y[i] = bf16(o.xhat[i] * g[c] + b[c]);
    }
  }
  return o;
}
}  // namespace

TransformerStep transformer_train_step(unsigned t, unsigned d, unsigned h, float lr, float eps,
                                       const std::vector<float>& x, const std::vector<float>& target,
                                       const std::vector<float>& ln1_gamma, const std::vector<float>& ln1_beta,
                                       const std::vector<float>& ln2_gamma, const std::vector<float>& ln2_beta,
                                       const TransformerWeights& w, unsigned tile_rows) {
  const unsigned T = t, D = d, H = h;
  const float scale = 1.0f / std::sqrt(float(D));
  auto mm = [&](unsigned m, unsigned k, unsigned n, const std::vector<float>& a, const std::vector<float>& b) {
    return mm_tiled(m, k, n, a, b, tile_rows);
  };
  const std::vector<float> wqb = round_bf16(w.wq), wkb = round_bf16(w.wk), wvb = round_bf16(w.wv),
                           wob = round_bf16(w.wo), w1b = round_bf16(w.w1), w2b = round_bf16(w.w2);
  // ---- forward
  const LnOut ln1 = ln_rows(T, D, x, ln1_gamma, ln1_beta, eps);
  const std::vector<float>& a1 = ln1.y;
  const std::vector<float> q = round_bf16(mm(T, D, D, a1, wqb)), k = round_bf16(mm(T, D, D, a1, wkb)),
                           v = round_bf16(mm(T, D, D, a1, wvb));
  const std::vector<float> sc = mm(T, D, T, q, transpose(T, D, k));
  std::vector<float> pf(std::size_t(T) * T), pb(pf.size());
  for (unsigned i = 0; i < T; ++i) {
    const float* row = &sc[std::size_t(i) * T];
    const float negm = *std::max_element(row, row + T) * -scale;
    std::vector<float> e(T);
    float sum = 0.0f;
    for (unsigned j = 0; j < T; ++j) sum += (e[j] = d_exp(row[j] * scale + negm));
    const float rinv = d_recip(sum);
    for (unsigned j = 0; j < T; ++j) {
      pf[std::size_t(i) * T + j] = e[j] * rinv;
      pb[std::size_t(i) * T + j] = bf16(e[j] * rinv);
    }
  }
  const std::vector<float> o = round_bf16(mm(T, T, D, pb, v));
  std::vector<float> h1 = mm(T, D, D, o, wob);
  for (std::size_t i = 0; i < h1.size(); ++i) h1[i] = h1[i] + x[i];
  const LnOut ln2 = ln_rows(T, D, h1, ln2_gamma, ln2_beta, eps);
  const std::vector<float>& a2 = ln2.y;
  const std::vector<float> pre = mm(T, D, H, a2, w1b);
  std::vector<float> act(pre.size());
  for (std::size_t i = 0; i < pre.size(); ++i) act[i] = bf16(d_gelu(pre[i]));
  TransformerStep out;
  out.y = mm(T, H, D, act, w2b);
  std::vector<float> dyf(out.y.size()), dyb(out.y.size());
  for (std::size_t i = 0; i < out.y.size(); ++i) {
    out.y[i] = out.y[i] + h1[i];
    const float diff = out.y[i] - target[i];
    out.loss += 0.5 * double(diff) * double(diff) / T;
    dyf[i] = diff * (1.0f / float(T));
    dyb[i] = bf16(dyf[i]);
  }
  // ---- MLP backward
  const std::vector<float> dw2 = mm(H, T, D, transpose(T, H, act), dyb);
  const std::vector<float> da = mm(T, D, H, dyb, transpose(H, D, w2b));
  std::vector<float> dh(da.size());
  for (std::size_t i = 0; i < da.size(); ++i) dh[i] = bf16(da[i] * gelu_grad_steps(pre[i]));
  const std::vector<float> dw1 = mm(D, T, H, transpose(T, D, a2), dh);
  const std::vector<float> da2 = mm(T, H, D, dh, transpose(D, H, w1b));
  // ---- layernorm 2 backward into the residual stream
  const float minus_inv_d = -(1.0f / float(D));
  std::vector<float> dh1(da2.size()), dh1b(da2.size()), dxh(D);
  for (unsigned r = 0; r < T; ++r) {
    float s1 = 0.0f, s2 = 0.0f;
    for (unsigned c = 0; c < D; ++c) {
      const std::size_t i = std::size_t(r) * D + c;
      dxh[c] = da2[i] * ln2_gamma[c];
      s1 += dxh[c];
      s2 += dxh[c] * ln2.xhat[i];
    }
    const float m1 = s1 * minus_inv_d, m2 = s2 * minus_inv_d;
    for (unsigned c = 0; c < D; ++c) {
      const std::size_t i = std::size_t(r) * D + c;
      const float t1 = ((dxh[c] + m1) + ln2.xhat[i] * m2) * ln2.rstd[r];
      dh1[i] = dyf[i] + t1;
      dh1b[i] = bf16(dh1[i]);
    }
  }
  // ---- attention backward
  const std::vector<float> dwo = mm(D, T, D, transpose(T, D, o), dh1b);
  const std::vector<float> dob = round_bf16(mm(T, D, D, dh1b, transpose(D, D, wob)));
  const std::vector<float> dp = mm(T, D, T, dob, transpose(T, D, v));
  const std::vector<float> dv = round_bf16(mm(T, T, D, transpose(T, T, pb), dob));
  std::vector<float> dsb(dp.size());
  for (unsigned i = 0; i < T; ++i) {
    float rs = 0.0f;
    for (unsigned j = 0; j < T; ++j) rs += dp[std::size_t(i) * T + j] * pf[std::size_t(i) * T + j];
    const float nrs = rs * -1.0f;
    for (unsigned j = 0; j < T; ++j) {
      const std::size_t e = std::size_t(i) * T + j;
      dsb[e] = bf16(((dp[e] + nrs) * pf[e]) * scale);
    }
  }
  const std::vector<float> dq = round_bf16(mm(T, T, D, dsb, k));
  const std::vector<float> dk = round_bf16(mm(T, T, D, transpose(T, T, dsb), q));
  const std::vector<float> a1t = transpose(T, D, a1);
  const std::vector<float> dwq = mm(D, T, D, a1t, dq), dwk = mm(D, T, D, a1t, dk), dwv = mm(D, T, D, a1t, dv);
  // ---- SGD: W + dW * (-lr)
  auto sgd = [&](const std::vector<float>& wv, const std::vector<float>& g) {
    std::vector<float> r = wv;
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = r[i] + g[i] * -lr;
    return r;
  };
  out.w.wq = sgd(w.wq, dwq);
  out.w.wk = sgd(w.wk, dwk);
  out.w.wv = sgd(w.wv, dwv);
  out.w.wo = sgd(w.wo, dwo);
  out.w.w1 = sgd(w.w1, dw1);
  out.w.w2 = sgd(w.w2, dw2);
  return out;
}

}  // namespace trnsim::kernels::ref
