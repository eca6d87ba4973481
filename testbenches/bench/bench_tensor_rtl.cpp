// bench_tensor_rtl: simulation speed of a Verilated tensor engine.
//
// Runs one GEMM C = A x B through TensorDriver::gemm on a prebuilt
// configuration, --reps times, each on a freshly reset model, and times only
// the gemm() call (std::chrono::steady_clock). The result of the first run is
// checked bit for bit against the golden model (outside the timed region), and
// every run must take the same number of cycles, so the bench never reports a
// speed for a wrong or non-deterministic result. Prints the median and the
// spread of the host time and the derived rates:
//   simulated cycles/s  = cycles the model was clocked during gemm() / host s
//   useful MACs/s       = M*K*N / host s
//   MAC slots/s         = ROWS*COLS * clocked cycles / host s (what the array computes,
//                         padding lanes and bubbles included)
// Used by scripts/bench (see docs/performance.md). Not a test: no CTest entry.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "numerics/numerics.h"
#include "tensor/tensor_driver.h"
#include "tensor/tensor_rtl.h"

#include "bench_util.h"

namespace bench = trnsim::bench;

namespace {

namespace nm = trnsim::numerics;

const char* kUsage = R"(usage: bench_tensor_rtl [options]
  --config NAME   prebuilt configuration (default 32x32)
  --m M --k K --n N  GEMM shape (default 256 128 128)
  --dtype NAME    bf16 | fp8e4m3 | fp8e5m2, both operands (default bf16)
  --reps R        timed runs, each on a freshly reset model (default 5)
  --seed S        operand seed (default 1)
  --json          also print one JSON object (last line of output)
)";

// Finite operands of moderate range (same generator as `trnsim gemm`).
std::vector<uint16_t> gen(std::mt19937_64& rng, nm::Dtype dt, std::size_t count) {
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
}

uint64_t parse_u64(const char* opt, const char* s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (!*s || *end || s[0] == '-') {
    std::fprintf(stderr, "bench_tensor_rtl: %s: '%s' is not a non-negative integer\n", opt, s);
    std::exit(2);
  }
  return v;
}

using bench::median;

}  // namespace

int main(int argc, char** argv) {
  std::string config = "32x32", dtype = "bf16";
  uint64_t m = 256, k = 128, n = 128, reps = 5, seed = 1;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_tensor_rtl: %s needs a value\n%s", a.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") config = value();
    else if (a == "--m") m = parse_u64("--m", value());
    else if (a == "--k") k = parse_u64("--k", value());
    else if (a == "--n") n = parse_u64("--n", value());
    else if (a == "--dtype") dtype = value();
    else if (a == "--reps") reps = parse_u64("--reps", value());
    else if (a == "--seed") seed = parse_u64("--seed", value());
    else if (a == "--json") json = true;
    else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_tensor_rtl: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (m == 0 || k == 0 || n == 0 || reps == 0) {
    std::fprintf(stderr, "bench_tensor_rtl: M, K, N and --reps must be at least 1\n");
    return 2;
  }

  try {
    const nm::Dtype dt = nm::parse_dtype(dtype);
    std::mt19937_64 rng(seed);
    const std::vector<uint16_t> a = gen(rng, dt, m * k), b = gen(rng, dt, k * n);

    std::vector<double> secs;
    uint64_t cycles = 0, clocked = 0, commands = 0;
    trnsim::cosim::TensorConfig cfg;
    for (uint64_t r = 0; r < reps; ++r) {
      trnsim::cosim::TensorDriver drv(trnsim::cosim::make_tensor_rtl(config));
      cfg = drv.config();
      std::vector<uint32_t> c;
      const uint64_t c0 = drv.cycle();
      const auto t0 = std::chrono::steady_clock::now();
      const auto run = drv.gemm(m, k, n, dt, a, dt, b, c, false);
      const auto t1 = std::chrono::steady_clock::now();
      const uint64_t this_clocked = drv.cycle() - c0;
      secs.push_back(std::chrono::duration<double>(t1 - t0).count());
      if (r == 0) {
        cycles = run.cycles;
        clocked = this_clocked;
        commands = run.commands;
        // The golden check, outside the timed region.
        std::vector<uint32_t> want(m * n);
        nm::GemmShape s;
        s.m = m;
        s.k = k;
        s.n = n;
        s.tile_rows = cfg.rows;
        nm::gemm_fast(s, dt, a.data(), dt, b.data(), want.data(), false);
        std::size_t bad = 0;
        for (std::size_t i = 0; i < want.size(); ++i) bad += c[i] != want[i];
        if (bad) {
          std::fprintf(stderr,
                       "bench_tensor_rtl: FAIL: %zu of %zu results differ from the golden model; "
                       "no speed reported\n",
                       bad, want.size());
          return 1;
        }
      } else if (run.cycles != cycles || this_clocked != clocked) {
        std::fprintf(stderr, "bench_tensor_rtl: FAIL: run %llu took %llu cycles, run 0 took %llu\n",
                     static_cast<unsigned long long>(r),
                     static_cast<unsigned long long>(run.cycles),
                     static_cast<unsigned long long>(cycles));
        return 1;
      }
    }

    const double med = median(secs);
    const double lo = *std::min_element(secs.begin(), secs.end());
    const double hi = *std::max_element(secs.begin(), secs.end());
    const double macs = static_cast<double>(m) * k * n;
    const double slots = static_cast<double>(cfg.rows) * cfg.cols;
    const double cps = clocked / med, useful = macs / med, slot_rate = slots * clocked / med;
    std::printf("bench_tensor_rtl: %llux%llux%llu %s on %s, %llu commands, check PASS\n",
                static_cast<unsigned long long>(m), static_cast<unsigned long long>(k),
                static_cast<unsigned long long>(n), dtype.c_str(), cfg.name.c_str(),
                static_cast<unsigned long long>(commands));
    std::printf("  cycles           %llu (gemm), %llu clocked in gemm() incl. final CSR reads\n",
                static_cast<unsigned long long>(cycles), static_cast<unsigned long long>(clocked));
    std::printf("  utilisation      %.1f%% of MAC slots over the gemm cycles\n",
                100.0 * macs / (slots * cycles));
    std::printf("  host time        median %.4f s of %llu runs (min %.4f, max %.4f, spread %.1f%%)\n",
                med, static_cast<unsigned long long>(reps), lo, hi, 100.0 * (hi - lo) / med);
    std::printf("  simulated        %.0f cycles/s\n", cps);
    std::printf("  useful MACs/s    %.4g\n", useful);
    std::printf("  MAC slots/s      %.4g\n", slot_rate);
    if (json) {
      std::printf(
          "{\"config\": \"%s\", \"rows\": %u, \"cols\": %u, \"m\": %llu, \"k\": %llu, \"n\": %llu, "
          "\"dtype\": \"%s\", \"reps\": %llu, \"cycles\": %llu, \"clocked\": %llu, "
          "\"secs_median\": %.6f, \"secs_min\": %.6f, \"secs_max\": %.6f, "
          "\"cycles_per_s\": %.1f, \"useful_macs_per_s\": %.1f, \"slot_macs_per_s\": %.1f}\n",
          cfg.name.c_str(), cfg.rows, cfg.cols, static_cast<unsigned long long>(m),
          static_cast<unsigned long long>(k), static_cast<unsigned long long>(n), dtype.c_str(),
          static_cast<unsigned long long>(reps), static_cast<unsigned long long>(cycles),
          static_cast<unsigned long long>(clocked), med, lo, hi, cps, useful, slot_rate);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tensor_rtl: error: %s\n", e.what());
    return 1;
  }
}
