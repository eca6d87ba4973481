// trnsim: the command-line front end. Subcommands:
//   trnsim run     the default scenario: firmware boots on a trn3 chip and runs a
//                  transformer-layer training step through the mailbox
//   trnsim gemm    one GEMM on the tensor engine (rtl, tlm or lockstep, through
//                  its TLM-2.0 sockets), checked against the golden model
//   trnsim dma     a DMA scenario file on the DMA engine (dma_scenario.h)
//   trnsim configs the prebuilt RTL configurations
//   trnsim iss     a bare-metal RV32 ELF on the management core ISS alone (docs/mgmt.md)
//   trnsim mgmt    firmware on the management subsystem (docs/firmware.md)
//   trnsim chip    a kernel on the chip model (docs/chip.md)
// Errors print one clear line and exit non-zero; see docs/usage.md.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "chip/chip_main.h"
#include "dma/dma_rtl.h"
#include "dma_scenario.h"
#include "gemm_run.h"
#include "matrix_io.h"
#include "mgmt/gdb_stub.h"
#include "mgmt/iss_standalone.h"
#include "mgmt/mgmt_run.h"
#include "numerics/numerics.h"
#include "sim_options.h"
#include "tensor/tensor_rtl.h"

namespace {

namespace nm = trnsim::numerics;
using trnsim::app::Matrix;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --key value / --key=value / --flag options, checked against a known list.
class Options {
 public:
  Options(const std::vector<std::string>& args, const std::map<std::string, bool>& known) {
    for (std::size_t i = 0; i < args.size(); ++i) {
      std::string a = args[i];
      if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + a + "'");
      std::string key = a.substr(2), value;
      const auto eq = key.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        value = key.substr(eq + 1);
        key = key.substr(0, eq);
      }
      const auto it = known.find(key);
      if (it == known.end()) throw UsageError("unknown option '--" + key + "'");
      if (it->second && !inline_value) {
        if (i + 1 >= args.size()) throw UsageError("option '--" + key + "' needs a value");
        value = args[++i];
      } else if (!it->second && inline_value) {
        throw UsageError("option '--" + key + "' takes no value");
      }
      values_[key] = value;
    }
  }
  bool has(const std::string& k) const { return values_.count(k) != 0; }
  std::string get(const std::string& k, const std::string& def) const {
    const auto it = values_.find(k);
    return it == values_.end() ? def : it->second;
  }
  uint64_t get_uint(const std::string& k, uint64_t def, uint64_t lo, uint64_t hi) const {
    if (!has(k)) return def;
    const std::string v = get(k, "");
    std::size_t used = 0;
    unsigned long long x = 0;
    try {
      x = std::stoull(v, &used, 0);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != v.size() || v.empty() || v[0] == '-')
      throw UsageError("option '--" + k + "': '" + v + "' is not a non-negative integer");
    if (x < lo || x > hi)
      throw UsageError("option '--" + k + "': " + v + " is outside " + std::to_string(lo) + ".." +
                       std::to_string(hi));
    return x;
  }
  double get_double(const std::string& k, double def, double lo, double hi) const {
    if (!has(k)) return def;
    const std::string v = get(k, "");
    std::size_t used = 0;
    double x = 0;
    try {
      x = std::stod(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != v.size() || v.empty() || !(x >= lo && x <= hi))
      throw UsageError("option '--" + k + "': '" + v + "' is not a number in [" +
                       std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return x;
  }

 private:
  std::map<std::string, std::string> values_;
};

// Options shared by gemm and dma (docs/usage.md, "Fidelity and debugging").
const std::map<std::string, bool> kSimOptionKeys = {
    {"fidelity", true}, {"trace", true},        {"wave", true},         {"wave-from", true},
    {"wave-to", true},  {"wave-history", true}, {"wave-trigger", true}, {"quantum", true},
    {"inject-fault", true}};

const char* kSimHelp = R"(
Fidelity and debugging (docs/usage.md, docs/debugging.md):
  --fidelity F      rtl (default): the Verilated RTL | tlm: the fast model |
                    lockstep: both, compared transaction by transaction; the
                    first divergence stops the run (exit 3). Every fidelity
                    runs through the block's TLM-2.0 sockets.
  --trace FILE.json Perfetto / Chrome trace of the run (ui.perfetto.dev)
  --wave FILE.fst   FST waveform of the RTL (rtl, lockstep): the whole run, or
  --wave-from T --wave-to T   only simulated time [T1, T2) (e.g. 2500ns, 10us)
  --wave-history N  only the N cycles before a trigger (lockstep: the first
                    divergence; or --wave-trigger PIN=VALUE, e.g. irq_o=1)
  --quantum T       global quantum of temporal decoupling (default 1ns, one
                    clock period: exact RTL timing with these hosts)
  --inject-fault N  corrupt output N of the fast model (tlm, lockstep), to see
                    lockstep catch it
Exit: 0 pass, 1 check failed or error, 2 bad usage, 3 lockstep divergence.
)";

