// MgmtIntc: the management core's interrupt controller (rtl/regs/intc.json).
// 32 level-sensitive sources; MEIP = OR of (RAW | FORCE) & ENABLE. Source 0
// is the host mailbox; the chip binds engines and DMA queues to 1..31
// (irq_i[n].bind(signal)); an unbound source reads low.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "common/reg_file.h"
#include "mgmt/mgmt_device.h"

namespace trnsim::mgmt {

struct MgmtIntcConfig {
  sc_core::sc_time latency = sc_core::sc_time(10, sc_core::SC_NS);  // per register access
};

class MgmtIntc : public sc_core::sc_module {
 public:
  static constexpr unsigned kNumSources = 32;
  tlm_utils::simple_target_socket<MgmtIntc> socket;  // offsets 0..31
  sc_core::sc_vector<IrqIn> irq_i;                   // kNumSources inputs
  sc_core::sc_out<bool> meip_o;

  MgmtIntc(sc_core::sc_module_name name, const MgmtIntcConfig& cfg);
  SC_HAS_PROCESS(MgmtIntc);

  uint32_t raw() const;      // levels of the bound lines
  uint32_t pending() const;  // (raw | FORCE) & ENABLE

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(tlm::tlm_generic_payload& gp);
  void update();

  MgmtIntcConfig cfg_;
  RegFile regs_;
  sc_core::sc_event reg_written_;
};

}  // namespace trnsim::mgmt
