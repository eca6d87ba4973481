// Softmax, layernorm, attention, MLP forward/backward and the MLP training
// step on the functional interpreter against the plain C++ references, with
// the tolerances of docs/kernels.md.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "kernel_test_util.h"

using namespace trnsim;
using namespace trnsim::kernels;
using namespace trnsim::kernels::test;

namespace {

// Compare and report the worst element in units of the tolerance.
void check_close(const char* what, const std::vector<float>& got, const std::vector<float>& want,
                 double abs_tol, double rel_tol) {
  REQUIRE(got.size() == want.size());
  std::size_t at = 0;
  const double r = tol_ratio(got, want, abs_tol, rel_tol, &at);
  INFO(what << ": worst element " << at << " got " << got[at] << " want " << want[at] << " ("
            << r << " x tolerance abs " << abs_tol << " rel " << rel_tol << ")");
  std::printf("%s: worst error %.3g x tolerance\n", what, r);
  CHECK(r <= 1.0);
}

std::vector<float> read_f32(HostMemory& hbm, uint64_t addr, std::size_t n, Dtype dt = Dtype::FP32) {
  return values(dt, hbm.read_elems(addr, dt, n));
}

// Run with every DMA mode: immediate, delayed with data at completion, data at issue.
const RunOptions kModes[] = {{0, false, 50'000'000}, {9, false, 50'000'000}, {9, true, 50'000'000}};

}  // namespace

TEST_CASE("softmax matches the reference in FP32 and BF16 with partial row tiles and all DMA modes") {
  struct C { unsigned rows, cols; Dtype x, y; unsigned buffers; double abs_tol, rel_tol; };
  const C cases[] = {
      {20, 24, Dtype::FP32, Dtype::FP32, 2, 1e-7, 4e-6},
      {70, 16, Dtype::BF16, Dtype::FP32, 2, 1e-7, 4e-6},   // 3 row tiles of 32, 32, 6
      {40, 33, Dtype::FP32, Dtype::BF16, 1, 1e-7, 8e-3},   // BF16 out: one BF16 ulp
  };
  uint32_t seed = 5000;
  for (const C& c : cases)
    for (const RunOptions& opt : kModes) {
      ++seed;
      CAPTURE(seed, c.rows, c.cols, isa::dtype_name(c.x), isa::dtype_name(c.y), c.buffers, opt.dma_latency,
              opt.data_at_issue);
      std::mt19937 rng(seed);
      const auto x = random_raw(rng, c.x, std::size_t(c.rows) * c.cols, 8.0f);
      SoftmaxParams p;
      p.rows = c.rows;
      p.cols = c.cols;
      p.x_dtype = c.x;
      p.y_dtype = c.y;
      p.x = 0x1000;
      p.y = 0x100000;
      p.buffers = c.buffers;
      const Kernel k = softmax(p, target());
      HostMemory hbm(kHbmBytes);
      hbm.write_elems(p.x, c.x, x);
      isa::CoreState st(small_core());
      run_kernel(k, st, hbm, 0, opt);
      check_close("softmax", read_f32(hbm, p.y, x.size(), c.y), ref::softmax(c.rows, c.cols, values(c.x, x)),
                  c.abs_tol, c.rel_tol);
    }
}

TEST_CASE("layernorm with gamma and beta matches the reference in FP32 and BF16") {
  struct C { unsigned rows, cols; Dtype x, y; unsigned buffers; double abs_tol, rel_tol; };
  const C cases[] = {
      {24, 32, Dtype::FP32, Dtype::FP32, 2, 2e-6, 2e-5},
      {50, 20, Dtype::BF16, Dtype::FP32, 2, 2e-6, 2e-5},
      {33, 48, Dtype::FP32, Dtype::BF16, 1, 2e-6, 8e-3},
  };
  uint32_t seed = 6000;
  for (const C& c : cases)
    for (const RunOptions& opt : kModes) {
      ++seed;
      CAPTURE(seed, c.rows, c.cols, isa::dtype_name(c.x), isa::dtype_name(c.y), c.buffers, opt.dma_latency,
              opt.data_at_issue);
      std::mt19937 rng(seed);
      const auto x = random_raw(rng, c.x, std::size_t(c.rows) * c.cols, 3.0f);
      const auto gamma = random_raw(rng, Dtype::FP32, c.cols, 2.0f);
      const auto beta = random_raw(rng, Dtype::FP32, c.cols, 1.0f);
      LayerNormParams p;
      p.rows = c.rows;
      p.cols = c.cols;
      p.x_dtype = c.x;
      p.y_dtype = c.y;
      p.eps = 1e-5f;
      p.x = 0x1000;
      p.gamma = 0x80000;
      p.beta = 0x90000;
      p.y = 0x100000;
      p.buffers = c.buffers;
      const Kernel k = layernorm(p, target());
      HostMemory hbm(kHbmBytes);
      hbm.write_elems(p.x, c.x, x);
      hbm.write_elems(p.gamma, Dtype::FP32, gamma);
      hbm.write_elems(p.beta, Dtype::FP32, beta);
      isa::CoreState st(small_core());
      run_kernel(k, st, hbm, 0, opt);
      check_close("layernorm", read_f32(hbm, p.y, x.size(), c.y),
                  ref::layernorm(c.rows, c.cols, values(c.x, x), values(Dtype::FP32, gamma),
                                 values(Dtype::FP32, beta), p.eps),
                  c.abs_tol, c.rel_tol);
    }
}