std::map<std::string, bool> with_sim_keys(std::map<std::string, bool> keys) {
  keys.insert(kSimOptionKeys.begin(), kSimOptionKeys.end());
  return keys;
}

trnsim::app::SimOptions parse_sim_options(const Options& opt) {
  trnsim::app::SimOptions s;
  try {
    s.fidelity = trnsim::parse_fidelity(opt.get("fidelity", "rtl"), "option '--fidelity'");
    if (opt.has("quantum")) {
      s.quantum = trnsim::app::parse_sim_time("--quantum", opt.get("quantum", ""));
      if (s.quantum == sc_core::SC_ZERO_TIME)
        throw std::invalid_argument("option '--quantum': must be above 0");
    }
    if (opt.has("wave-from"))
      s.wave.from = trnsim::app::parse_sim_time("--wave-from", opt.get("wave-from", ""));
    if (opt.has("wave-to"))
      s.wave.to = trnsim::app::parse_sim_time("--wave-to", opt.get("wave-to", ""));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  s.trace = opt.get("trace", "");
  s.wave.path = opt.get("wave", "");
  s.wave.history_cycles = opt.get_uint("wave-history", 0, 1, 10000000);
  s.wave.trigger = opt.get("wave-trigger", "");
  for (const char* k : {"wave-from", "wave-to", "wave-history", "wave-trigger"})
    if (opt.has(k) && !opt.has("wave"))
      throw UsageError(std::string("option '--") + k + "' needs --wave FILE.fst");
  if (opt.has("wave") && s.fidelity == trnsim::Fidelity::kTlm)
    throw UsageError("option '--wave': the tlm form has no waveform (use --fidelity rtl or lockstep)");
  if (opt.has("wave-from") && opt.has("wave-to") && s.wave.to <= s.wave.from)
    throw UsageError("option '--wave-to': " + s.wave.to.to_string() + " must be after --wave-from " +
                     s.wave.from.to_string());
  if (opt.has("inject-fault")) {
    s.inject_fault = static_cast<int64_t>(opt.get_uint("inject-fault", 0, 0, 1u << 30));
    if (s.fidelity == trnsim::Fidelity::kRtl)
      throw UsageError("option '--inject-fault': needs --fidelity tlm or lockstep (it corrupts the fast model)");
  }
  if (!s.wave.path.empty()) trnsim::app::check_writable(s.wave.path, "waveform file");
  if (!s.trace.empty()) trnsim::app::check_writable(s.trace, "trace file");
  return s;
}

// A bad --wave-trigger is found when the block is built; name the option.
[[noreturn]] void rethrow_block_error(const std::invalid_argument& e, const Options& opt) {
  const std::string m = e.what();
  if (opt.has("wave-trigger") && m.find("trigger") != std::string::npos)
    throw UsageError("option '--wave-trigger': " + m);
  throw e;
}

const char* kGemmHelp = R"(usage: trnsim gemm [options]
Runs C = A x B on the tensor engine (by default its Verilated RTL) through its
TLM-2.0 sockets, checks every bit of C against the golden numerics model and
prints cycles and utilisation.

  --config NAME     prebuilt array configuration (default 16x16; see 'trnsim configs')
  --m M --k K --n N shape when generating operands (default 64 64 64)
  --dtype-a NAME    bf16 | fp8e4m3 | fp8e5m2 (default bf16)
  --dtype-b NAME    datatype of B (default: same as A)
  --seed S          seed for generated operands (default 1)
  --a FILE --b FILE read operands from matrix files instead (docs/usage.md)
  --out FILE        write C (fp32 bits) as a matrix file
  --backpressure P  result stream ready with probability P each cycle (default 1)
)";

