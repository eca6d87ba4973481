#include "chip/kernel_run.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <stdexcept>

#include "kernels/reference.h"

namespace trnsim::chip {

using isa::Dtype;
namespace ref = kernels::ref;

std::vector<std::string> workload_names() {
  return {"gemm", "softmax", "layernorm", "attention", "mlp_forward", "mlp_backward", "mlp_train",
          "transformer_train"};
}

namespace {

std::vector<uint32_t> random_raw(std::mt19937& rng, Dtype dt, std::size_t n, float range) {
  std::uniform_real_distribution<float> u(-range, range);
  std::vector<uint32_t> v(n);
  for (auto& e : v) e = ref::raw(dt, u(rng));
  return v;
}

std::vector<float> values(Dtype dt, const std::vector<uint32_t>& raw) {
  std::vector<float> v(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) v[i] = ref::value(dt, raw[i]);
  return v;
}

void write_elems(Chip& chip, uint64_t addr, Dtype dt, const std::vector<uint32_t>& raw) {
  const unsigned w = isa::dtype_bytes(dt);
  std::vector<uint8_t> b(raw.size() * w);
  for (std::size_t i = 0; i < raw.size(); ++i) std::memcpy(&b[i * w], &raw[i], w);  // little endian
  if (!b.empty()) chip.hbm_write(addr, b.data(), b.size());
}

std::vector<uint32_t> read_elems(Chip& chip, uint64_t addr, Dtype dt, std::size_t n) {
  const unsigned w = isa::dtype_bytes(dt);
  std::vector<uint8_t> b(n * w);
  if (!b.empty()) chip.hbm_read(addr, b.data(), b.size());
  std::vector<uint32_t> r(n, 0);
  for (std::size_t i = 0; i < n; ++i) std::memcpy(&r[i], &b[i * w], w);
  return r;
}

std::vector<float> read_f(Chip& chip, uint64_t addr, Dtype dt, std::size_t n) {
  return values(dt, read_elems(chip, addr, dt, n));
}

// Worst |got - want| / (abs + rel |want|) into `c`; <= 1 passes.
void close(CheckResult& c, const char* what, const std::vector<float>& got, const std::vector<float>& want,
           double abs_tol, double rel_tol) {
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < got.size() && i < want.size(); ++i) {
    const double r = std::fabs(double(got[i]) - want[i]) / (abs_tol + rel_tol * std::fabs(want[i]));
    if (!(r <= worst)) {
      worst = std::isnan(r) ? 1e30 : r;
      at = i;
    }
  }
  char b[256];
  std::snprintf(b, sizeof b, "%s: worst error %.3g x tolerance (abs %g rel %g) at element %zu: got %.9g want %.9g\n",
                what, worst, abs_tol, rel_tol, at, got.empty() ? 0.0 : double(got[at]),
                want.empty() ? 0.0 : double(want[at]));
  c.message += b;
  c.checked = true;
  c.worst = std::max(c.worst, worst);
  c.passed = c.worst <= 1.0 && got.size() == want.size();
}

std::size_t sz(unsigned a, unsigned b) { return std::size_t(a) * b; }

}  // namespace

