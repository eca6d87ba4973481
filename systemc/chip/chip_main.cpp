#include "chip/chip_main.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "chip/kernel_run.h"
#include "common/stats.h"
#include "common/trace.h"
#include "mgmt/mgmt_gdb.h"
#include "mgmt/mgmt_mailbox.h"
#include "mgmt/mgmt_run.h"
#include "mailbox_regs.hpp"

namespace trnsim::chip {

const char* const kChipUsage =
    "usage: trnsim chip [--preset trn2|trn3|tiny|FILE.json] [--kernel NAME] [--m M] [--k K] [--n N]\n"
    "                   [--dtype bf16|fp8e4m3|fp8e5m2] [--dtype-b DT] [--dtype-out fp32|bf16]\n"
    "                   [--buffers B] [--seed S] [--cores N] [--set key.path=value ...]\n"
    "                   [--timing-only] [--no-check] [--stats FILE.json] [--trace FILE.json] [--wave DIR]\n"
    "                   [--elf FIRMWARE.elf [--mailbox SCRIPT] [--quiet] [--gdb PORT [--gdb-timeout S]]]\n"
    "  Builds the chip from the preset (default tiny), runs one kernel on each of the first N cores\n"
    "  (default 1; --cores N also sets the chip's core count to at least N), checks the results\n"
    "  against the kernel library's references (not in timing-only mode) and prints the summary.\n"
    "  kernels: gemm (C[m][n] = A[m][k] B[k][n]), softmax and layernorm (rows m, cols n),\n"
    "           attention (s m, d n), mlp_forward, mlp_backward, mlp_train, transformer_train\n"
    "           (T m, D k, H n)\n"
    "  --dtype sets A (and B unless --dtype-b) for gemm, X for softmax/layernorm.\n"
    "  --set: any config parameter (docs/config.md), e.g. --set hbm.latency_ns=120\n"
    "         --set fidelity.tensor=rtl (rtl/lockstep need core.tensor.rtl_config to be a built config)\n"
    "  --timing-only: engines compute nothing (same cycles), for large workloads\n"
    "  --stats FILE: the statistics registry as JSON; --trace FILE: Perfetto/Chrome trace\n"
    "  --wave DIR: every rtl/lockstep tensor and DMA block writes DIR/<block>.fst (e.g.\n"
    "         chip0.core0.tensor.fst); DIR must exist\n"
    "  --elf FILE: boot this firmware on the management core (docs/firmware.md) and run the kernel\n"
    "         on core 0 through the mailbox instead: the host places it and its launch block in HBM\n"
    "         and posts --mailbox SCRIPT (trnsim mgmt syntax; default \"ping;counter selftests;kernel\";\n"
    "         'kernel' without arguments launches the placed kernel; 'exit 0' is appended)\n"
    "  --quiet: no UART echo; --gdb PORT: wait for gdb-multiarch on 127.0.0.1:PORT before the\n"
    "         firmware's first instruction (simulated time stops for the whole chip while gdb holds\n"
    "         the core; docs/firmware.md); --gdb-timeout S: seconds to wait for it (default 60)\n";

namespace {

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

unsigned to_uint(const std::string& opt, const std::string& v) {
  try {
    std::size_t pos = 0;
    const unsigned long x = std::stoul(v, &pos, 0);
    if (pos != v.size() || x > 0xffffffffu) throw std::invalid_argument(v);
    return unsigned(x);
  } catch (const std::exception&) {
    throw Usage(opt + ": expected an unsigned integer, got '" + v + "'");
  }
}

isa::Dtype to_dtype(const std::string& opt, const std::string& v) {
  const auto d = isa::parse_dtype(v);
  if (!d) throw Usage(opt + ": unknown dtype '" + v + "' (bf16, fp8e4m3, fp8e5m2, fp32)");
  return *d;
}

// --elf: the firmware boots, the host posts the script; 'kernel' launches the
// placed workload through KERNEL_LAUNCH; its result is checked afterwards.
bool run_with_firmware(Chip& chip, const WorkloadSpec& spec, const std::string& script_text, int gdb_port,
                       int gdb_timeout_s, std::ostream& out) {
  namespace MB = trnsim::regs::mailbox;
  std::vector<mgmt::MailboxCommand> script;
  try {
    script = mgmt::parse_mailbox_script(script_text);
  } catch (const mgmt::MgmtUsageError& e) {
    throw Usage(e.what());
  }
  Workload w = prepare_workload(chip, 0, spec);
  const uint64_t block = chip.place_launch_block(0, w.kernel);
  bool launches = false;
  for (auto& c : script)
    if (c.cmd == uint8_t(MB::Cmd::KERNEL_LAUNCH) && c.text == "kernel") {
      c.args[0] = 0;
      c.args[1] = uint32_t(block);
      c.args[2] = 0;
      launches = true;
    }
  if (script.empty() || script.back().cmd != uint8_t(MB::Cmd::EXIT)) {
    mgmt::MailboxCommand e;
    e.text = "exit 0";
    e.cmd = uint8_t(MB::Cmd::EXIT);
    script.push_back(e);
  }
  out << "firmware: " << chip.options().mgmt_elf << "; " << w.kernel.name << " on core 0, launch block at HBM "
      << TraceWriter::hex(block) << "\n";
  std::unique_ptr<mgmt::MgmtGdb> gdb;
  if (gdb_port >= 0) gdb = std::make_unique<mgmt::MgmtGdb>(chip.mgmt(), uint16_t(gdb_port), gdb_timeout_s * 1000, out);
  bool replied = false;
  std::vector<mgmt::MailboxReply> replies;
  const bool done = chip.run_host(
      [&] {
        replied = mgmt::run_mailbox_script(chip.mgmt().mailbox(), script, sc_core::sc_time(100, sc_core::SC_MS), out,
                                           &replies);
      },
      sc_core::sc_time(1, sc_core::SC_SEC));
  // The host thread may have seen EXIT's reply before the firmware wrote the
  // EXIT register: let it finish (the register stops the simulation), so the
  // exit code is known (and gdb is told the firmware exited).
  if (done && !chip.mgmt().exit_code() && sc_core::sc_get_status() == sc_core::SC_PAUSED)
    sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_MS));
  // EXIT stops the simulation (mgmt_stop_on_exit), perhaps before the host
  // thread sees its reply: every other command must have been answered.
  const bool exit_acked = replies.size() == script.size() && replies.back().status == uint32_t(MB::Status::OK);
  const bool exited = (chip.mgmt().exit_code() && *chip.mgmt().exit_code() == 0) || exit_acked;
  bool ok = (done ? replied : exited && replies.size() + 1 >= script.size()) && exited;
  bool launched_ok = false;
  for (std::size_t i = 0; i < replies.size() && i < script.size(); ++i)
    if (script[i].cmd == uint8_t(MB::Cmd::KERNEL_LAUNCH)) {
      launched_ok = replies[i].status == uint32_t(MB::Status::OK);
      ok = ok && launched_ok;
    }
  if (launches && launched_ok && spec.check) {
    const CheckResult c = w.check(chip);
    out << w.kernel.name << ": " << (c.passed ? "check passed" : "check FAILED") << (c.message.empty() ? "" : ": ")
        << c.message << "\n";
    ok = ok && c.passed;
  }
  if (gdb) {
    gdb->end_of_simulation();
    if (!gdb->error().empty()) {
      out << "gdb: " << gdb->error() << "\n";
      ok = false;
    }
  }
  if (!done && !exited) out << "the simulation ended before the script did\n";
  out << "firmware " << (exited ? "exit 0" : "did not exit") << " at simulated "
      << sc_core::sc_time_stamp().to_seconds() * 1e6 << " us\n";
  if (launched_ok) {
    chip.account_launches({KernelLaunch{0, &w.kernel}});
    out << chip.summary().text();
  }
  out << "result " << (ok ? "PASS" : "FAIL") << "\n";
  return ok;
}

}  // namespace