std::vector<uint16_t> to_codes(const Matrix& m) {
  std::vector<uint16_t> v(m.values.size());
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<uint16_t>(m.values[i]);
  return v;
}

int cmd_gemm(const std::vector<std::string>& args) {
  Options opt(args, with_sim_keys({{"config", true}, {"m", true}, {"k", true}, {"n", true},
                                   {"dtype-a", true}, {"dtype-b", true}, {"seed", true},
                                   {"a", true}, {"b", true}, {"out", true},
                                   {"backpressure", true}, {"help", false}}));
  if (opt.has("help")) {
    std::cout << kGemmHelp << kSimHelp;
    return 0;
  }
  const std::string config = opt.get("config", "16x16");
  Matrix a, b;
  nm::Dtype dta, dtb;
  if (opt.has("a") != opt.has("b")) throw UsageError("give both --a and --b, or neither");
  if (opt.has("a")) {
    for (const char* k : {"m", "k", "n", "dtype-a", "dtype-b", "seed"})
      if (opt.has(k))
        throw UsageError(std::string("--") + k + " cannot be combined with --a/--b (the files give it)");
    a = trnsim::app::read_matrix(opt.get("a", ""));
    b = trnsim::app::read_matrix(opt.get("b", ""));
    if (a.dtype == "fp32" || b.dtype == "fp32")
      throw UsageError("operands must be bf16, fp8e4m3 or fp8e5m2, not fp32");
    if (a.cols != b.rows)
      throw UsageError("shapes do not chain: A is " + std::to_string(a.rows) + "x" +
                       std::to_string(a.cols) + ", B is " + std::to_string(b.rows) + "x" +
                       std::to_string(b.cols));
    dta = nm::parse_dtype(a.dtype);
    dtb = nm::parse_dtype(b.dtype);
  } else {
    const uint64_t m = opt.get_uint("m", 64, 1, 1 << 16), k = opt.get_uint("k", 64, 1, 1 << 16),
                   n = opt.get_uint("n", 64, 1, 1 << 16);
    dta = nm::parse_dtype(opt.get("dtype-a", "bf16"));
    dtb = nm::parse_dtype(opt.get("dtype-b", nm::dtype_name(dta)));
    std::mt19937_64 rng(opt.get_uint("seed", 1, 0, UINT64_MAX));
    auto gen = [&](nm::Dtype dt, std::size_t r, std::size_t c) {
      Matrix x;
      x.dtype = nm::dtype_name(dt);
      x.rows = r;
      x.cols = c;
      x.values.resize(r * c);
      for (auto& v : x.values) {
        // Finite values of moderate range, so the check exercises real sums.
        do {
          v = dt == nm::Dtype::kBf16
                  ? static_cast<uint32_t>(((rng() & 1) << 15) | ((118 + rng() % 18) << 7) |
                                          (rng() & 0x7F))
                  : static_cast<uint32_t>(rng() & 0xFF);
        } while ((nm::widen_to_fp32(dt, static_cast<uint16_t>(v)) & 0x7F800000u) == 0x7F800000u);
      }
      return x;
    };
    a = gen(dta, m, k);
    b = gen(dtb, k, n);
  }
  const double bp = opt.get_double("backpressure", 1.0, 0.01, 1.0);
  const trnsim::app::SimOptions sim = parse_sim_options(opt);

  trnsim::app::GemmRequest req;
  req.config = config;
  req.m = a.rows;
  req.k = a.cols;
  req.n = b.cols;
  req.dtype_a = dta;
  req.dtype_b = dtb;
  req.a = to_codes(a);
  req.b = to_codes(b);
  req.backpressure = bp;
  req.backpressure_seed = opt.get_uint("seed", 1, 0, UINT64_MAX) + 1;
  trnsim::app::GemmOutcome run;
  try {
    run = trnsim::app::run_gemm(req, sim);
  } catch (const std::invalid_argument& e) {
    rethrow_block_error(e, opt);
  }
  const std::size_t M = a.rows, K = a.cols, N = b.cols;
  std::printf("trnsim gemm: %zux%zux%zu %s x %s on the %s tensor engine (%s, through the TLM-2.0 "
              "sockets)\n",
              M, K, N, nm::dtype_name(dta), nm::dtype_name(dtb), run.config_name.c_str(),
              run.fidelity.c_str());
  if (!run.finished) {
    std::fflush(stdout);
    if (run.lockstep.diverged) {
      trnsim::app::print_lockstep(run.lockstep, std::cout);
      std::cout << "  check           FAIL: the run stopped at the first divergence\n";
      return trnsim::app::kExitDivergence;
    }
    throw std::runtime_error(run.error);
  }
  const std::vector<uint32_t>& c = run.c;

  std::vector<uint32_t> want(M * N);
  nm::GemmShape s;
  s.m = M;
  s.k = K;
  s.n = N;
  s.tile_rows = run.rows;
  nm::gemm_fast(s, dta, to_codes(a).data(), dtb, to_codes(b).data(), want.data(), false);
  std::size_t mismatches = 0, first = 0;
  for (std::size_t i = 0; i < c.size(); ++i)
    if (c[i] != want[i] && mismatches++ == 0) first = i;

  if (opt.has("out")) {
    Matrix out;
    out.dtype = "fp32";
    out.rows = M;
    out.cols = N;
    out.values = c;
    trnsim::app::write_matrix(opt.get("out", ""), out);
  }

  const double macs = static_cast<double>(M) * K * N;
  const double peak = static_cast<double>(run.cycles) * run.rows * run.cols;
  std::printf("  commands        %llu\n", static_cast<unsigned long long>(run.commands));
  std::printf("  cycles          %llu (first command write to last result)\n",
              static_cast<unsigned long long>(run.cycles));
  std::printf("  busy / stalled  %llu / %llu cycles (engine counters)\n",
              static_cast<unsigned long long>(run.busy_cycles),
              static_cast<unsigned long long>(run.stall_cycles));
  std::printf("  MACs            %.0f, array utilisation %.1f%%\n", macs, 100.0 * macs / peak);
  std::printf("  host time       %.4f s, %.0f simulated cycles/s (quantum %s)\n", run.host_seconds,
              static_cast<double>(run.sim_cycles) / run.host_seconds,
              sim.quantum.to_string().c_str());
  if (!sim.trace.empty())
    std::printf("  trace           %s (%llu events)\n", sim.trace.c_str(),
                static_cast<unsigned long long>(run.trace_events));
  std::fflush(stdout);
  trnsim::app::print_lockstep(run.lockstep, std::cout);
  std::cout.flush();
  const int diverged = run.lockstep.diverged ? trnsim::app::kExitDivergence : 0;
  if (mismatches == 0) {
    std::printf("  check           PASS: all %zu results bit-identical to the golden model\n",
                c.size());
    return diverged;
  }
  std::printf("  check           FAIL: %zu of %zu results differ; first C[%zu][%zu] rtl 0x%08x "
              "golden 0x%08x\n",
              mismatches, c.size(), first / N, first % N, c[first], want[first]);
  return diverged ? diverged : 1;
}

