// MgmtClint: the management core's timer (rtl/regs/clint.json): 64-bit mtime
// counting at a configured timebase, mtimecmp driving MTIP (mtime >=
// mtimecmp), MSIP. mtime is a function of simulated time, so a read carries
// the initiator's annotated delay (temporal decoupling); MTIP changes at the
// exact simulated time mtime reaches mtimecmp.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "common/reg_file.h"

namespace trnsim::mgmt {

struct MgmtClintConfig {
  sc_core::sc_time tick = sc_core::sc_time(100, sc_core::SC_NS);  // mtime period (10 MHz)
  sc_core::sc_time latency = sc_core::sc_time(10, sc_core::SC_NS);  // per register access
};

class MgmtClint : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MgmtClint> socket;  // offsets 0..31
  sc_core::sc_out<bool> msip_o, mtip_o;

  MgmtClint(sc_core::sc_module_name name, const MgmtClintConfig& cfg);
  SC_HAS_PROCESS(MgmtClint);

  uint64_t mtime_at(const sc_core::sc_time& t) const { return t.value() / cfg_.tick.value(); }
  uint64_t mtimecmp() const;
  const MgmtClintConfig& config() const { return cfg_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  void update();  // drives msip_o / mtip_o, schedules the next compare match

  MgmtClintConfig cfg_;
  RegFile regs_;
  sc_core::sc_event update_;
  sc_core::sc_time access_time_;  // simulated time of the access being served
};

}  // namespace trnsim::mgmt
