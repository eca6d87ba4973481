// sc_spawn: the fast form's stream transaction runs in its own thread.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include "tensor/tensor_lockstep.h"

#include "common/trace.h"
#include "tensor/tensor_rtl_tlm.h"
#include "tensor_regs.hpp"

namespace trnsim::cosim {

using sc_core::sc_time;
namespace tr = regs::tensor;

// The RTL form holds its engine in reset for the first kResetCycles cycles
// (TensorRtlTlm::kResetCycles): a transaction requested earlier starts when
// reset ends. The fast form has no reset; it is shown the same start.
sc_time TensorLockstep::tlm_request_time(const sc_time& t_req) const {
  const sc_time out_of_reset = cfg_.period * static_cast<double>(TensorRtlTlm::kResetCycles);
  return t_req > out_of_reset ? t_req : out_of_reset;
}

TensorLockstep::TensorLockstep(sc_core::sc_module_name name, const tensor::TensorBlockConfig& cfg,
                               const Maker& make_rtl, const Maker& make_tlm)
    : TensorBlock(name, cfg),
      rtl_csr_("rtl_csr"),
      tlm_csr_("tlm_csr"),
      rtl_stream_("rtl_stream"),
      tlm_stream_("tlm_stream"),
      rtl_result_("rtl_result"),
      tlm_result_("tlm_result"),
      checker_(this->name(), cfg.period),
      irq_("irq_monitor", checker_, irq) {
  rtl_ = make_rtl("rtl", cfg);
  tlm_ = make_tlm("tlm", cfg);
  rtl_csr_.bind(rtl_->csr);
  tlm_csr_.bind(tlm_->csr);
  rtl_stream_.bind(rtl_->stream);
  tlm_stream_.bind(tlm_->stream);
  rtl_->result.bind(rtl_result_);
  tlm_->result.bind(tlm_result_);
  rtl_->irq.bind(irq_.rtl);
  tlm_->irq.bind(irq_.tlm);
  rtl_result_.register_b_transport(this, &TensorLockstep::rtl_result);
  tlm_result_.register_b_transport(this, &TensorLockstep::tlm_result);

}

void TensorLockstep::set_trace(TraceWriter* t) {
  trace_ = t;
  rtl_->set_trace(t);
  tlm_->set_trace(t);
}

void TensorLockstep::csr_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint32_t off = static_cast<uint32_t>(gp.get_address());
  const bool exact =
      !gp.is_read() || !csr_timing_dependent(tr::kRegisters, off, {tr::GEOMETRY_OFFSET});
  lockstep_csr_access(checker_, *rtl_csr_.operator->(), *tlm_csr_.operator->(), gp, delay, exact,
                      [this](const sc_time& t) { return tlm_request_time(t); });
}

void TensorLockstep::stream_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  // The two forms take the rows concurrently, from the same request time:
  // either may block until some other initiator (a START) lets its engine
  // take them, so running them one after the other could deadlock (the
  // second form's rows waiting for progress that needs this initiator's
  // next transaction) and would skew the second form's timing. The fast
  // form runs in a spawned thread; the caller waits for both.
  const sc_time t_req = sc_core::sc_time_stamp() + delay;
  PayloadCopy r(gp), t(gp);
  sc_time tlm_end;
  bool tlm_done = false;
  sc_core::sc_event tlm_done_ev;
  sc_core::sc_spawn(
      [&] {
        sc_time dt = delay_to(tlm_request_time(t_req));
        tlm_stream_->b_transport(t.gp(), dt);
        tlm_end = sc_core::sc_time_stamp() + dt;
        tlm_done = true;
        tlm_done_ev.notify();
      },
      sc_core::sc_gen_unique_name("tlm_stream"));
  sc_time dr = delay;
  rtl_stream_->b_transport(r.gp(), dr);
  const sc_time rtl_end = sc_core::sc_time_stamp() + dr;
  while (!tlm_done) sc_core::wait(tlm_done_ev);
  const bool act = gp.get_address() >= tensor::kActStreamAddr;
  checker_.compare_now(act ? "activation rows" : "weight rows", LockstepRecord::from(r.gp(), rtl_end),
                       LockstepRecord::from(t.gp(), tlm_end), true,
                       act ? "activation stream" : "weight stream");
  r.copy_response_to(gp);
  delay = delay_to(rtl_end);
}

void TensorLockstep::rtl_result(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const sc_time issued = sc_core::sc_time_stamp() + delay;
  result->b_transport(gp, delay);
  LockstepRecord rec = LockstepRecord::from(gp, issued);
  rec.status = tlm::TLM_OK_RESPONSE;  // the fast form never sees the real target's answer
  checker_.push(Side::kRtl, "result row", rec, "result row");
}

void TensorLockstep::tlm_result(tlm::tlm_generic_payload& gp, sc_time& delay) {
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  checker_.push(Side::kTlm, "result row", LockstepRecord::from(gp, sc_core::sc_time_stamp() + delay),
                "result row");
}

void TensorLockstep::end_of_simulation() { checker_.finish(); }

}  // namespace trnsim::cosim