const char* kDmaHelp = R"(usage: trnsim dma --scenario FILE [options]
Runs a DMA scenario file (memory initialisation, queues, descriptors, checks;
format in docs/usage.md) on the DMA engine (by default its Verilated RTL)
through its TLM-2.0 sockets, and prints cycles,
bandwidth and each queue's final status. Exit 0 when every descriptor
completed (or its queue stopped with the error the file expects) and every
check passed, 1 otherwise.

  --scenario FILE   the scenario file (required)
  --config NAME     prebuilt DMA configuration (default: the file's 'config'
                    line, else q4_d256; see 'trnsim configs')
  --latency N       memory read and write latency in cycles (default: the
                    file's 'latency' line, else 1)
  --jitter N        add a random 0..N cycles to every memory access (seeded
                    by --seed; default 0)
  --seed S          seed of 'fill' lines without their own seed= (default 1)
)";

int cmd_dma(const std::vector<std::string>& args) {
  Options opt(args, with_sim_keys({{"scenario", true}, {"config", true}, {"latency", true},
                                   {"jitter", true}, {"seed", true}, {"help", false}}));
  if (opt.has("help")) {
    std::cout << kDmaHelp << kSimHelp;
    return 0;
  }
  if (!opt.has("scenario")) throw UsageError("dma: --scenario FILE is required");
  trnsim::app::DmaRunOptions ro;
  if (opt.has("config")) {
    ro.config = opt.get("config", "");
    ro.config_forced = true;
  }
  if (opt.has("latency")) ro.latency = static_cast<unsigned>(opt.get_uint("latency", 1, 1, 100000));
  ro.jitter = static_cast<unsigned>(opt.get_uint("jitter", 0, 0, 100000));
  ro.seed = opt.get_uint("seed", 1, 0, UINT64_MAX);
  ro.sim = parse_sim_options(opt);
  const auto sc = trnsim::app::read_dma_scenario(opt.get("scenario", ""));
  trnsim::app::DmaRunResult r;
  try {
    r = trnsim::app::run_dma_scenario(sc, ro, std::cout);
  } catch (const std::invalid_argument& e) {
    rethrow_block_error(e, opt);
  }
  std::cout.flush();
  std::printf("  host time       %.4f s (the simulation)\n", r.host_seconds);
  if (!ro.sim.trace.empty())
    std::printf("  trace           %s (%llu events)\n", ro.sim.trace.c_str(),
                static_cast<unsigned long long>(r.trace_events));
  if (r.lockstep.diverged) return trnsim::app::kExitDivergence;
  return r.ok ? 0 : 1;
}

