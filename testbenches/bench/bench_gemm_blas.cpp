// bench_gemm_blas: functional GEMM throughput of the fast (`tlm`) tensor
// engine against the host's own optimized single-thread SGEMM (OpenBLAS).
//
// For each shape MxKxN (default 512x512x512, 1024x1024x1024, 128x4096x512) on
// one seeded pair of BF16 operands A[M][K], B[K][N]:
//   openblas   cblas_sgemm, row-major, on A and B widened to FP32, one thread
//              (openblas_set_num_threads(1))
//   chip tlm   the chip model (preset trn3 by default, one core) running
//              kernels::gemm functionally on core 0 through Chip::run_kernel:
//              DMA HBM -> SBUF, MATMULs on the `tlm` tensor engine (TensorTlm,
//              bit-exact numerics by gemm_fast), PSUM evacuation, DMA back.
//              Host time is the sc_start() call (Chip::summary().host_seconds);
//              "wall" also counts placing the streams and descriptors in HBM.
//   gemm_fast  numerics::gemm_fast on the same operands (tile_rows = the array's
//              rows), the golden SIMD kernel the tensor model computes with
// Every chip run's C (FP32 in HBM) is compared bit for bit with
// numerics::gemm_ref (tile_rows = rows of the array) and so is gemm_fast's;
// a mismatch fails the bench. OpenBLAS is not bit-exact (other summation
// order, FMA): its largest relative difference to gemm_ref is printed.
// GFLOP/s = 2 M K N / host s; ratio = chip tlm GFLOP/s / OpenBLAS GFLOP/s.
// Used by scripts/bench --only blas (docs/performance.md, section 10).
#include <cblas.h>

#include <systemc>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "chip/chip.h"
#include "common/config.h"
#include "kernels/kernels.h"
#include "numerics/numerics.h"

#include "bench_util.h"

namespace bench = trnsim::bench;

namespace {

namespace nm = trnsim::numerics;
namespace chip = trnsim::chip;
namespace kern = trnsim::kernels;
using Clock = std::chrono::steady_clock;

struct Shape {
  unsigned m, k, n;
};

using bench::Stat;
using bench::stat;

double secs_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

[[noreturn]] void usage_error(const std::string& msg) { bench::usage_error("bench_gemm_blas", msg); }

unsigned parse_uint(const std::string& opt, const std::string& s) {
  return bench::parse_uint("bench_gemm_blas", opt, s, false, 1ul << 20);
}

std::vector<Shape> parse_shapes(const std::string& s) {
  std::vector<Shape> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    Shape sh{};
    char x1 = 0, x2 = 0, extra = 0;
    if (std::sscanf(item.c_str(), "%u%c%u%c%u%c", &sh.m, &x1, &sh.k, &x2, &sh.n, &extra) != 5 || x1 != 'x' ||
        x2 != 'x' || !sh.m || !sh.k || !sh.n)
      usage_error("--shapes: '" + item + "' is not MxKxN (e.g. 512x512x512)");
    out.push_back(sh);
  }
  if (out.empty()) usage_error("--shapes: no shape given");
  return out;
}

// Seeded BF16 values of moderate magnitude (exponents 2^-9..2^8), as bench_numerics.
std::vector<uint16_t> gen_bf16(std::mt19937_64& rng, std::size_t count) {
  std::vector<uint16_t> v(count);
  for (auto& x : v)
    x = static_cast<uint16_t>(((rng() & 1) << 15) | ((118 + rng() % 18) << 7) | (rng() & 0x7F));
  return v;
}

std::vector<float> widen(const std::vector<uint16_t>& v) {
  std::vector<float> f(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const uint32_t bits = uint32_t{v[i]} << 16;
    std::memcpy(&f[i], &bits, 4);
  }
  return f;
}

