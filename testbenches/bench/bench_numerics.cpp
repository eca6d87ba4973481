// bench_numerics: host speed of the golden-model GEMM (systemc/numerics).
//
// Times gemm_ref (bit-level reference) and gemm_fast with every kernel this
// host runs (auto, sse2, avx2) on one seeded GEMM (default 256x256x256 BF16,
// tile_rows 128), --reps runs each, and prints the median and the spread of
// the host time per GEMM and GFLOP/s (2*M*K*N / s). Every kernel's result is compared
// with gemm_ref bit for bit first (outside the timed region); a mismatch fails
// the bench. Used by scripts/bench (see docs/performance.md). Not a test.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "numerics/numerics.h"

#include "bench_util.h"

namespace bench = trnsim::bench;

namespace {

namespace nm = trnsim::numerics;

using bench::median;

uint64_t parse_u64(const char* opt, const char* s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (!*s || *end || s[0] == '-' || v == 0) {
    std::fprintf(stderr, "bench_numerics: %s: '%s' is not a positive integer\n", opt, s);
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t m = 256, k = 256, n = 256, reps = 5, ref_reps = 3, seed = 1;
  std::string dtype = "bf16";
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_numerics: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--m") m = parse_u64("--m", value());
    else if (a == "--k") k = parse_u64("--k", value());
    else if (a == "--n") n = parse_u64("--n", value());
    else if (a == "--reps") reps = parse_u64("--reps", value());
    else if (a == "--ref-reps") ref_reps = parse_u64("--ref-reps", value());
    else if (a == "--seed") seed = parse_u64("--seed", value());
    else if (a == "--dtype") dtype = value();
    else if (a == "--json") json = true;
    else {
      std::printf(
          "usage: bench_numerics [--m M --k K --n N] [--dtype bf16|fp8e4m3|fp8e5m2]\n"
          "                      [--reps R] [--ref-reps R] [--seed S] [--json]\n"
          "defaults: 256 256 256 bf16, 5 runs of each fast kernel, 3 of gemm_ref, seed 1\n");
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }

  try {
    const nm::Dtype dt = nm::parse_dtype(dtype);
    std::mt19937_64 rng(seed);
    auto gen = [&](std::size_t count) {
      std::vector<uint16_t> v(count);
      for (auto& x : v) {
        do {
          x = dt == nm::Dtype::kBf16
                  ? static_cast<uint16_t>(((rng() & 1) << 15) | ((118 + rng() % 18) << 7) |
                                          (rng() & 0x7F))
                  : static_cast<uint16_t>(rng() & 0xFF);
        } while ((nm::widen_to_fp32(dt, x) & 0x7F800000u) == 0x7F800000u);
      }
      return v;
    };
    const std::vector<uint16_t> a = gen(m * k), b = gen(k * n);
    nm::GemmShape s;
    s.m = m;
    s.k = k;
    s.n = n;
    s.tile_rows = 128;
    const double flops = 2.0 * m * k * n;

    struct Row {
      std::string name;
      uint64_t runs, inner;
      double med, lo, hi;
    };
    std::vector<Row> rows;
    std::vector<uint32_t> ref(m * n), c(m * n);

    // Each timed run repeats the GEMM enough times to last about 50 ms
    // (calibrated on one untimed call), so millisecond kernels are not timed
    // at the clock's resolution; the figure is seconds per GEMM.
    auto time_it = [&](const std::string& name, uint64_t runs, auto&& fn) {
      auto t0 = std::chrono::steady_clock::now();
      fn();
      const double once =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const uint64_t inner = once >= 0.05 ? 1 : static_cast<uint64_t>(0.05 / std::max(once, 1e-6)) + 1;
      std::vector<double> t;
      for (uint64_t r = 0; r < runs; ++r) {
        t0 = std::chrono::steady_clock::now();
        for (uint64_t j = 0; j < inner; ++j) fn();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                    static_cast<double>(inner));
      }
      rows.push_back({name, runs, inner, median(t), *std::min_element(t.begin(), t.end()),
                      *std::max_element(t.begin(), t.end())});
    };

    time_it("gemm_ref", ref_reps, [&] { nm::gemm_ref(s, dt, a.data(), dt, b.data(), ref.data(), false); });
    for (nm::GemmKernel kern : {nm::GemmKernel::kAuto, nm::GemmKernel::kSse2, nm::GemmKernel::kAvx2, nm::GemmKernel::kAvx512}) {
      if (!nm::gemm_kernel_supported(kern)) continue;
      std::fill(c.begin(), c.end(), 0u);
      nm::gemm_fast_with(kern, s, dt, a.data(), dt, b.data(), c.data(), false);
      if (c != ref) {
        std::fprintf(stderr, "bench_numerics: FAIL: gemm_fast (%s) differs from gemm_ref\n",
                     nm::gemm_kernel_name(kern));
        return 1;
      }
      std::string name = std::string("gemm_fast ") + nm::gemm_kernel_name(kern);
      if (kern == nm::GemmKernel::kAuto)
        name += std::string(" (=") + nm::gemm_kernel_name(nm::gemm_kernel_auto()) + ")";
      time_it(name, reps, [&] {
        nm::gemm_fast_with(kern, s, dt, a.data(), dt, b.data(), c.data(), false);
      });
    }

    std::printf("bench_numerics: %llux%llux%llu %s, tile_rows 128, results bit-identical\n",
                static_cast<unsigned long long>(m), static_cast<unsigned long long>(k),
                static_cast<unsigned long long>(n), dtype.c_str());
    std::printf("  %-24s %9s %11s %11s %11s %10s %9s\n", "kernel", "runs x n", "median s",
                "min s", "max s", "GFLOP/s", "vs ref");
    for (const Row& r : rows)
      std::printf("  %-24s %4llu x %-3llu %11.6f %11.6f %11.6f %10.3f %8.1fx\n", r.name.c_str(),
                  static_cast<unsigned long long>(r.runs), static_cast<unsigned long long>(r.inner),
                  r.med, r.lo, r.hi, flops / r.med / 1e9, rows[0].med / r.med);
    if (json) {
      std::printf("{\"m\": %llu, \"k\": %llu, \"n\": %llu, \"dtype\": \"%s\", \"kernels\": [",
                  static_cast<unsigned long long>(m), static_cast<unsigned long long>(k),
                  static_cast<unsigned long long>(n), dtype.c_str());
      for (std::size_t i = 0; i < rows.size(); ++i)
        std::printf("%s{\"name\": \"%s\", \"runs\": %llu, \"gemms_per_run\": %llu, "
                    "\"secs_median\": %.7f, \"secs_min\": %.7f, \"secs_max\": %.7f, "
                    "\"gflops\": %.4f}",
                    i ? ", " : "", rows[i].name.c_str(),
                    static_cast<unsigned long long>(rows[i].runs),
                    static_cast<unsigned long long>(rows[i].inner), rows[i].med, rows[i].lo,
                    rows[i].hi, flops / rows[i].med / 1e9);
      std::printf("]}\n");
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_numerics: error: %s\n", e.what());
    return 1;
  }
}