int cmd_configs() {
  std::printf("%-10s %5s %5s %10s %9s\n", "name", "rows", "cols", "psum_rows", "cmd_queue");
  for (const auto& c : trnsim::cosim::tensor_rtl_configs())
    std::printf("%-10s %5u %5u %10u %9u\n", c.name.c_str(), c.rows, c.cols, c.psum_depth,
                c.cmd_depth);
  std::printf("\nDMA engine (trnsim dma --config NAME):\n");
  std::printf("%-10s %6s %9s %11s %11s\n", "name", "queues", "data_bits", "burst_beats",
              "outstanding");
  for (const auto& c : trnsim::cosim::dma_rtl_configs())
    std::printf("%-10s %6u %9u %11u %11u\n", c.name.c_str(), c.num_queues, c.data_bits,
                c.max_burst_beats, c.max_outstanding);
  return 0;
}

const char* kIssHelp = R"(usage: trnsim iss --elf FILE [options]
Runs a bare-metal 32-bit RISC-V ELF on the management core ISS alone (RV32IMAC,
machine mode, 16 MiB RAM at 0x80000000). The program ends by writing its
'tohost' symbol: 1 = pass (exit 0), other odd values = fail with code
value>>1 (exit 1). See docs/mgmt.md.

  --elf FILE              the program (required)
  --max-instructions N    stop (exit 1) after N instructions (default 1000000000)
  --trace                 print every instruction: pc, bits, registers written
  --gdb PORT              wait (up to 30 s) for gdb on 127.0.0.1:PORT (0: any free
                          port) and run under its control (GDB remote protocol)
)";

int cmd_iss(const std::vector<std::string>& args) {
  Options opt(args, {{"elf", true}, {"max-instructions", true}, {"trace", false}, {"gdb", true},
                        {"help", false}});
  if (opt.has("help")) {
    std::cout << kIssHelp;
    return 0;
  }
  if (!opt.has("elf")) throw UsageError("--elf FILE is required");
  const uint64_t max = opt.get_uint("max-instructions", 1000000000, 1, UINT64_MAX);
  trnsim::mgmt::IssStandalone iss(opt.get("elf", ""));
  trnsim::mgmt::StandaloneResult r;
  if (opt.has("gdb")) {
    const auto port = static_cast<uint16_t>(opt.get_uint("gdb", 0, 0, 65535));
    trnsim::mgmt::GdbStub stub(iss, std::cout, std::cout);
    stub.listen(port);
    r = stub.serve(30000, max);
  } else {
    r = iss.run(max, std::cout, opt.has("trace") ? &std::cout : nullptr);
  }
  using K = trnsim::mgmt::StandaloneResult::Kind;
  std::printf("%s: %s\n", opt.get("elf", "").c_str(), r.message.c_str());
  std::printf("instructions %llu, host %.3f s, %.1f MIPS\n",
              static_cast<unsigned long long>(r.instructions), r.seconds,
              r.seconds > 0 ? r.instructions / r.seconds / 1e6 : 0.0);
  if (r.kind == K::kPass)
    std::printf("result PASS\n");
  else if (r.kind == K::kFail)
    std::printf("result FAIL (code %u)\n", r.code);
  else
    std::printf("result STOPPED\n");
  return r.kind == K::kPass ? 0 : 1;
}

