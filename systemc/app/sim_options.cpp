#include "sim_options.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <ostream>

namespace trnsim::app {

sc_core::sc_time parse_sim_time(const std::string& option, const std::string& text) {
  auto bad = [&]() {
    return std::invalid_argument("option '" + option + "': '" + text +
                                 "' is not a simulated time (e.g. 2500ns, 10us, 1.5ms)");
  };
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  if (text.empty() || !(v >= 0) || text[0] == '-' || text[0] == '+') throw bad();
  std::string unit = text.substr(used);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(0, 1);
  sc_core::sc_time_unit u = sc_core::SC_NS;
  if (unit.empty() || unit == "ns") u = sc_core::SC_NS;
  else if (unit == "fs") u = sc_core::SC_FS;
  else if (unit == "ps") u = sc_core::SC_PS;
  else if (unit == "us") u = sc_core::SC_US;
  else if (unit == "ms") u = sc_core::SC_MS;
  else if (unit == "s") u = sc_core::SC_SEC;
  else throw bad();
  if (v > 1e12) throw bad();
  return sc_core::sc_time(v, u);
}

void check_writable(const std::string& path, const std::string& what) {
  std::ifstream exists(path);
  const bool existed = exists.good();
  exists.close();
  std::ofstream f(path, std::ios::app);
  if (!f) throw std::runtime_error("cannot open " + what + " '" + path + "' for writing");
  f.close();
  if (!existed) std::remove(path.c_str());
}

void quiet_systemc() {
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
}

void print_lockstep(const LockstepOutcome& o, std::ostream& out) {
  if (!o.used) return;
  out << "  lockstep        " << o.compared << " transactions compared, "
      << (o.diverged ? "DIVERGED" : "no divergence") << "\n";
  out << o.cycle_errors;
  if (o.diverged) {
    out << "lockstep divergence:\n" << o.report;
    if (!o.report.empty() && o.report.back() != '\n') out << "\n";
    if (o.wave_written) out << "  (waveform window written at the divergence)\n";
  }
}

}  // namespace trnsim::app
