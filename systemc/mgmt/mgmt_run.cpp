#include "mgmt/mgmt_run.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

#include "common/fidelity.h"
#include "mailbox_regs.hpp"
#include "mgmt/mgmt_gdb.h"
#include "mgmt/mgmt_rig.h"
#include "mgmt/mgmt_subsystem.h"

namespace trnsim::mgmt {

namespace MB = trnsim::regs::mailbox;
using sc_core::sc_time;

const char* const kMgmtHelp = R"(usage: trnsim mgmt --elf FILE [options]
Runs firmware on the management subsystem (RV32IMAC core, boot ROM, RAM,
CLINT, interrupt controller, UART, host mailbox; docs/firmware.md) and exits
with the firmware's status (its exit() / EXIT register; 1 if it stopped any
other way). UART output goes to the console as "[fw] ..." lines.
With --rig the subsystem gets a tensor engine, a DMA engine and device memory
in its external window (the management rig, docs/firmware.md).

  --elf FILE              the firmware (required; linked for the memory map)
  --uart-log FILE         also write the raw UART output to FILE
  --mailbox SCRIPT        host commands, ';'- or ','-separated, posted one after the
                          other once the firmware is up: ping, echo A [B [C]],
                          counter mtime|mcycle|minstret|commands|interrupts|N,
                          counter dma-bytes|dma-descs|dma-errors|tensor-cmds|
                          tensor-macs|selftests,
                          dma-selftest [fault], tensor-selftest [fault],
                          kernel [A [B [C]]], exit N, raw CMD [A [B [C]]].
                          Without 'exit N' at the end, 'exit 0' is sent after
                          the last command.
  --rig                   add the engines (tensor 4x4, DMA q4_d256) and device
                          memory at the addresses of systemc/mgmt/mgmt_map.h
  --fidelity F            the rig's engines: tlm (default), rtl or lockstep
  --tensor-config NAME    the rig's tensor engine (configs/rtl_configs.json; default 4x4)
  --dma-config NAME       the rig's DMA engine (default q4_d256)
  --wave DIR              rtl/lockstep engines write DIR/rig.tensor.fst and DIR/rig.dma.fst
  --gdb PORT              wait for gdb on 127.0.0.1:PORT before the first
                          instruction; simulated time stops while gdb holds the core
  --gdb-timeout S         seconds to wait for gdb to connect (default 60)
  --max-time T            stop (exit 1) at simulated time T (default 1s;
                          units ns, us, ms, s)
  --max-instructions N    stop (exit 1) after N instructions (default: none)
  --clock-mhz F           core clock (default 1000: 1 instruction per ns)
  --quantum T             temporal-decoupling quantum (default 1us)
  --quiet                 no UART echo on the console (the log still gets it)
)";

namespace {

uint32_t parse_u32(const std::string& s, const std::string& what) {
  std::size_t used = 0;
  unsigned long long v = 0;
  try {
    v = std::stoull(s, &used, 0);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || s.empty() || s[0] == '-' || v > 0xFFFFFFFFull)
    throw MgmtUsageError(what + ": '" + s + "' is not a 32-bit unsigned number");
  return static_cast<uint32_t>(v);
}

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", v);
  return b;
}

const char* status_name(uint32_t s) {
  switch (static_cast<MB::Status>(s)) {
    case MB::Status::OK: return "OK";
    case MB::Status::UNKNOWN_CMD: return "UNKNOWN_CMD";
    case MB::Status::NOT_IMPLEMENTED: return "NOT_IMPLEMENTED";
    case MB::Status::BAD_ARG: return "BAD_ARG";
    case MB::Status::NO_DEVICE: return "NO_DEVICE";
    case MB::Status::HW_ERROR: return "HW_ERROR";
    case MB::Status::TEST_FAILED: return "TEST_FAILED";
    case MB::Status::TIMEOUT: return "TIMEOUT";
  }
  return "?";
}

// The host side: posts the script, prints the replies.
struct MailboxHost : sc_core::sc_module {
  SC_HAS_PROCESS(MailboxHost);
  MailboxHost(sc_core::sc_module_name n, MgmtMailbox& mb, std::vector<MailboxCommand> script,
              sc_time timeout, std::ostream& out)
      : sc_module(n), mb_(mb), script_(std::move(script)), timeout_(timeout), out_(out) {
    SC_THREAD(run);
  }
  void run() { failed = !run_mailbox_script(mb_, script_, timeout_, out_); }
  MgmtMailbox& mb_;
  std::vector<MailboxCommand> script_;
  sc_time timeout_;
  std::ostream& out_;
  bool failed = false;
};

}  // namespace