// The default scenario (docs/usage.md): the management firmware
// (TRNSIM_DEFAULT_FIRMWARE, built with trnsim) boots on a one-core trn3 chip,
// passes its self-tests and launches one transformer-layer training step
// (T = D = H = 128) through the host mailbox; the host checks the updated
// weights against the reference, and the chip summary is printed. Further
// arguments go to `trnsim chip` and override these (e.g. --preset trn2,
// --set fidelity.tensor=rtl, --trace t.json, --elf other.elf).
int cmd_run(const std::vector<std::string>& extra) {
  std::vector<std::string> a = {"--preset", "trn3", "--set", "cores=1", "--kernel", "transformer_train",
                                "--m",      "128",  "--k",   "128",     "--n",      "128"};
  bool has_elf = false;
  for (const auto& x : extra) has_elf = has_elf || x == "--elf";
  if (!has_elf) {
    const std::string elf = TRNSIM_DEFAULT_FIRMWARE;
    if (!std::ifstream(elf))
      throw std::runtime_error("the default scenario's firmware '" + elf +
                               "' is missing: build the trnsim_firmware target (scripts/build does), or pass --elf FILE");
    a.push_back("--elf");
    a.push_back(elf);
  }
  std::cout << "trnsim run: management firmware boots on a trn3 chip (1 core) and launches one transformer-layer\n"
               "training step (T = D = H = 128) through the mailbox; the result is checked against the reference\n";
  a.insert(a.end(), extra.begin(), extra.end());
  return trnsim::chip::chip_main(a);
}

const char* kHelp = R"(usage: trnsim <command> [options]
  run       the default scenario: firmware boots on a trn3 chip and runs a transformer-layer
            training step through the mailbox (options of 'chip' override its settings)
  gemm      one GEMM on the tensor engine (rtl, tlm or lockstep), checked bit for bit (--help)
  dma       a DMA scenario file on the DMA engine (rtl, tlm or lockstep) (--help)
  configs   list the prebuilt RTL configurations
  iss       a bare-metal RV32 ELF on the management core ISS (--help)
  mgmt      firmware on the management subsystem, host mailbox script (--help)
  chip      a kernel on the chip model built from a preset (trn2, trn3, tiny) (--help)
With no command, 'run' is assumed.
)";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    std::string cmd = args.empty() ? "run" : args[0];
    if (!args.empty()) args.erase(args.begin());
    if (cmd == "-h" || cmd == "--help" || cmd == "help") {
      std::cout << kHelp;
      return 0;
    }
    if (cmd == "run") return cmd_run(args);
    if (cmd == "gemm") return cmd_gemm(args);
    if (cmd == "dma") return cmd_dma(args);
    if (cmd == "configs") return cmd_configs();
    if (cmd == "iss") return cmd_iss(args);
    if (cmd == "mgmt") return trnsim::mgmt::mgmt_command(args, std::cout);
    if (cmd == "chip") return trnsim::chip::chip_main(args);
    throw UsageError("unknown command '" + cmd + "'");
  } catch (const trnsim::mgmt::MgmtUsageError& e) {
    std::fprintf(stderr, "trnsim: %s\n(try 'trnsim mgmt --help')\n", e.what());
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "trnsim: %s\n(try 'trnsim --help')\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trnsim: error: %s\n", e.what());
    return 1;
  }
}

// libsystemc.so's own main() calls sc_main; trnsim has its own main(), so
// sc_main only has to exist (the mgmt command links SystemC).
extern "C" int sc_main(int, char*[]) { return 1; }