TEST_CASE("attention forward matches the reference") {
  struct C { unsigned s, d; Dtype o; };
  const C cases[] = {{16, 8, Dtype::FP32}, {12, 16, Dtype::FP32}, {16, 16, Dtype::BF16}};
  uint32_t seed = 7000;
  for (const C& c : cases)
    for (const RunOptions& opt : kModes) {
      ++seed;
      CAPTURE(seed, c.s, c.d, isa::dtype_name(c.o), opt.dma_latency, opt.data_at_issue);
      std::mt19937 rng(seed);
      const std::size_t n = std::size_t(c.s) * c.d;
      const auto q = random_raw(rng, Dtype::BF16, n, 2.0f), k = random_raw(rng, Dtype::BF16, n, 2.0f),
                 v = random_raw(rng, Dtype::BF16, n, 1.0f);
      AttentionParams p;
      p.s = c.s;
      p.d = c.d;
      p.o_dtype = c.o;
      p.q = 0x1000;
      p.k = 0x10000;
      p.v = 0x20000;
      p.o = 0x100000;
      const Kernel kern = attention(p, target());
      HostMemory hbm(kHbmBytes);
      hbm.write_elems(p.q, Dtype::BF16, q);
      hbm.write_elems(p.k, Dtype::BF16, k);
      hbm.write_elems(p.v, Dtype::BF16, v);
      isa::CoreState st(small_core());
      run_kernel(kern, st, hbm, 0, opt);
      const double rel = c.o == Dtype::BF16 ? 8e-3 : 1e-4;
      check_close("attention", read_f32(hbm, p.o, n, c.o),
                  ref::attention(c.s, c.d, values(Dtype::BF16, q), values(Dtype::BF16, k), values(Dtype::BF16, v)),
                  2e-3, rel);
    }
}

namespace {
struct MlpData {
  unsigned t, d, h;
  std::vector<uint32_t> x, w1, w2, dy;
};
MlpData mlp_data(uint32_t seed, unsigned t, unsigned d, unsigned h) {
  std::mt19937 rng(seed);
  MlpData m{t, d, h, {}, {}, {}, {}};
  m.x = random_raw(rng, Dtype::BF16, std::size_t(t) * d, 2.0f);
  m.w1 = random_raw(rng, Dtype::BF16, std::size_t(d) * h, 0.5f);
  m.w2 = random_raw(rng, Dtype::BF16, std::size_t(h) * d, 0.5f);
  m.dy = random_raw(rng, Dtype::BF16, std::size_t(t) * d, 1.0f);
  return m;
}
MlpParams mlp_params(const MlpData& m) {
  MlpParams p;
  p.t = m.t;
  p.d = m.d;
  p.h = m.h;
  p.x = 0x1000;
  p.w1 = 0x10000;
  p.w2 = 0x20000;
  p.y = 0x100000;
  return p;
}
void load_mlp(HostMemory& hbm, const MlpParams& p, const MlpData& m) {
  hbm.write_elems(p.x, Dtype::BF16, m.x);
  hbm.write_elems(p.w1, Dtype::BF16, m.w1);
  hbm.write_elems(p.w2, Dtype::BF16, m.w2);
}
}  // namespace

TEST_CASE("mlp forward matches the reference") {
  const unsigned shapes[][3] = {{16, 8, 16}, {12, 16, 8}, {16, 16, 16}};
  uint32_t seed = 8000;
  for (const auto& s : shapes)
    for (const RunOptions& opt : kModes) {
      ++seed;
      CAPTURE(seed, s[0], s[1], s[2], opt.dma_latency, opt.data_at_issue);
      const MlpData m = mlp_data(seed, s[0], s[1], s[2]);
      const MlpParams p = mlp_params(m);
      HostMemory hbm(kHbmBytes);
      load_mlp(hbm, p, m);
      isa::CoreState st(small_core());
      run_kernel(mlp_forward(p, target()), st, hbm, 0, opt);
      check_close("mlp y", read_f32(hbm, p.y, std::size_t(m.t) * m.d),
                  ref::mlp_forward(m.t, m.d, m.h, values(Dtype::BF16, m.x), values(Dtype::BF16, m.w1),
                                   values(Dtype::BF16, m.w2)),
                  2e-3, 1e-2);
    }
}

