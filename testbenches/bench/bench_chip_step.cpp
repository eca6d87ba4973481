// bench_chip_step: host time per simulated training step of the chip model.
//
// Builds the chip from a preset (default trn3, one core), then runs one
// kernel workload of chip/kernel_run.h (default: the transformer layer's
// training step if the tree has it, else the MLP's; --kernel NAME) on core 0
// --reps times, after --warmup untimed runs, each on freshly prepared
// tensors (prepare_workload, untimed). Per run:
//   host s       the Chip::run_kernel call's sc_start() (Chip::summary().host_seconds)
//   wall s       the whole run_kernel call (also places streams and descriptors in HBM)
//   simulated    the kernel's simulated time (first engine start to last END)
// and simulated instructions per host second = KernelResult::instructions /
// host s. Functional mode (default) checks the first timed run against the
// kernel library's reference (docs/kernels.md tolerances) and fails the bench
// if it does not pass; --timing-only runs the same cycles without computing
// data. Runs differ a little in simulated time (each run's tensors, streams
// and descriptors sit at new HBM addresses: other rows and banks; the first
// run also programs the DMA windows), so that is reported as median and
// range too. Used by scripts/bench
// --only chip (docs/performance.md, section 9). Not a test.
#include <systemc>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "chip/chip.h"
#include "chip/kernel_run.h"
#include "common/config.h"

#include "bench_util.h"

namespace bench = trnsim::bench;

namespace {

namespace chip = trnsim::chip;
using Clock = std::chrono::steady_clock;

// The default kernel: the first of these that chip::workload_names() knows.
// (Change the order here to change the default.)
const char* const kDefaultKernels[] = {"transformer_train", "mlp_train"};

using bench::Stat;
using bench::stat;

[[noreturn]] void usage_error(const std::string& msg) { bench::usage_error("bench_chip_step", msg); }

unsigned parse_uint(const std::string& opt, const std::string& s, bool zero_ok = false) {
  return bench::parse_uint("bench_chip_step", opt, s, zero_ok);
}

}  // namespace