int chip_main_with(const std::vector<std::string>& args, const BlockSetup& setup, std::ostream& out,
                   std::ostream& err) {
  std::string preset = "tiny", stats_path, trace_path, wave_dir, elf, mailbox = "ping;counter selftests;kernel";
  bool quiet = false;
  int gdb_port = -1, gdb_timeout_s = 60;
  std::vector<std::string> sets;
  WorkloadSpec spec;
  spec.m = spec.k = spec.n = 64;
  bool timing_only = false, no_check = false, b_dtype_set = false;
  unsigned ncores = 1;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto val = [&]() -> std::string {
        if (i + 1 >= args.size()) throw Usage(a + " needs a value");
        return args[++i];
      };
      if (a == "--help" || a == "-h") {
        out << kChipUsage;
        return 0;
      } else if (a == "--preset") preset = val();
      else if (a == "--kernel") spec.kernel = val();
      else if (a == "--m") spec.m = to_uint(a, val());
      else if (a == "--k") spec.k = to_uint(a, val());
      else if (a == "--n") spec.n = to_uint(a, val());
      else if (a == "--dtype") spec.a_dtype = to_dtype(a, val());
      else if (a == "--dtype-b") { spec.b_dtype = to_dtype(a, val()); b_dtype_set = true; }
      else if (a == "--dtype-out") spec.c_dtype = to_dtype(a, val());
      else if (a == "--buffers") spec.buffers = to_uint(a, val());
      else if (a == "--seed") spec.seed = to_uint(a, val());
      else if (a == "--cores") ncores = to_uint(a, val());
      else if (a == "--set") sets.push_back(val());
      else if (a == "--timing-only") timing_only = true;
      else if (a == "--no-check") no_check = true;
      else if (a == "--stats") stats_path = val();
      else if (a == "--trace") trace_path = val();
      else if (a == "--wave") wave_dir = val();
      else if (a == "--elf") elf = val();
      else if (a == "--mailbox") mailbox = val();
      else if (a == "--quiet") quiet = true;
      else if (a == "--gdb") {
        const unsigned p = to_uint(a, val());
        if (p == 0 || p > 65535) throw Usage("--gdb: port must be 1..65535");
        gdb_port = int(p);
      } else if (a == "--gdb-timeout") {
        const unsigned t = to_uint(a, val());
        if (t == 0 || t > 3600) throw Usage("--gdb-timeout: seconds must be 1..3600");
        gdb_timeout_s = int(t);
      }
      else throw Usage("unknown option '" + a + "'");
    }
    if (!b_dtype_set) spec.b_dtype = spec.a_dtype;
    if (ncores == 0) throw Usage("--cores: must be at least 1");
    bool known = false;
    std::string names;
    for (const auto& n : workload_names()) {
      known = known || n == spec.kernel;
      names += (names.empty() ? "" : ", ") + n;
    }
    if (!known) throw Usage("unknown kernel '" + spec.kernel + "' (known: " + names + ")");
    if (!elf.empty() && ncores != 1) throw Usage("--elf runs the kernel on core 0 only (no --cores)");
    if (elf.empty() && (quiet || gdb_port >= 0)) throw Usage("--quiet and --gdb need --elf");
  } catch (const Usage& e) {
    err << "trnsim chip: " << e.what() << "\n" << kChipUsage;
    return 2;
  }
  spec.check = !timing_only && !no_check;

  try {
    config::ChipConfig cfg = config::load_config(preset, sets);
    if (cfg.cores < ncores) cfg = config::load_config(preset, [&] {
        auto s = sets;
        s.push_back("cores=" + std::to_string(ncores));
        return s;
      }());
    stats::Registry reg;
    std::unique_ptr<TraceWriter> trace;
    if (!trace_path.empty()) trace = std::make_unique<TraceWriter>(trace_path);
    ChipOptions opt;
    opt.functional = !timing_only;
    opt.stats = &reg;
    opt.trace = trace.get();
    if (!wave_dir.empty() && !std::filesystem::is_directory(wave_dir))
      throw Usage("--wave: '" + wave_dir + "' is not a directory");
    opt.wave_dir = wave_dir;
    if (setup) setup(cfg, opt);
    if (!elf.empty()) {
      opt.mgmt_elf = elf;
      opt.mgmt_stop_on_exit = true;
      opt.mgmt_uart_echo = !quiet;
    }
    Chip chip("chip0", cfg, opt);
    if (!wave_dir.empty() && chip.tensor_fidelity() == Fidelity::kTlm && chip.dma_fidelity() == Fidelity::kTlm)
      out << "note: --wave: every block runs at tlm fidelity, so there are no waveforms (--set fidelity.tensor=rtl)\n";
    bool ok = true;
    if (!elf.empty()) {
      ok = run_with_firmware(chip, spec, mailbox, gdb_port, gdb_timeout_s, out);
    } else {
      std::vector<unsigned> cores;
      for (unsigned c = 0; c < ncores; ++c) cores.push_back(c);
      const auto reports = run_workloads(chip, cores, spec);
      for (const auto& r : reports) {
        out << r.text();
        ok = ok && r.ok();
      }
      out << chip.summary().text();
    }
    if (!stats_path.empty()) {
      std::ofstream f(stats_path);
      if (!f) throw std::runtime_error("cannot write the statistics file '" + stats_path + "'");
      f << chip.stats_json() << "\n";
      out << "statistics: " << stats_path << "\n";
    }
    if (!wave_dir.empty() && (chip.tensor_fidelity() != Fidelity::kTlm || chip.dma_fidelity() != Fidelity::kTlm))
      out << "waveforms: " << wave_dir << "/chip0.core<c>.<block>.fst (FST; gtkwave or surfer)\n";
    if (trace) {
      trace->close();
      out << "trace: " << trace_path << " (" << trace->events() << " events; open in ui.perfetto.dev)\n";
    }
    return ok ? 0 : 1;
  } catch (const config::ConfigError& e) {
    err << "trnsim chip: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << "trnsim chip: " << e.what() << "\n";
    return 2;
  }
}

}  // namespace trnsim::chip