Workload prepare_workload(Chip& chip, unsigned core, const WorkloadSpec& s) {
  Workload w;
  w.spec = s;
  w.core = core;
  std::mt19937 rng(s.seed);
  const bool init = s.check;
  auto alloc = [&](Dtype dt, std::size_t n) {
    const uint64_t bytes = std::max<uint64_t>(uint64_t(n) * isa::dtype_bytes(dt), 1);
    w.io_bytes += bytes;
    return chip.hbm_alloc(bytes, 64);
  };
  auto input = [&](uint64_t addr, Dtype dt, std::size_t n, float range) {
    std::vector<uint32_t> v;
    if (!init) return v;
    v = random_raw(rng, dt, n, range);
    write_elems(chip, addr, dt, v);
    return v;
  };
  const unsigned pe_rows = chip.config().core.tensor.rows;

  if (s.kernel == "gemm") {
    kernels::GemmParams p;
    p.m = s.m; p.k = s.k; p.n = s.n;
    p.a_dtype = s.a_dtype; p.b_dtype = s.b_dtype; p.c_dtype = s.c_dtype;
    p.buffers = s.buffers;
    p.m_tile = s.m_tile; p.n_tile = s.n_tile; p.k_tile = s.k_tile;
    p.a = alloc(s.a_dtype, sz(s.m, s.k));
    p.b = alloc(s.b_dtype, sz(s.k, s.n));
    p.c = alloc(s.c_dtype, sz(s.m, s.n));
    const auto a = input(p.a, s.a_dtype, sz(s.m, s.k), 2.0f), b = input(p.b, s.b_dtype, sz(s.k, s.n), 2.0f);
    w.kernel = kernels::gemm(p, chip.target(core));
    if (init)
      w.check = [=](Chip& ch) {
        CheckResult c;
        const auto want = ref::gemm(p.m, p.k, p.n, p.a_dtype, a, p.b_dtype, b, p.c_dtype, pe_rows);
        const auto got = read_elems(ch, p.c, p.c_dtype, want.size());
        std::size_t bad = 0, first = 0;
        for (std::size_t i = 0; i < want.size(); ++i)
          if (got[i] != want[i] && bad++ == 0) first = i;
        c.checked = true;
        c.passed = bad == 0;
        c.worst = double(bad);
        char m[200];
        if (bad)
          std::snprintf(m, sizeof m, "gemm: %zu of %zu elements differ from gemm_ref; first at C[%zu][%zu]: got 0x%08x want 0x%08x\n",
                        bad, want.size(), first / p.n, first % p.n, got[first], want[first]);
        else
          std::snprintf(m, sizeof m, "gemm: all %zu elements equal numerics::gemm_ref bit for bit\n", want.size());
        c.message = m;
        return c;
      };
  } else if (s.kernel == "softmax" || s.kernel == "layernorm") {
    const bool sm = s.kernel == "softmax";
    const uint64_t x = alloc(s.a_dtype, sz(s.m, s.n)), y = alloc(s.c_dtype, sz(s.m, s.n));
    const auto xv = input(x, s.a_dtype, sz(s.m, s.n), sm ? 8.0f : 3.0f);
    const double rel = s.c_dtype == Dtype::BF16 ? 8e-3 : (sm ? 4e-6 : 2e-5), abs_tol = sm ? 1e-7 : 2e-6;
    if (sm) {
      kernels::SoftmaxParams p;
      p.rows = s.m; p.cols = s.n; p.x_dtype = s.a_dtype; p.y_dtype = s.c_dtype; p.x = x; p.y = y; p.buffers = s.buffers;
      w.kernel = kernels::softmax(p, chip.target(core));
      if (init)
        w.check = [=](Chip& ch) {
          CheckResult c;
          close(c, "softmax", read_f(ch, y, p.y_dtype, xv.size()), ref::softmax(p.rows, p.cols, values(p.x_dtype, xv)),
                abs_tol, rel);
          return c;
        };
    } else {
      const uint64_t g = alloc(Dtype::FP32, s.n), be = alloc(Dtype::FP32, s.n);
      const auto gv = input(g, Dtype::FP32, s.n, 2.0f), bv = input(be, Dtype::FP32, s.n, 1.0f);
      kernels::LayerNormParams p;
      p.rows = s.m; p.cols = s.n; p.x_dtype = s.a_dtype; p.y_dtype = s.c_dtype;
      p.x = x; p.gamma = g; p.beta = be; p.y = y; p.buffers = s.buffers;
      w.kernel = kernels::layernorm(p, chip.target(core));
      if (init)
        w.check = [=](Chip& ch) {
          CheckResult c;
          close(c, "layernorm", read_f(ch, y, p.y_dtype, xv.size()),
                ref::layernorm(p.rows, p.cols, values(p.x_dtype, xv), values(Dtype::FP32, gv), values(Dtype::FP32, bv),
                               p.eps),
                abs_tol, rel);
          return c;
        };
    }
  } else if (s.kernel == "attention") {
    kernels::AttentionParams p;
    p.s = s.m; p.d = s.n; p.o_dtype = s.c_dtype;
    const std::size_t n = sz(s.m, s.n);
    p.q = alloc(Dtype::BF16, n); p.k = alloc(Dtype::BF16, n); p.v = alloc(Dtype::BF16, n); p.o = alloc(s.c_dtype, n);
    const auto q = input(p.q, Dtype::BF16, n, 2.0f), k = input(p.k, Dtype::BF16, n, 2.0f),
               v = input(p.v, Dtype::BF16, n, 1.0f);
    w.kernel = kernels::attention(p, chip.target(core));
    if (init)
      w.check = [=](Chip& ch) {
        CheckResult c;
        close(c, "attention", read_f(ch, p.o, p.o_dtype, n),
              ref::attention(p.s, p.d, values(Dtype::BF16, q), values(Dtype::BF16, k), values(Dtype::BF16, v)), 2e-3,
              p.o_dtype == Dtype::BF16 ? 8e-3 : 1e-4);
        return c;
      };
  } else if (s.kernel == "mlp_forward" || s.kernel == "mlp_backward") {
    const unsigned T = s.m, D = s.k, H = s.n;
    kernels::MlpParams p;
    p.t = T; p.d = D; p.h = H;
    p.x = alloc(Dtype::BF16, sz(T, D)); p.w1 = alloc(Dtype::BF16, sz(D, H)); p.w2 = alloc(Dtype::BF16, sz(H, D));
    const auto x = input(p.x, Dtype::BF16, sz(T, D), 2.0f), w1 = input(p.w1, Dtype::BF16, sz(D, H), 0.5f),
               w2 = input(p.w2, Dtype::BF16, sz(H, D), 0.5f);
    if (s.kernel == "mlp_forward") {
      p.y = alloc(Dtype::FP32, sz(T, D));
      w.kernel = kernels::mlp_forward(p, chip.target(core));
      if (init)
        w.check = [=](Chip& ch) {
          CheckResult c;
          close(c, "mlp y", read_f(ch, p.y, Dtype::FP32, sz(T, D)),
                ref::mlp_forward(T, D, H, values(Dtype::BF16, x), values(Dtype::BF16, w1), values(Dtype::BF16, w2)),
                2e-3, 1e-2);
          return c;
        };
    } else {
      kernels::MlpBackwardParams b;
      b.mlp = p;
      b.mlp.y = 0;
      b.dy = alloc(Dtype::BF16, sz(T, D));
      const auto dy = input(b.dy, Dtype::BF16, sz(T, D), 1.0f);
      b.dx = alloc(Dtype::FP32, sz(T, D)); b.dw1 = alloc(Dtype::FP32, sz(D, H)); b.dw2 = alloc(Dtype::FP32, sz(H, D));
      w.kernel = kernels::mlp_backward(b, chip.target(core));
      if (init)
        w.check = [=](Chip& ch) {
          CheckResult c;
          const ref::MlpGrads g = ref::mlp_backward(T, D, H, values(Dtype::BF16, x), values(Dtype::BF16, w1),
                                                    values(Dtype::BF16, w2), values(Dtype::BF16, dy));
          close(c, "mlp dx", read_f(ch, b.dx, Dtype::FP32, sz(T, D)), g.dx, 2e-3, 1e-2);
          close(c, "mlp dW1", read_f(ch, b.dw1, Dtype::FP32, sz(D, H)), g.dw1, 2e-3, 1e-2);
          close(c, "mlp dW2", read_f(ch, b.dw2, Dtype::FP32, sz(H, D)), g.dw2, 2e-3, 1e-2);
          return c;
        };
    }
  } else if (s.kernel == "mlp_train") {
    const unsigned T = s.m, D = s.k, H = s.n;
    kernels::MlpTrainParams p;
    p.t = T; p.d = D; p.h = H; p.lr = 0.5f;
    p.x = alloc(Dtype::BF16, sz(T, D)); p.target = alloc(Dtype::FP32, sz(T, D));
    p.w1 = alloc(Dtype::FP32, sz(D, H)); p.w2 = alloc(Dtype::FP32, sz(H, D)); p.y = alloc(Dtype::FP32, sz(T, D));
    const auto x = input(p.x, Dtype::BF16, sz(T, D), 2.0f), tg = input(p.target, Dtype::FP32, sz(T, D), 1.0f),
               w1 = input(p.w1, Dtype::FP32, sz(D, H), 0.5f), w2 = input(p.w2, Dtype::FP32, sz(H, D), 0.5f);
    w.kernel = kernels::mlp_train_step(p, chip.target(core));
    if (init)
      w.check = [=](Chip& ch) {
        CheckResult c;
        const ref::MlpStep want = ref::mlp_train_step(T, D, H, p.lr, values(Dtype::BF16, x), values(Dtype::FP32, tg),
                                                      values(Dtype::FP32, w1), values(Dtype::FP32, w2));
        close(c, "train y", read_f(ch, p.y, Dtype::FP32, sz(T, D)), want.y, 2e-3, 1e-2);
        close(c, "train W1", read_f(ch, p.w1, Dtype::FP32, sz(D, H)), want.w1, 1e-4, 1e-4);
        close(c, "train W2", read_f(ch, p.w2, Dtype::FP32, sz(H, D)), want.w2, 1e-4, 1e-4);
        return c;
      };
  } else if (s.kernel == "transformer_train") {
    // T = m, D = k, H = n; inputs as in the kernel test (lr 0.05, weights
    // uniform in +-1.5/sqrt(fan-in), gammas in [0.5, 1.5]).
    const unsigned T = s.m, D = s.k, H = s.n;
    kernels::TransformerTrainParams p;
    p.t = T; p.d = D; p.h = H; p.lr = 0.05f;
    p.x = alloc(Dtype::FP32, sz(T, D)); p.target = alloc(Dtype::FP32, sz(T, D)); p.y = alloc(Dtype::FP32, sz(T, D));
    p.ln1_gamma = alloc(Dtype::FP32, D); p.ln1_beta = alloc(Dtype::FP32, D);
    p.ln2_gamma = alloc(Dtype::FP32, D); p.ln2_beta = alloc(Dtype::FP32, D);
    p.wq = alloc(Dtype::FP32, sz(D, D)); p.wk = alloc(Dtype::FP32, sz(D, D)); p.wv = alloc(Dtype::FP32, sz(D, D));
    p.wo = alloc(Dtype::FP32, sz(D, D)); p.w1 = alloc(Dtype::FP32, sz(D, H)); p.w2 = alloc(Dtype::FP32, sz(H, D));
    // FP32 values uniform in [lo, hi], written to HBM; their float values.
    auto in_range = [&](uint64_t addr, std::size_t n, float lo, float hi) {
      std::vector<float> v;
      if (!init) return v;
      std::uniform_real_distribution<float> u(lo, hi);
      std::vector<uint32_t> raw(n);
      for (auto& e : raw) e = ref::raw(Dtype::FP32, u(rng));
      write_elems(chip, addr, Dtype::FP32, raw);
      return values(Dtype::FP32, raw);
    };
    const float rd = 1.5f / std::sqrt(float(D)), rh = 1.5f / std::sqrt(float(H));
    const auto x = in_range(p.x, sz(T, D), -2.0f, 2.0f), tg = in_range(p.target, sz(T, D), -1.0f, 1.0f);
    const auto g1 = in_range(p.ln1_gamma, D, 0.5f, 1.5f), b1 = in_range(p.ln1_beta, D, -0.5f, 0.5f);
    const auto g2 = in_range(p.ln2_gamma, D, 0.5f, 1.5f), b2 = in_range(p.ln2_beta, D, -0.5f, 0.5f);
    ref::TransformerWeights w0;
    w0.wq = in_range(p.wq, sz(D, D), -rd, rd); w0.wk = in_range(p.wk, sz(D, D), -rd, rd);
    w0.wv = in_range(p.wv, sz(D, D), -rd, rd); w0.wo = in_range(p.wo, sz(D, D), -rd, rd);
    w0.w1 = in_range(p.w1, sz(D, H), -rd, rd); w0.w2 = in_range(p.w2, sz(H, D), -rh, rh);
    w.kernel = kernels::transformer_train_step(p, chip.target(core));
    if (init)
      w.check = [=](Chip& ch) {
        CheckResult c;
        const ref::TransformerStep want =
            ref::transformer_train_step(T, D, H, p.lr, p.eps, x, tg, g1, b1, g2, b2, w0, pe_rows);
        close(c, "transformer y", read_f(ch, p.y, Dtype::FP32, sz(T, D)), want.y, 2e-3, 1e-2);
        close(c, "transformer Wq", read_f(ch, p.wq, Dtype::FP32, sz(D, D)), want.w.wq, 1e-4, 1e-4);
        close(c, "transformer Wk", read_f(ch, p.wk, Dtype::FP32, sz(D, D)), want.w.wk, 1e-4, 1e-4);
        close(c, "transformer Wv", read_f(ch, p.wv, Dtype::FP32, sz(D, D)), want.w.wv, 1e-4, 1e-4);
        close(c, "transformer Wo", read_f(ch, p.wo, Dtype::FP32, sz(D, D)), want.w.wo, 1e-4, 1e-4);
        close(c, "transformer W1", read_f(ch, p.w1, Dtype::FP32, sz(D, H)), want.w.w1, 1e-4, 1e-4);
        close(c, "transformer W2", read_f(ch, p.w2, Dtype::FP32, sz(H, D)), want.w.w2, 1e-4, 1e-4);
        return c;
      };
  } else {
    std::string known;
    for (const auto& n : workload_names()) known += (known.empty() ? "" : ", ") + n;
    throw std::invalid_argument("unknown kernel '" + s.kernel + "' (known: " + known + ")");
  }
  // Reserve the descriptors' space (Chip::target put them at the next free HBM).
  if (w.kernel.desc_bytes()) {
    const uint64_t d = chip.hbm_alloc(w.kernel.desc_bytes(), 64);
    if (d != w.kernel.desc_base)
      throw ChipError("kernel '" + w.kernel.name + "': descriptors expected at desc_base, HBM allocation moved");
  }
  return w;
}

