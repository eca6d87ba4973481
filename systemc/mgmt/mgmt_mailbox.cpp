#include "mgmt/mgmt_mailbox.h"

#include <stdexcept>

#include "mailbox_regs.hpp"
#include "mgmt/mgmt_device.h"

namespace trnsim::mgmt {

namespace R = trnsim::regs::mailbox;

MgmtMailbox::MgmtMailbox(sc_core::sc_module_name name, const MgmtMailboxConfig& cfg)
    : sc_module(name), socket("socket"), irq_o("irq_o"), cfg_(cfg), regs_(R::kRegisters) {
  socket.register_b_transport(this, &MgmtMailbox::b_transport);
  socket.register_transport_dbg(this, &MgmtMailbox::transport_dbg);
  regs_.set_hw_in([this](uint32_t off) -> uint32_t {
    switch (off) {
      case R::H2F_CMD_OFFSET: return h2f_[0];
      case R::H2F_ARG0_OFFSET: return h2f_[1];
      case R::H2F_ARG1_OFFSET: return h2f_[2];
      case R::H2F_ARG2_OFFSET: return h2f_[3];
      default: return 0;
    }
  });
  regs_.set_on_write([this](uint32_t off, uint32_t value, uint32_t mask) {
    if (off == R::F2H_DOORBELL_OFFSET && (value & mask & (1u << R::F2H_DOORBELL_RING_LSB))) {
      const uint32_t st = regs_.stored(R::F2H_STATUS_OFFSET);
      last_reply_.status = (st >> R::F2H_STATUS_CODE_LSB) & R::F2H_STATUS_CODE_MASK;
      last_reply_.seq = (st >> R::F2H_STATUS_SEQ_LSB) & R::F2H_STATUS_SEQ_MASK;
      last_reply_.data = {regs_.stored(R::F2H_DATA0_OFFSET), regs_.stored(R::F2H_DATA1_OFFSET),
                          regs_.stored(R::F2H_DATA2_OFFSET)};
      ++replies_;
      reply_event_.notify(sc_core::SC_ZERO_TIME);
    }
    if (off == R::EXIT_OFFSET && (mask & (R::EXIT_CODE_MASK << R::EXIT_CODE_LSB)) && !exit_code_) {
      exit_code_ = static_cast<int>((value >> R::EXIT_CODE_LSB) & R::EXIT_CODE_MASK);
      exit_event_.notify(sc_core::SC_ZERO_TIME);
      if (on_exit_) on_exit_(*exit_code_);
    }
  });
  SC_METHOD(update);
  sensitive << changed_;
}

bool MgmtMailbox::pending() const { return regs_.stored(R::H2F_DOORBELL_OFFSET) & 1; }

uint32_t MgmtMailbox::scratch() const { return regs_.stored(R::SCRATCH_OFFSET); }

void MgmtMailbox::post(uint8_t cmd, uint32_t arg0, uint32_t arg1, uint32_t arg2) {
  if (pending())
    throw std::logic_error(std::string(name()) +
                           ": post() while the previous message is still pending");
  ++seq_;
  h2f_ = {(uint32_t{cmd} << R::H2F_CMD_CMD_LSB) | (uint32_t{seq_} << R::H2F_CMD_SEQ_LSB), arg0,
          arg1, arg2};
  regs_.hw_set(R::H2F_DOORBELL_OFFSET, 1u << R::H2F_DOORBELL_PENDING_LSB);
  changed_.notify(sc_core::SC_ZERO_TIME);
}

bool MgmtMailbox::wait_reply(MailboxReply& r, const sc_core::sc_time& timeout) {
  if (exit_code_) return false;
  const uint32_t before = replies_;
  sc_core::wait(timeout, reply_event_ | exit_event_);
  if (replies_ == before) return false;
  r = last_reply_;
  return true;
}

bool MgmtMailbox::call(MailboxReply& r, uint8_t cmd, uint32_t arg0, uint32_t arg1, uint32_t arg2,
                       const sc_core::sc_time& timeout) {
  post(cmd, arg0, arg1, arg2);
  return wait_reply(r, timeout);
}

void MgmtMailbox::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const CsrAccess a = serve_csr(regs_, gp, R::ADDR_BITS, delay, cfg_.latency);
  if (a.ok && a.write) changed_.notify(delay);
}

unsigned MgmtMailbox::transport_dbg(tlm::tlm_generic_payload& gp) { return debug_csr(regs_, gp); }

void MgmtMailbox::update() {
  irq_o.write(pending() && (regs_.stored(R::IRQ_ENABLE_OFFSET) & (1u << R::IRQ_ENABLE_H2F_LSB)));
}

}  // namespace trnsim::mgmt
