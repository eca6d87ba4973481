// The tensor engine in lockstep: the RTL form and the fast form receive the
// same CSR accesses and stream rows; the RTL form's responses, result rows
// and interrupt drive the system, and the fast form's are compared with
// them (cosim/common/lockstep.h). See docs/debugging.md.
#pragma once

#include <functional>
#include <memory>

#include "common/lockstep.h"
#include "tensor/tensor_block.h"

namespace trnsim::cosim {

class TensorLockstep : public tensor::TensorBlock {
 public:
  using Maker = std::function<std::unique_ptr<tensor::TensorBlock>(
      const char* name, const tensor::TensorBlockConfig& cfg)>;

  // make_rtl / make_tlm build the two forms (as children of this module).
  TensorLockstep(sc_core::sc_module_name name, const tensor::TensorBlockConfig& cfg,
                 const Maker& make_rtl, const Maker& make_tlm);

  const char* fidelity() const override { return "lockstep"; }
  void set_trace(TraceWriter* t) override;

  LockstepChecker& checker() { return checker_; }
  tensor::TensorBlock& rtl_form() { return *rtl_; }
  tensor::TensorBlock& tlm_form() { return *tlm_; }

 protected:
  void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;
  void stream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;

 private:
  void rtl_result(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void tlm_result(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void end_of_simulation() override;
  sc_core::sc_time tlm_request_time(const sc_core::sc_time& t_req) const;

  std::unique_ptr<tensor::TensorBlock> rtl_, tlm_;
  tlm_utils::simple_initiator_socket<TensorLockstep> rtl_csr_, tlm_csr_, rtl_stream_, tlm_stream_;
  tlm_utils::simple_target_socket<TensorLockstep> rtl_result_, tlm_result_;
  LockstepChecker checker_;
  LockstepIrq irq_;
};

}  // namespace trnsim::cosim
