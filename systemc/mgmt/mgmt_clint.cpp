#include "mgmt/mgmt_clint.h"

#include <limits>
#include <stdexcept>

#include "clint_regs.hpp"
#include "mgmt/mgmt_device.h"

namespace trnsim::mgmt {

namespace R = trnsim::regs::clint;
using sc_core::sc_time;

MgmtClint::MgmtClint(sc_core::sc_module_name name, const MgmtClintConfig& cfg)
    : sc_module(name), socket("socket"), msip_o("msip_o"), mtip_o("mtip_o"), cfg_(cfg),
      regs_(R::kRegisters) {
  if (cfg_.tick == sc_core::SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) + ": tick must be > 0");
  socket.register_b_transport(this, &MgmtClint::b_transport);
  socket.register_transport_dbg(this, &MgmtClint::transport_dbg);
  regs_.set_hw_in([this](uint32_t off) -> uint32_t {
    const uint64_t mt = mtime_at(access_time_);
    if (off == R::MTIME_LO_OFFSET) return static_cast<uint32_t>(mt);
    if (off == R::MTIME_HI_OFFSET) return static_cast<uint32_t>(mt >> 32);
    if (off == R::FREQ_KHZ_OFFSET)
      return static_cast<uint32_t>(sc_time(1, sc_core::SC_MS).value() / cfg_.tick.value());
    return 0;
  });
  SC_METHOD(update);
  sensitive << update_;
}

uint64_t MgmtClint::mtimecmp() const {
  return (uint64_t{regs_.stored(R::MTIMECMP_HI_OFFSET)} << 32) | regs_.stored(R::MTIMECMP_LO_OFFSET);
}

void MgmtClint::b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  access_time_ = sc_core::sc_time_stamp() + delay;
  const CsrAccess a = serve_csr(regs_, gp, R::ADDR_BITS, delay, cfg_.latency);
  if (a.ok && a.write) {
    update_.cancel();
    update_.notify(delay);  // the new compare value / MSIP take effect at the write's time
  }
}

unsigned MgmtClint::transport_dbg(tlm::tlm_generic_payload& gp) {
  access_time_ = sc_core::sc_time_stamp();
  return debug_csr(regs_, gp);
}

void MgmtClint::update() {
  const sc_time now = sc_core::sc_time_stamp();
  const uint64_t cmp = mtimecmp();
  const uint64_t mt = mtime_at(now);
  msip_o.write(regs_.stored(R::MSIP_OFFSET) & 1);
  mtip_o.write(mt >= cmp);
  if (mt < cmp && cmp <= std::numeric_limits<uint64_t>::max() / cfg_.tick.value()) {
    update_.cancel();
    update_.notify(sc_time::from_value(cmp * cfg_.tick.value()) - now);
  }
}

}  // namespace trnsim::mgmt
