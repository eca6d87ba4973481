// MgmtUart: the management core's console (rtl/regs/uart.json), transmit
// only. Bytes go to the console line by line, each line with a prefix, and
// unchanged to a log file if one is configured; text() keeps everything sent
// (for tests and the host side).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <fstream>
#include <iosfwd>
#include <string>

#include "common/reg_file.h"

namespace trnsim::mgmt {

struct MgmtUartConfig {
  std::string prefix = "[fw] ";   // before every console line
  std::ostream* console = nullptr;  // nullptr: std::cout
  bool echo = true;               // false: no console output (log file and text() only)
  std::string log_path;           // empty: no log file
  sc_core::sc_time latency = sc_core::sc_time(10, sc_core::SC_NS);  // per register access
};

class MgmtUart : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MgmtUart> socket;  // offsets 0..15

  // Throws std::runtime_error naming the file if the log cannot be opened.
  MgmtUart(sc_core::sc_module_name name, const MgmtUartConfig& cfg);
  ~MgmtUart() override;

  const std::string& text() const { return text_; }
  void flush();  // a partial last line to the console

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  void put(char c);

  MgmtUartConfig cfg_;
  RegFile regs_;
  std::ofstream log_;
  std::string line_, text_;
};

}  // namespace trnsim::mgmt