std::vector<WorkloadReport> run_workloads(Chip& chip, const std::vector<unsigned>& cores, const WorkloadSpec& spec) {
  std::vector<Workload> ws;
  for (unsigned c : cores) ws.push_back(prepare_workload(chip, c, spec));
  std::vector<KernelLaunch> l;
  for (const Workload& w : ws) l.push_back({w.core, &w.kernel});
  const std::vector<KernelResult> rs = chip.run_kernels(l);
  std::vector<WorkloadReport> out;
  for (std::size_t i = 0; i < ws.size(); ++i) {
    WorkloadReport r;
    r.run = rs[i];
    if (r.run.ok && ws[i].check) r.check = ws[i].check(chip);
    out.push_back(r);
  }
  return out;
}

WorkloadReport run_workload(Chip& chip, unsigned core, const WorkloadSpec& spec) {
  return run_workloads(chip, {core}, spec).at(0);
}

std::string WorkloadReport::text() const {
  std::ostringstream o;
  o << run.name << " on core " << run.core << ": ";
  if (!run.ok) {
    o << "FAILED: " << run.error << "\n";
    return o.str();
  }
  o << run.elapsed().to_seconds() * 1e9 << " ns simulated, " << run.instructions << " instructions, " << run.flops
    << " FLOP\n";
  if (check.checked)
    o << (check.passed ? "  check passed\n" : "  CHECK FAILED\n") << check.message;
  else
    o << "  (results not checked)\n";
  return o.str();
}

}  // namespace trnsim::chip
