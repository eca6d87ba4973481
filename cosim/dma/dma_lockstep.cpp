#include "dma/dma_lockstep.h"

#include "common/trace.h"
#include "dma_regs.hpp"

namespace trnsim::cosim {

using sc_core::sc_time;
namespace dr = regs::dma;

DmaLockstep::DmaLockstep(sc_core::sc_module_name name, const dma::DmaBlockConfig& cfg,
                         const Maker& make_rtl, const Maker& make_tlm)
    : DmaBlock(name, cfg),
      rtl_csr_("rtl_csr"),
      tlm_csr_("tlm_csr"),
      rtl_mem_("rtl_mem"),
      tlm_mem_("tlm_mem"),
      checker_(this->name(), cfg.period),
      irq_("irq_monitor", checker_, irq) {
  rtl_ = make_rtl("rtl", cfg);
  tlm_ = make_tlm("tlm", cfg);
  rtl_csr_.bind(rtl_->csr);
  tlm_csr_.bind(tlm_->csr);
  rtl_->mem.bind(rtl_mem_);
  tlm_->mem.bind(tlm_mem_);
  rtl_->irq.bind(irq_.rtl);
  tlm_->irq.bind(irq_.tlm);
  rtl_mem_.register_b_transport(this, &DmaLockstep::rtl_mem);
  tlm_mem_.register_b_transport(this, &DmaLockstep::tlm_mem);

}

void DmaLockstep::set_trace(TraceWriter* t) {
  trace_ = t;
  rtl_->set_trace(t);
  tlm_->set_trace(t);
}

void DmaLockstep::csr_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  // The RTL first: the fast form's memory accesses wait for the RTL's.
  const uint32_t off = static_cast<uint32_t>(gp.get_address());
  const bool exact =
      !gp.is_read() || !csr_timing_dependent(dr::kRegisters, off, {dr::CONFIG_OFFSET});
  lockstep_csr_access(checker_, *rtl_csr_.operator->(), *tlm_csr_.operator->(), gp, delay, exact);
}

namespace {
// What is compared of a memory burst: command, address, length, byte
// enables and the data of a write (a read's data is the memory's answer).
LockstepRecord burst_record(const tlm::tlm_generic_payload& gp, const sc_time& issued) {
  LockstepRecord rec = LockstepRecord::from(gp, issued);
  rec.status = tlm::TLM_OK_RESPONSE;
  if (gp.is_read()) std::fill(rec.data.begin(), rec.data.end(), 0);
  return rec;
}
}  // namespace

void DmaLockstep::rtl_mem(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const sc_time issued = sc_core::sc_time_stamp() + delay;
  const int ch = gp.is_write() ? 1 : 0;
  checker_.push(Side::kRtl, ch ? "write burst" : "read burst", burst_record(gp, issued),
                ch ? "write burst" : "read burst");
  mem->b_transport(gp, delay);
  Response r;
  r.status = gp.get_response_status();
  if (gp.is_read()) r.data.assign(gp.get_data_ptr(), gp.get_data_ptr() + gp.get_data_length());
  const sc_time done = sc_core::sc_time_stamp() + delay;
  r.latency = done > issued ? done - issued : sc_core::SC_ZERO_TIME;
  responses_[ch].push_back(std::move(r));
  ++rtl_count_[ch];
  rtl_issued_.notify(sc_core::SC_ZERO_TIME);
}

void DmaLockstep::tlm_mem(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const int ch = gp.is_write() ? 1 : 0;
  const uint64_t n = tlm_count_[ch]++;
  const sc_time issued = sc_core::sc_time_stamp() + delay;
  checker_.push(Side::kTlm, ch ? "write burst" : "read burst", burst_record(gp, issued),
                ch ? "write burst" : "read burst");
  // Wait for the RTL's counterpart (it answers this one).
  while (rtl_count_[ch] <= n && !checker_.diverged()) {
    if (sc_core::sc_get_current_process_handle().proc_kind() != sc_core::SC_THREAD_PROC_) {
      checker_.diverge("fast-form memory access", "  the fast form issued a memory access from a "
                                                  "method process; lockstep needs a thread");
      gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    sc_core::wait(rtl_issued_);
  }
  if (checker_.diverged() || responses_[ch].empty()) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  const Response r = std::move(responses_[ch].front());
  responses_[ch].pop_front();
  gp.set_response_status(r.status);
  if (gp.is_read() && r.data.size() == gp.get_data_length())
    std::copy(r.data.begin(), r.data.end(), gp.get_data_ptr());
  // Answered after the RTL's latency, counted from this form's own issue time
  // (SystemC time may have moved while waiting).
  const sc_time done = issued + r.latency;
  const sc_time now = sc_core::sc_time_stamp();
  delay = done > now ? done - now : sc_core::SC_ZERO_TIME;
}

void DmaLockstep::end_of_simulation() { checker_.finish(); }

}  // namespace trnsim::cosim
