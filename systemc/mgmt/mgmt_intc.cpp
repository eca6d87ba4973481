#include "mgmt/mgmt_intc.h"

#include "intc_regs.hpp"

namespace trnsim::mgmt {

namespace R = trnsim::regs::intc;

MgmtIntc::MgmtIntc(sc_core::sc_module_name name, const MgmtIntcConfig& cfg)
    : sc_module(name), socket("socket"), irq_i("irq_i", kNumSources), meip_o("meip_o"), cfg_(cfg),
      regs_(R::kRegisters) {
  socket.register_b_transport(this, &MgmtIntc::b_transport);
  socket.register_transport_dbg(this, &MgmtIntc::transport_dbg);
  regs_.set_hw_in([this](uint32_t off) -> uint32_t {
    if (off == R::RAW_OFFSET) return raw();
    const uint32_t p = pending();
    if (off == R::PENDING_OFFSET) return p;
    if (off == R::CLAIM_OFFSET && p) {
      unsigned id = 0;
      while (!((p >> id) & 1)) ++id;
      return (1u << R::CLAIM_VALID_LSB) | (id << R::CLAIM_ID_LSB);
    }
    return 0;
  });
  SC_METHOD(update);
  sensitive << reg_written_;
  for (auto& p : irq_i) sensitive << p;
}

uint32_t MgmtIntc::raw() const {
  uint32_t r = 0;
  for (unsigned i = 0; i < kNumSources; ++i)
    if (irq_level(irq_i[i])) r |= 1u << i;
  return r;
}

uint32_t MgmtIntc::pending() const {
  return (raw() | regs_.stored(R::FORCE_OFFSET)) & regs_.stored(R::ENABLE_OFFSET);
}

void MgmtIntc::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const CsrAccess a = serve_csr(regs_, gp, R::ADDR_BITS, delay, cfg_.latency);
  if (a.ok && a.write) reg_written_.notify(delay);
}

unsigned MgmtIntc::transport_dbg(tlm::tlm_generic_payload& gp) { return debug_csr(regs_, gp); }

void MgmtIntc::update() { meip_o.write(pending() != 0); }

}  // namespace trnsim::mgmt