bool run_mailbox_script(MgmtMailbox& mb, const std::vector<MailboxCommand>& script, const sc_time& timeout,
                        std::ostream& out, std::vector<MailboxReply>* replies) {
  for (const MailboxCommand& c : script) {
    MailboxReply r;
    if (!mb.call(r, c.cmd, c.args[0], c.args[1], c.args[2], timeout)) {
      if (mb.exit_code() && c.cmd == static_cast<uint8_t>(MB::Cmd::EXIT)) {
        out << "mailbox: " << c.text << " -> (firmware exited)\n";
        return true;
      }
      out << "mailbox: " << c.text << " -> no reply" << (mb.exit_code() ? " (firmware exited)" : " (timeout)")
          << "\n";
      return false;
    }
    if (replies) replies->push_back(r);
    out << "mailbox: " << c.text << " -> " << status_name(r.status) << " seq " << r.seq << " data "
        << hex32(r.data[0]) << ' ' << hex32(r.data[1]) << ' ' << hex32(r.data[2]) << "\n";
    out.flush();
  }
  return true;
}

std::vector<MailboxCommand> parse_mailbox_script(const std::string& script) {
  static const std::map<std::string, uint32_t> kCounters = {
      {"mtime", static_cast<uint32_t>(MB::Counter::MTIME)},
      {"mcycle", static_cast<uint32_t>(MB::Counter::MCYCLE)},
      {"minstret", static_cast<uint32_t>(MB::Counter::MINSTRET)},
      {"commands", static_cast<uint32_t>(MB::Counter::COMMANDS)},
      {"interrupts", static_cast<uint32_t>(MB::Counter::INTERRUPTS)},
      {"dma-bytes", static_cast<uint32_t>(MB::Counter::DMA_BYTES)},
      {"dma-descs", static_cast<uint32_t>(MB::Counter::DMA_DESCS)},
      {"dma-errors", static_cast<uint32_t>(MB::Counter::DMA_ERRORS)},
      {"tensor-cmds", static_cast<uint32_t>(MB::Counter::TENSOR_CMDS)},
      {"tensor-macs", static_cast<uint32_t>(MB::Counter::TENSOR_MACS)},
      {"selftests", static_cast<uint32_t>(MB::Counter::SELFTESTS)}};
  struct Kind {
    MB::Cmd cmd;
    unsigned min_args, max_args;
  };
  static const std::map<std::string, Kind> kCmds = {
      {"ping", {MB::Cmd::PING, 0, 0}},
      {"echo", {MB::Cmd::ECHO, 1, 3}},
      {"counter", {MB::Cmd::READ_COUNTER, 1, 1}},
      {"dma-selftest", {MB::Cmd::DMA_SELFTEST, 0, 1}},
      {"tensor-selftest", {MB::Cmd::TENSOR_SELFTEST, 0, 1}},
      {"kernel", {MB::Cmd::KERNEL_LAUNCH, 0, 3}},
      {"exit", {MB::Cmd::EXIT, 1, 1}}};
  std::vector<MailboxCommand> out;
  std::string items = script;  // ';' or ',' between commands
  for (char& ch : items)
    if (ch == ',') ch = ';';
  std::stringstream ss(items);
  std::string item;
  unsigned index = 0;
  while (std::getline(ss, item, ';')) {
    ++index;
    std::istringstream is(item);
    std::vector<std::string> w;
    for (std::string t; is >> t;) w.push_back(t);
    if (w.empty()) continue;
    const std::string where = "--mailbox item " + std::to_string(index) + " '" + item + "'";
    MailboxCommand c;
    for (std::size_t i = 0; i < w.size(); ++i) c.text += (i ? " " : "") + w[i];
    std::size_t first_arg = 1;
    unsigned max_args = 3, min_args = 0;
    if (w[0] == "raw") {
      if (w.size() < 2) throw MgmtUsageError(where + ": raw needs a command number");
      const uint32_t v = parse_u32(w[1], where);
      if (v > 255) throw MgmtUsageError(where + ": command number must be 0..255");
      c.cmd = static_cast<uint8_t>(v);
      first_arg = 2;
    } else {
      const auto it = kCmds.find(w[0]);
      if (it == kCmds.end()) throw MgmtUsageError(where + ": unknown command '" + w[0] + "'");
      c.cmd = static_cast<uint8_t>(it->second.cmd);
      min_args = it->second.min_args;
      max_args = it->second.max_args;
    }
    const std::size_t nargs = w.size() - first_arg;
    if (nargs < min_args || nargs > max_args)
      throw MgmtUsageError(where + ": takes " + std::to_string(min_args) + ".." +
                           std::to_string(max_args) + " arguments");
    for (std::size_t i = 0; i < nargs; ++i) {
      const std::string& a = w[first_arg + i];
      if (w[0] == "counter" && kCounters.count(a)) c.args[i] = kCounters.at(a);
      else if ((w[0] == "dma-selftest" || w[0] == "tensor-selftest") && a == "fault") c.args[i] = 1;
      else c.args[i] = parse_u32(a, where);
    }
    if (c.cmd == static_cast<uint8_t>(MB::Cmd::EXIT) && c.args[0] > 255)
      throw MgmtUsageError(where + ": exit status must be 0..255");
    out.push_back(c);
  }
  return out;
}

