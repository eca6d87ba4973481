#include "mgmt/mgmt_uart.h"

#include <iostream>
#include <stdexcept>

#include "mgmt/mgmt_device.h"
#include "uart_regs.hpp"

namespace trnsim::mgmt {

namespace R = trnsim::regs::uart;

MgmtUart::MgmtUart(sc_core::sc_module_name name, const MgmtUartConfig& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg), regs_(R::kRegisters) {
  if (!cfg_.console) cfg_.console = &std::cout;
  if (!cfg_.log_path.empty()) {
    log_.open(cfg_.log_path, std::ios::binary | std::ios::trunc);
    if (!log_) throw std::runtime_error("cannot open UART log file '" + cfg_.log_path + "'");
  }
  socket.register_b_transport(this, &MgmtUart::b_transport);
  socket.register_transport_dbg(this, &MgmtUart::transport_dbg);
  regs_.set_hw_in([](uint32_t off) -> uint32_t {
    return off == R::STATUS_OFFSET ? 1u << R::STATUS_TX_READY_LSB : 0;
  });
  regs_.set_on_write([this](uint32_t off, uint32_t value, uint32_t mask) {
    if (off == R::TXDATA_OFFSET && (mask & (R::TXDATA_DATA_MASK << R::TXDATA_DATA_LSB)))
      put(static_cast<char>((value >> R::TXDATA_DATA_LSB) & R::TXDATA_DATA_MASK));
  });
}

MgmtUart::~MgmtUart() { flush(); }

void MgmtUart::put(char c) {
  text_ += c;
  if (log_.is_open()) {
    log_.put(c);
    if (c == '\n') log_.flush();
  }
  if (c == '\r') return;
  if (c == '\n') {
    if (cfg_.echo) *cfg_.console << cfg_.prefix << line_ << '\n' << std::flush;
    line_.clear();
  } else {
    line_ += c;
  }
}

void MgmtUart::flush() {
  if (!line_.empty() && cfg_.echo) *cfg_.console << cfg_.prefix << line_ << '\n' << std::flush;
  line_.clear();
  if (log_.is_open()) log_.flush();
}

void MgmtUart::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  serve_csr(regs_, gp, R::ADDR_BITS, delay, cfg_.latency);
}

unsigned MgmtUart::transport_dbg(tlm::tlm_generic_payload& gp) { return debug_csr(regs_, gp); }

}  // namespace trnsim::mgmt
