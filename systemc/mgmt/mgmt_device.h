// What the management subsystem's register-mapped peripherals share: one
// 32-bit CSR access served on a RegFile (aligned words only; anything else is
// refused the way tlm_util.h's decode_csr says), and the port type of an
// interrupt input that may stay unbound.
#pragma once

#include <systemc>
#include <tlm>

#include "common/reg_file.h"
#include "common/tlm_util.h"

namespace trnsim::mgmt {

// An interrupt input: bind it to any sc_signal<bool> (or leave it unbound: low).
using IrqIn = sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 1, sc_core::SC_ZERO_OR_MORE_BOUND>;

inline bool irq_level(const IrqIn& p) { return p.size() > 0 && p->read(); }

// Serves gp on rf (offsets below 2^addr_bits); adds latency to delay.
// Returns the decoded access (ok false if refused).
inline CsrAccess serve_csr(RegFile& rf, tlm::tlm_generic_payload& gp, unsigned addr_bits,
                           sc_core::sc_time& delay, const sc_core::sc_time& latency) {
  CsrAccess a = decode_csr(gp, addr_bits);
  delay += latency;
  if (!a.ok) {
    gp.set_response_status(a.status);
    return a;
  }
  bool ok;
  if (a.write) {
    ok = rf.write(a.offset, a.wdata, a.wstrb);
  } else {
    uint32_t v = 0;
    ok = rf.read(a.offset, v);
    if (ok) std::memcpy(gp.get_data_ptr(), &v, 4);
  }
  a.ok = ok;
  gp.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
  return a;
}

// Debug reads of a register file (no side effects); writes are refused.
inline unsigned debug_csr(RegFile& rf, tlm::tlm_generic_payload& gp) {
  if (!gp.is_read() || gp.get_data_length() != 4 || (gp.get_address() & 3)) return 0;
  uint32_t v = 0;
  if (!rf.read(static_cast<uint32_t>(gp.get_address()), v)) return 0;
  std::memcpy(gp.get_data_ptr(), &v, 4);
  return 4;
}

}  // namespace trnsim::mgmt