uint64_t parse_time_ps(const std::string& text) {
  static const std::pair<const char*, double> kUnits[] = {
      {"ns", 1e3}, {"us", 1e6}, {"ms", 1e9}, {"s", 1e12}};
  for (const auto& u : kUnits) {
    const std::string suf = u.first;
    if (text.size() > suf.size() && text.compare(text.size() - suf.size(), suf.size(), suf) == 0) {
      const std::string num = text.substr(0, text.size() - suf.size());
      std::size_t used = 0;
      double v = -1;
      try {
        v = std::stod(num, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == num.size() && v > 0 && v * u.second < 1.8e19)
        return static_cast<uint64_t>(v * u.second);
      break;
    }
  }
  throw MgmtUsageError("'" + text + "' is not a positive time with a unit (ns, us, ms, s)");
}

int mgmt_command(const std::vector<std::string>& args, std::ostream& out) {
  std::map<std::string, std::string> opt;
  static const std::map<std::string, bool> kKnown = {
      {"elf", true},       {"uart-log", true}, {"mailbox", true}, {"max-time", true},
      {"max-instructions", true}, {"clock-mhz", true}, {"quantum", true}, {"quiet", false},
      {"help", false},     {"rig", false},      {"fidelity", true}, {"tensor-config", true},
      {"dma-config", true}, {"gdb", true},     {"gdb-timeout", true}, {"wave", true}};
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a.rfind("--", 0) != 0) throw MgmtUsageError("unexpected argument '" + a + "'");
    std::string key = a.substr(2), value;
    const auto eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    const auto it = kKnown.find(key);
    if (it == kKnown.end()) throw MgmtUsageError("unknown option '--" + key + "'");
    if (it->second && eq == std::string::npos) {
      if (i + 1 >= args.size()) throw MgmtUsageError("option '--" + key + "' needs a value");
      value = args[++i];
    } else if (!it->second && eq != std::string::npos) {
      throw MgmtUsageError("option '--" + key + "' takes no value");
    }
    opt[key] = value;
  }
  if (opt.count("help")) {
    out << kMgmtHelp;
    return 0;
  }
  if (!opt.count("elf")) throw MgmtUsageError("--elf FILE is required");

  MgmtSubsystemConfig cfg;
  const sc_time max_time = sc_time::from_value(parse_time_ps(opt.count("max-time") ? opt["max-time"] : "1s"));
  if (opt.count("quantum")) cfg.quantum = sc_time::from_value(parse_time_ps(opt["quantum"]));
  if (opt.count("clock-mhz")) {
    std::size_t used = 0;
    double mhz = 0;
    try {
      mhz = std::stod(opt["clock-mhz"], &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != opt["clock-mhz"].size() || !(mhz >= 1 && mhz <= 100000))
      throw MgmtUsageError("--clock-mhz: '" + opt["clock-mhz"] + "' is not a number in 1..100000");
    cfg.core.clock_period = sc_time(1e6 / mhz, sc_core::SC_PS);
  }
  if (opt.count("max-instructions")) {
    cfg.core.max_instructions = parse_u32(opt["max-instructions"], "--max-instructions");
    if (!cfg.core.max_instructions) throw MgmtUsageError("--max-instructions must be > 0");
  }
  cfg.uart.log_path = opt.count("uart-log") ? opt["uart-log"] : "";
  cfg.uart.console = &out;
  cfg.uart.echo = !opt.count("quiet");
  std::vector<MailboxCommand> script;
  if (opt.count("mailbox")) {
    script = parse_mailbox_script(opt["mailbox"]);
    if (script.empty() || script.back().cmd != static_cast<uint8_t>(MB::Cmd::EXIT)) {
      MailboxCommand e;
      e.text = "exit 0";
      e.cmd = static_cast<uint8_t>(MB::Cmd::EXIT);
      script.push_back(e);
    }
  }

  const bool rig_wanted = opt.count("rig") > 0;
  MgmtRigConfig rig_cfg;
  if (opt.count("fidelity") || opt.count("tensor-config") || opt.count("dma-config") || opt.count("wave")) {
    if (!rig_wanted) throw MgmtUsageError("--fidelity, --tensor-config, --dma-config and --wave need --rig");
  }
  if (opt.count("wave")) {
    if (!std::filesystem::is_directory(opt["wave"])) throw MgmtUsageError("--wave: '" + opt["wave"] + "' is not a directory");
    rig_cfg.wave_dir = opt["wave"];
  }
  if (opt.count("fidelity")) {
    try {
      rig_cfg.blocks.fidelity = parse_fidelity(opt["fidelity"], "--fidelity");
    } catch (const std::invalid_argument& e) {
      throw MgmtUsageError(e.what());
    }
  }
  if (opt.count("tensor-config")) rig_cfg.tensor_config = opt["tensor-config"];
  if (opt.count("dma-config")) rig_cfg.dma_config = opt["dma-config"];
  int gdb_port = -1, gdb_timeout_s = 60;
  if (opt.count("gdb")) {
    const uint32_t p = parse_u32(opt["gdb"], "--gdb");
    if (p == 0 || p > 65535) throw MgmtUsageError("--gdb: port must be 1..65535");
    gdb_port = static_cast<int>(p);
  }
  if (opt.count("gdb-timeout")) {
    const uint32_t t = parse_u32(opt["gdb-timeout"], "--gdb-timeout");
    if (t == 0 || t > 3600) throw MgmtUsageError("--gdb-timeout: seconds must be 1..3600");
    gdb_timeout_s = static_cast<int>(t);
  }

  // sc_stop() from the firmware's EXIT is the normal end, not news.
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  std::unique_ptr<MgmtSubsystem> plain;
  std::unique_ptr<MgmtRig> rig;
  if (rig_wanted) {
    rig_cfg.mgmt = cfg;
    try {
      rig = std::make_unique<MgmtRig>("rig", rig_cfg);
    } catch (const std::invalid_argument& e) {
      throw MgmtUsageError(std::string("--rig: ") + e.what());
    }
    out << "rig: tensor " << rig_cfg.tensor_config << " and DMA " << rig_cfg.dma_config << " at "
        << to_string(rig_cfg.blocks.fidelity) << " fidelity\n";
  } else {
    plain = std::make_unique<MgmtSubsystem>("mgmt", cfg);
  }
  MgmtSubsystem& mgmt = rig ? rig->mgmt() : *plain;
  const std::string elf = opt["elf"];
  mgmt.load_elf(elf);
  std::unique_ptr<MailboxHost> host;
  if (!script.empty()) host = std::make_unique<MailboxHost>("host", mgmt.mailbox(), script, max_time, out);
  std::unique_ptr<MgmtGdb> gdb;
  if (gdb_port >= 0) {
    gdb = std::make_unique<MgmtGdb>(mgmt, static_cast<uint16_t>(gdb_port), gdb_timeout_s * 1000, out);
    out.flush();
  }

  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start(max_time);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  mgmt.uart().flush();
  if (gdb) {
    gdb->end_of_simulation();
    if (!gdb->error().empty()) {
      out << "trnsim mgmt: " << gdb->error() << "\n";
      return 1;
    }
  }

  const sc_time now = sc_core::sc_time_stamp();
  int rc = 1;
  std::string msg;
  const Rv32Iss& iss = mgmt.core().iss();
  if (mgmt.exit_code()) {
    rc = *mgmt.exit_code();
    msg = "firmware exit " + std::to_string(rc);
    if (host && host->failed) rc = rc ? rc : 1;
  } else if (mgmt.core_stopped()) {
    msg = mgmt.core().stop_message();
  } else if (now >= max_time) {
    msg = "time limit reached (" + now.to_string() + ") at pc " + hex32(iss.pc());
  } else if (iss.in_wfi()) {
    msg = "firmware sleeps in WFI at pc " + hex32(iss.pc()) + " with nothing left to wake it";
  } else {
    msg = "simulation ended without a firmware exit at pc " + hex32(iss.pc());
  }
  const uint64_t n = mgmt.core().instructions();
  const double iss_s = mgmt.core().host_seconds();
  char b[256];
  std::snprintf(b, sizeof b,
                "instructions %llu, simulated %.3f us (WFI %.3f us, %llu sleeps), host %.3f s, "
                "ISS %.1f MIPS (%.1f MIPS overall)\n",
                static_cast<unsigned long long>(n), now.to_seconds() * 1e6,
                mgmt.core().sleep_time().to_seconds() * 1e6,
                static_cast<unsigned long long>(mgmt.core().wfi_sleeps()), secs,
                iss_s > 0 ? n / iss_s / 1e6 : 0.0, secs > 0 ? n / secs / 1e6 : 0.0);
  out << elf << ": " << msg << "\n" << b;
  if (mgmt.exit_code() && rc == 0) out << "result PASS\n";
  else if (mgmt.exit_code()) out << "result FAIL (code " << rc << ")\n";
  else out << "result STOPPED\n";
  out.flush();
  return rc;
}

}  // namespace trnsim::mgmt