// Runs fn `runs` times; each timed run repeats it to last at least min_s
// (calibrated on one untimed call). Returns seconds per call.
template <class F>
std::vector<double> time_runs(std::size_t runs, double min_s, F&& fn) {
  auto t0 = Clock::now();
  fn();
  const double once = secs_since(t0);
  const std::size_t inner = once >= min_s ? 1 : std::size_t(min_s / std::max(once, 1e-6)) + 1;
  std::vector<double> t;
  for (std::size_t r = 0; r < runs; ++r) {
    t0 = Clock::now();
    for (std::size_t j = 0; j < inner; ++j) fn();
    t.push_back(secs_since(t0) / double(inner));
  }
  return t;
}

struct Result {
  Shape s;
  double flops;
  Stat blas, tlm, tlm_wall, fast, ref;
  double blas_max_rel = 0;
  uint64_t instructions = 0, matmuls = 0;
  double sim_us = 0;
  std::string kernel_fast;
};

}  // namespace

int sc_main(int argc, char** argv) {
  std::string preset = "trn3", shapes_arg = "512x512x512,1024x1024x1024,128x4096x512";
  unsigned reps = 3, blas_reps = 5, seed = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--preset") preset = value();
    else if (a == "--shapes") shapes_arg = value();
    else if (a == "--reps") reps = parse_uint(a, value());
    else if (a == "--blas-reps") blas_reps = parse_uint(a, value());
    else if (a == "--seed") seed = parse_uint(a, value());
    else if (a == "--json") json = true;
    else {
      std::printf(
          "usage: bench_gemm_blas [--preset trn3|trn2|tiny|FILE.json] [--shapes MxKxN,...] [--reps R]\n"
          "                       [--blas-reps R] [--seed S] [--json]\n"
          "defaults: trn3, 512x512x512,1024x1024x1024,128x4096x512, 3 chip runs, 5 OpenBLAS and\n"
          "gemm_fast runs (each at least 0.2 s), seed 1. BF16 A and B, FP32 C.\n");
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  const std::vector<Shape> shapes = parse_shapes(shapes_arg);
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);

  try {
    openblas_set_num_threads(1);
    // One chip, one core: the world is elaborated once and run_kernel called
    // between sc_start()s, one kernel after the other.
    trnsim::config::ChipConfig cfg = trnsim::config::load_config(preset, {"cores=1"});
    chip::ChipOptions opt;
    opt.functional = true;
    chip::Chip ch("chip0", cfg, opt);
    const unsigned rows = cfg.core.tensor.rows;

    std::printf("bench_gemm_blas: preset %s (%ux%u tensor array), OpenBLAS %s, %d thread(s), core %s\n",
                preset.c_str(), rows, cfg.core.tensor.cols, openblas_get_config(), openblas_get_num_threads(),
                openblas_get_corename());
    std::vector<Result> results;
    std::mt19937_64 rng(seed);
    for (const Shape& s : shapes) {
      Result r;
      r.s = s;
      r.flops = 2.0 * s.m * s.k * s.n;
      const std::vector<uint16_t> a = gen_bf16(rng, std::size_t(s.m) * s.k), b = gen_bf16(rng, std::size_t(s.k) * s.n);
      const std::size_t nc = std::size_t(s.m) * s.n;

      // The golden result: gemm_ref, summing K in tiles of the array's rows.
      nm::GemmShape gs;
      gs.m = s.m;
      gs.k = s.k;
      gs.n = s.n;
      gs.tile_rows = rows;
      std::vector<uint32_t> ref(nc, 0), c(nc, 0);
      auto t0 = Clock::now();
      nm::gemm_ref(gs, nm::Dtype::kBf16, a.data(), nm::Dtype::kBf16, b.data(), ref.data(), false);
      r.ref = stat({secs_since(t0)});

      // (c) gemm_fast.
      nm::gemm_fast(gs, nm::Dtype::kBf16, a.data(), nm::Dtype::kBf16, b.data(), c.data(), false);
      if (c != ref) {
        std::fprintf(stderr, "bench_gemm_blas: FAIL: gemm_fast differs from gemm_ref at %ux%ux%u\n", s.m, s.k, s.n);
        return 1;
      }
      r.kernel_fast = nm::gemm_kernel_name(nm::gemm_kernel_auto());
      r.fast = stat(time_runs(blas_reps, 0.2, [&] {
        nm::gemm_fast(gs, nm::Dtype::kBf16, a.data(), nm::Dtype::kBf16, b.data(), c.data(), false);
      }));

      // (a) OpenBLAS SGEMM, one thread, on the operands widened to FP32.
      const std::vector<float> af = widen(a), bf = widen(b);
      std::vector<float> cf(nc, 0.0f);
      r.blas = stat(time_runs(blas_reps, 0.2, [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(s.m), int(s.n), int(s.k), 1.0f, af.data(),
                    int(s.k), bf.data(), int(s.n), 0.0f, cf.data(), int(s.n));
      }));
      for (std::size_t i = 0; i < nc; ++i) {
        float want;
        std::memcpy(&want, &ref[i], 4);
        const double d = std::fabs(double(cf[i]) - want) / std::max(std::fabs(double(want)), 1e-30);
        r.blas_max_rel = std::max(r.blas_max_rel, d);
      }

      // (b) The chip: kernels::gemm on core 0, inputs in HBM.
      kern::GemmParams p;
      p.m = s.m;
      p.k = s.k;
      p.n = s.n;
      p.a_dtype = p.b_dtype = trnsim::isa::Dtype::BF16;
      p.c_dtype = trnsim::isa::Dtype::FP32;
      p.a = ch.hbm_alloc(a.size() * 2, 64);
      p.b = ch.hbm_alloc(b.size() * 2, 64);
      p.c = ch.hbm_alloc(nc * 4, 64);
      ch.hbm_write(p.a, a.data(), a.size() * 2);
      ch.hbm_write(p.b, b.data(), b.size() * 2);
      const kern::Kernel k = kern::gemm(p, ch.target(0));
      if (k.desc_bytes() && ch.hbm_alloc(k.desc_bytes(), 64) != k.desc_base)
        throw std::runtime_error("descriptors not at desc_base");
      for (const auto& in : k.program[trnsim::isa::Engine::TENSOR])
        if (in.op == trnsim::isa::Opcode::MATMUL) ++r.matmuls;
      std::vector<double> sim_s, wall_s;
      std::vector<uint32_t> got(nc);
      const std::vector<uint32_t> poison(nc, 0x7FC0DEADu);
      for (unsigned rep = 0; rep < reps; ++rep) {
        ch.hbm_write(p.c, poison.data(), nc * 4);
        t0 = Clock::now();
        const chip::KernelResult kr = ch.run_kernel(0, k);
        wall_s.push_back(secs_since(t0));
        if (!kr.ok) {
          std::fprintf(stderr, "bench_gemm_blas: FAIL: the chip's gemm %ux%ux%u: %s\n", s.m, s.k, s.n,
                       kr.error.c_str());
          return 1;
        }
        sim_s.push_back(ch.summary().host_seconds);
        r.instructions = kr.instructions;
        r.sim_us = kr.elapsed().to_seconds() * 1e6;
        ch.hbm_read(p.c, got.data(), nc * 4);
        if (got != ref) {
          std::size_t bad = 0, first = 0;
          for (std::size_t i = 0; i < nc; ++i)
            if (got[i] != ref[i] && bad++ == 0) first = i;
          std::fprintf(stderr,
                       "bench_gemm_blas: FAIL: chip gemm %ux%ux%u run %u: %zu of %zu elements differ from "
                       "gemm_ref; first C[%zu][%zu] got 0x%08x want 0x%08x\n",
                       s.m, s.k, s.n, rep, bad, nc, first / s.n, first % s.n, got[first], ref[first]);
          return 1;
        }
      }
      r.tlm = stat(sim_s);
      r.tlm_wall = stat(wall_s);
      results.push_back(r);
      std::printf("  %ux%ux%u: openblas %.2f GFLOP/s, chip tlm %.3f GFLOP/s (ratio %.4f), gemm_fast %.2f GFLOP/s; "
                  "chip C bit-exact with gemm_ref in %u runs\n",
                  s.m, s.k, s.n, r.flops / r.blas.med / 1e9, r.flops / r.tlm.med / 1e9, r.blas.med / r.tlm.med,
                  r.flops / r.fast.med / 1e9, reps);
      std::fflush(stdout);
    }

    std::printf("\n  %-16s %-22s %-22s %-22s %9s %9s %9s %8s %8s\n", "MxKxN", "openblas s (min..max)",
                "chip tlm s (min..max)", "gemm_fast s (min..max)", "blas GF/s", "tlm GF/s", "fast GF/s",
                "tlm/blas", "fast/blas");
    for (const Result& r : results) {
      char sh[40];
      std::snprintf(sh, sizeof sh, "%ux%ux%u", r.s.m, r.s.k, r.s.n);
      std::printf("  %-16s %.4f (%.4f..%.4f) %.4f (%.4f..%.4f) %.4f (%.4f..%.4f) %9.2f %9.3f %9.2f %8.4f %8.3f\n", sh,
                  r.blas.med, r.blas.lo, r.blas.hi, r.tlm.med, r.tlm.lo, r.tlm.hi, r.fast.med, r.fast.lo, r.fast.hi,
                  r.flops / r.blas.med / 1e9, r.flops / r.tlm.med / 1e9, r.flops / r.fast.med / 1e9,
                  r.blas.med / r.tlm.med, r.blas.med / r.fast.med);
    }
    if (json) {
      auto js = [](const Stat& s) {
        char b[160];
        std::snprintf(b, sizeof b, "{\"median\": %.7f, \"min\": %.7f, \"max\": %.7f, \"runs\": %zu}", s.med, s.lo,
                      s.hi, s.runs);
        return std::string(b);
      };
      std::printf("{\"preset\": \"%s\", \"array\": \"%ux%u\", \"openblas\": \"%s\", \"openblas_core\": \"%s\", "
                  "\"openblas_threads\": %d, \"shapes\": [",
                  preset.c_str(), rows, cfg.core.tensor.cols, openblas_get_config(), openblas_get_corename(),
                  openblas_get_num_threads());
      for (std::size_t i = 0; i < results.size(); ++i) {
        const Result& r = results[i];
        std::printf("%s{\"m\": %u, \"k\": %u, \"n\": %u, \"flops\": %.0f, \"openblas_s\": %s, \"tlm_s\": %s, "
                    "\"tlm_wall_s\": %s, \"gemm_fast_s\": %s, \"gemm_ref_s\": %.4f, \"gemm_fast_kernel\": \"%s\", "
                    "\"openblas_gflops\": %.4f, \"tlm_gflops\": %.4f, \"gemm_fast_gflops\": %.4f, "
                    "\"ratio_tlm_openblas\": %.5f, \"ratio_fast_openblas\": %.5f, \"openblas_max_rel_diff\": %.3g, "
                    "\"bit_exact\": true, \"instructions\": %llu, \"matmuls\": %llu, \"simulated_us\": %.3f}",
                    i ? ", " : "", r.s.m, r.s.k, r.s.n, r.flops, js(r.blas).c_str(), js(r.tlm).c_str(),
                    js(r.tlm_wall).c_str(), js(r.fast).c_str(), r.ref.med, r.kernel_fast.c_str(),
                    r.flops / r.blas.med / 1e9, r.flops / r.tlm.med / 1e9, r.flops / r.fast.med / 1e9,
                    r.blas.med / r.tlm.med, r.blas.med / r.fast.med, r.blas_max_rel,
                    static_cast<unsigned long long>(r.instructions), static_cast<unsigned long long>(r.matmuls),
                    r.sim_us);
      }
      std::printf("]}\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gemm_blas: error: %s\n", e.what());
    return 1;
  }
}
