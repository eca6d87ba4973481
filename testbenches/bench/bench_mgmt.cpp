// Management-core ISS speed and firmware boot time (docs/performance.md
// section 7; scripts/bench --only mgmt). One SystemC world per process, so
// one measurement per run; scripts/bench runs it several times.
//
//   bench_mgmt --elf FILE [--model subsystem|chip] [--preset tiny|trn2|...]
//              [--quantum T] [--until exit|ready] [--max-time T]
//
//   --model subsystem   MgmtSubsystem alone (the `trnsim mgmt` model)
//   --model chip        the whole chip::Chip of the preset with the firmware
//                       on its management core (ChipOptions::mgmt_elf; the
//                       engines idle; tlm forms)
//   --quantum T         global quantum (default: the model's own, 1 us for the
//                       subsystem and ChipOptions::quantum = 100 ns for the chip)
//   --until exit        run until the firmware exits (mailbox EXIT; e.g.
//                       mgmt_speed_test.elf): ISS speed
//   --until ready       run until the mailbox SCRATCH reads 0x600DB007 (the
//                       boot program's "ready: serving the host mailbox"),
//                       polled every 1 us of simulated time: boot time
//
// Prints one line for people and a JSON line (last) for scripts/bench:
// instructions, simulated us, host seconds of construction + ELF load
// ("build_s") and of sc_start ("run_s"), the ISS's own host seconds (without
// SystemC scheduling: "iss_s"), and MIPS over run_s and over iss_s.
#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include <systemc>

#include "chip/chip.h"
#include "common/config.h"
#include "mgmt/mgmt_run.h"
#include "mgmt/mgmt_subsystem.h"

namespace {

using sc_core::sc_time;
constexpr uint32_t kReady = 0x600DB007u;  // firmware/boot/boot.c FW_READY

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Stops the simulation once the firmware's SCRATCH says it is ready.
struct ReadyWatch : sc_core::sc_module {
  SC_HAS_PROCESS(ReadyWatch);
  ReadyWatch(sc_core::sc_module_name n, trnsim::mgmt::MgmtMailbox& mb) : sc_module(n), mb_(mb) {
    SC_THREAD(run);
  }
  void run() {
    while (mb_.scratch() != kReady) wait(sc_time(1, sc_core::SC_US));
    ready = true;
    at = sc_core::sc_time_stamp();
    sc_core::sc_stop();
  }
  trnsim::mgmt::MgmtMailbox& mb_;
  bool ready = false;
  sc_time at;
};

int usage(const std::string& why) {
  std::fprintf(stderr,
               "bench_mgmt: %s\nusage: bench_mgmt --elf FILE [--model subsystem|chip] [--preset NAME] "
               "[--quantum T] [--until exit|ready] [--max-time T]\n",
               why.c_str());
  return 2;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  std::string elf, model = "subsystem", preset = "tiny", until = "exit", quantum, max_time = "2s";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage("option '" + a + "' needs a value");
    const std::string v = argv[++i];
    if (a == "--elf") elf = v;
    else if (a == "--model") model = v;
    else if (a == "--preset") preset = v;
    else if (a == "--quantum") quantum = v;
    else if (a == "--until") until = v;
    else if (a == "--max-time") max_time = v;
    else return usage("unknown option '" + a + "'");
  }
  if (elf.empty()) return usage("--elf FILE is required");
  if (model != "subsystem" && model != "chip") return usage("--model: 'subsystem' or 'chip', not '" + model + "'");
  if (until != "exit" && until != "ready") return usage("--until: 'exit' or 'ready', not '" + until + "'");
  try {
    sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    const sc_time limit = sc_time::from_value(trnsim::mgmt::parse_time_ps(max_time));
    if (!quantum.empty())
      tlm::tlm_global_quantum::instance().set(sc_time::from_value(trnsim::mgmt::parse_time_ps(quantum)));

    const auto t_build = std::chrono::steady_clock::now();
    std::unique_ptr<trnsim::mgmt::MgmtSubsystem> sub;
    std::unique_ptr<trnsim::chip::Chip> chip;
    if (model == "subsystem") {
      trnsim::mgmt::MgmtSubsystemConfig cfg;
      cfg.uart.echo = false;
      sub = std::make_unique<trnsim::mgmt::MgmtSubsystem>("mgmt", cfg);
      sub->load_elf(elf);
    } else {
      trnsim::chip::ChipOptions opt;
      opt.mgmt_elf = elf;
      opt.mgmt_stop_on_exit = true;
      chip = std::make_unique<trnsim::chip::Chip>("chip", trnsim::config::load_config(preset, {}), opt);
    }
    trnsim::mgmt::MgmtSubsystem& mgmt = sub ? *sub : chip->mgmt();
    std::unique_ptr<ReadyWatch> watch;
    if (until == "ready") watch = std::make_unique<ReadyWatch>("ready_watch", mgmt.mailbox());
    const double build_s = seconds_since(t_build);

    const auto t_run = std::chrono::steady_clock::now();
    sc_core::sc_start(limit);
    const double run_s = seconds_since(t_run);

    const uint64_t n = mgmt.core().instructions();
    const double iss_s = mgmt.core().host_seconds();
    const sc_time now = sc_core::sc_time_stamp();
    const bool ok = until == "ready" ? watch->ready : mgmt.exit_code() && *mgmt.exit_code() == 0;
    if (!ok) {
      std::fprintf(stderr, "bench_mgmt: %s did not %s within %s (simulated %s)%s\n", elf.c_str(),
                   until == "ready" ? "reach its command loop" : "exit 0", limit.to_string().c_str(),
                   now.to_string().c_str(),
                   mgmt.exit_code() ? (", exit " + std::to_string(*mgmt.exit_code())).c_str() : "");
      return 1;
    }
    const double q_ns = tlm::tlm_global_quantum::instance().get().to_seconds() * 1e9;
    const std::string where = model == "chip" ? "chip " + preset : "subsystem";
    std::printf("%s, quantum %.0f ns, until %s: %llu instructions, simulated %.3f us, build %.3f s, "
                "run %.3f s (ISS %.3f s): %.1f MIPS (ISS alone %.1f MIPS)\n",
                where.c_str(), q_ns, until.c_str(), static_cast<unsigned long long>(n),
                now.to_seconds() * 1e6, build_s, run_s, iss_s, run_s > 0 ? n / run_s / 1e6 : 0.0,
                iss_s > 0 ? n / iss_s / 1e6 : 0.0);
    std::printf("{\"model\": \"%s\", \"preset\": \"%s\", \"quantum_ns\": %.0f, \"until\": \"%s\", "
                "\"instructions\": %llu, \"sim_us\": %.3f, \"build_s\": %.6f, \"run_s\": %.6f, "
                "\"iss_s\": %.6f, \"mips\": %.3f, \"iss_mips\": %.3f}\n",
                model.c_str(), model == "chip" ? preset.c_str() : "", q_ns, until.c_str(),
                static_cast<unsigned long long>(n), now.to_seconds() * 1e6, build_s, run_s, iss_s,
                run_s > 0 ? n / run_s / 1e6 : 0.0, iss_s > 0 ? n / iss_s / 1e6 : 0.0);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_mgmt: %s\n", e.what());
    return 1;
  }
}