int sc_main(int argc, char** argv) {
  std::string preset = "trn3", kernel;
  unsigned m = 128, k = 128, n = 128, reps = 5, warmup = 1, seed = 1;
  bool timing_only = false, json = false;
  const std::vector<std::string> known = chip::workload_names();
  for (const char* d : kDefaultKernels)
    if (kernel.empty() && std::find(known.begin(), known.end(), d) != known.end()) kernel = d;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--preset") preset = value();
    else if (a == "--kernel") kernel = value();
    else if (a == "--m") m = parse_uint(a, value());
    else if (a == "--k") k = parse_uint(a, value());
    else if (a == "--n") n = parse_uint(a, value());
    else if (a == "--reps") reps = parse_uint(a, value());
    else if (a == "--warmup") warmup = parse_uint(a, value(), true);
    else if (a == "--seed") seed = parse_uint(a, value());
    else if (a == "--timing-only") timing_only = true;
    else if (a == "--json") json = true;
    else {
      std::printf(
          "usage: bench_chip_step [--preset trn3|trn2|tiny|FILE.json] [--kernel NAME] [--m M --k K --n N]\n"
          "                       [--timing-only] [--reps R] [--warmup W] [--seed S] [--json]\n"
          "defaults: trn3, kernel %s, 128 128 128 (T D H for the training steps), 5 runs after 1\n"
          "warm-up, functional (results checked on the first run), seed 1\n",
          kernel.c_str());
      return a == "-h" || a == "--help" ? 0 : 2;
    }
  }
  if (std::find(known.begin(), known.end(), kernel) == known.end()) {
    std::string names;
    for (const auto& x : known) names += (names.empty() ? "" : ", ") + x;
    usage_error("--kernel: unknown kernel '" + kernel + "' (known: " + names + ")");
  }
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);

  try {
    trnsim::config::ChipConfig cfg = trnsim::config::load_config(preset, {"cores=1"});
    chip::ChipOptions opt;
    opt.functional = !timing_only;
    chip::Chip ch("chip0", cfg, opt);
    chip::WorkloadSpec spec;
    spec.kernel = kernel;
    spec.m = m;
    spec.k = k;
    spec.n = n;
    spec.seed = seed;
    spec.check = !timing_only;

    std::vector<double> host_s, wall_s, sim_v;
    uint64_t instructions = 0;
    double flops = 0;
    std::string check = timing_only ? "not checked (timing only)" : "";
    for (unsigned r = 0; r < warmup + reps; ++r) {
      chip::Workload w = chip::prepare_workload(ch, 0, spec);
      const auto t0 = Clock::now();
      const chip::KernelResult kr = ch.run_kernel(0, w.kernel);
      const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
      if (!kr.ok) {
        std::fprintf(stderr, "bench_chip_step: FAIL: %s run %u: %s\n", kernel.c_str(), r, kr.error.c_str());
        return 1;
      }
      instructions = kr.instructions;
      flops = kr.flops;
      if (r < warmup) continue;
      sim_v.push_back(kr.elapsed().to_seconds());
      host_s.push_back(ch.summary().host_seconds);
      wall_s.push_back(wall);
      if (r == warmup && w.check) {
        const chip::CheckResult c = w.check(ch);
        if (!c.passed) {
          std::fprintf(stderr, "bench_chip_step: FAIL: %s results:\n%s", kernel.c_str(), c.message.c_str());
          return 1;
        }
        check = "passed";
      }
    }
    const Stat h = stat(host_s), wl = stat(wall_s), sm = stat(sim_v);
    const double sim_s = sm.med;
    const char* mode = timing_only ? "timing-only" : "functional";
    std::printf("bench_chip_step: %s %ux%ux%u on preset %s (one core), %s, %u runs after %u warm-up\n",
                kernel.c_str(), m, k, n, preset.c_str(), mode, reps, warmup);
    std::printf("  simulated time per step   %.3f us (%.3f..%.3f)\n", sm.med * 1e6, sm.lo * 1e6, sm.hi * 1e6);
    std::printf("  instructions per step     %llu\n", static_cast<unsigned long long>(instructions));
    std::printf("  FLOP per step             %.4g\n", flops);
    std::printf("  host s per step (sim)     %.4f (%.4f..%.4f)\n", h.med, h.lo, h.hi);
    std::printf("  host s per step (wall)    %.4f (%.4f..%.4f)\n", wl.med, wl.lo, wl.hi);
    std::printf("  instructions per host s   %.4g\n", double(instructions) / h.med);
    std::printf("  host s per simulated s    %.4g\n", h.med / sim_s);
    std::printf("  check                     %s\n", check.c_str());
    if (json)
      std::printf("{\"kernel\": \"%s\", \"preset\": \"%s\", \"m\": %u, \"k\": %u, \"n\": %u, \"mode\": \"%s\", "
                  "\"runs\": %u, \"warmup\": %u, \"simulated_us\": %.4f, \"simulated_us_min\": %.4f, "
                  "\"simulated_us_max\": %.4f, \"instructions\": %llu, \"flops\": %.6g, "
                  "\"host_s\": {\"median\": %.6f, \"min\": %.6f, \"max\": %.6f, \"runs\": %u}, "
                  "\"wall_s\": {\"median\": %.6f, \"min\": %.6f, \"max\": %.6f, \"runs\": %u}, "
                  "\"instructions_per_s\": %.6g, \"slowdown\": %.6g, \"check\": \"%s\"}\n",
                  kernel.c_str(), preset.c_str(), m, k, n, mode, reps, warmup, sim_s * 1e6, sm.lo * 1e6, sm.hi * 1e6,
                  static_cast<unsigned long long>(instructions), flops, h.med, h.lo, h.hi, reps, wl.med, wl.lo,
                  wl.hi, reps, double(instructions) / h.med, h.med / sim_s, check.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_chip_step: error: %s\n", e.what());
    return 1;
  }
}