TEST_CASE("mlp backward matches the reference for dx dW1 and dW2") {
  const unsigned shapes[][3] = {{16, 8, 16}, {12, 16, 8}};
  uint32_t seed = 9000;
  for (const auto& s : shapes)
    for (const RunOptions& opt : kModes) {
      ++seed;
      CAPTURE(seed, s[0], s[1], s[2], opt.dma_latency, opt.data_at_issue);
      const MlpData m = mlp_data(seed, s[0], s[1], s[2]);
      MlpBackwardParams p;
      p.mlp = mlp_params(m);
      p.dy = 0x30000;
      p.dx = 0x100000;
      p.dw1 = 0x110000;
      p.dw2 = 0x120000;
      HostMemory hbm(kHbmBytes);
      load_mlp(hbm, p.mlp, m);
      hbm.write_elems(p.dy, Dtype::BF16, m.dy);
      isa::CoreState st(small_core());
      run_kernel(mlp_backward(p, target()), st, hbm, 0, opt);
      const ref::MlpGrads g = ref::mlp_backward(m.t, m.d, m.h, values(Dtype::BF16, m.x),
                                                values(Dtype::BF16, m.w1), values(Dtype::BF16, m.w2),
                                                values(Dtype::BF16, m.dy));
      check_close("mlp dx", read_f32(hbm, p.dx, std::size_t(m.t) * m.d), g.dx, 2e-3, 1e-2);
      check_close("mlp dW1", read_f32(hbm, p.dw1, std::size_t(m.d) * m.h), g.dw1, 2e-3, 1e-2);
      check_close("mlp dW2", read_f32(hbm, p.dw2, std::size_t(m.h) * m.d), g.dw2, 2e-3, 1e-2);
    }
}

TEST_CASE("mlp training step updates the FP32 weights like the reference and lowers the loss") {
  const unsigned T = 16, D = 8, H = 16;
  const float lr = 0.5f;
  uint32_t seed = 10000;
  for (const RunOptions& opt : kModes) {
    ++seed;
    CAPTURE(seed, opt.dma_latency, opt.data_at_issue);
    std::mt19937 rng(seed);
    const auto x = random_raw(rng, Dtype::BF16, T * D, 2.0f);
    const auto target_v = random_raw(rng, Dtype::FP32, T * D, 1.0f);
    auto w1 = random_raw(rng, Dtype::FP32, D * H, 0.5f), w2 = random_raw(rng, Dtype::FP32, H * D, 0.5f);
    MlpTrainParams p;
    p.t = T;
    p.d = D;
    p.h = H;
    p.lr = lr;
    p.x = 0x1000;
    p.target = 0x8000;
    p.w1 = 0x10000;
    p.w2 = 0x20000;
    p.y = 0x100000;
    const Kernel k = mlp_train_step(p, target());
    HostMemory hbm(kHbmBytes);
    hbm.write_elems(p.x, Dtype::BF16, x);
    hbm.write_elems(p.target, Dtype::FP32, target_v);
    hbm.write_elems(p.w1, Dtype::FP32, w1);
    hbm.write_elems(p.w2, Dtype::FP32, w2);
    const ref::MlpStep want = ref::mlp_train_step(T, D, H, lr, values(Dtype::BF16, x), values(Dtype::FP32, target_v),
                                                  values(Dtype::FP32, w1), values(Dtype::FP32, w2));
    isa::CoreState st(small_core());
    run_kernel(k, st, hbm, 0, opt);
    check_close("train y", read_f32(hbm, p.y, T * D), want.y, 2e-3, 1e-2);
    check_close("train W1", read_f32(hbm, p.w1, D * H), want.w1, 1e-4, 1e-4);
    check_close("train W2", read_f32(hbm, p.w2, H * D), want.w2, 1e-4, 1e-4);
    // A second step (same kernel, updated weights in HBM) has a lower loss.
    auto loss = [&](const std::vector<float>& y) {
      double l = 0;
      const auto t = values(Dtype::FP32, target_v);
      for (std::size_t i = 0; i < y.size(); ++i) l += 0.5 * (y[i] - t[i]) * (y[i] - t[i]) / T;
      return l;
    };
    const double l0 = loss(read_f32(hbm, p.y, T * D));
    isa::CoreState st2(small_core());
    run_kernel(k, st2, hbm, 0, opt);
    const double l1 = loss(read_f32(hbm, p.y, T * D));
    INFO("loss before " << l0 << " after one step " << l1);
    CHECK(l1 < l0);
  }
}
