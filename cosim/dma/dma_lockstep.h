// The DMA engine in lockstep: the RTL form and the fast form receive the
// same CSR accesses. The RTL form's memory traffic goes to the real memory;
// the fast form's is compared with it burst by burst, per channel (reads,
// writes) in issue order, and answered with the RTL's responses: the read
// data and response the RTL got, after the same memory latency. So both
// forms see the same memory whatever order they run in. Interrupt levels
// and CSR reads are compared too (cosim/common/lockstep.h).
//
// The fast form's memory accesses must come from an SC_THREAD: each waits
// until the RTL form has issued its counterpart.
#pragma once

#include <functional>
#include <memory>

#include "common/lockstep.h"
#include "dma/dma_block.h"

namespace trnsim::cosim {

class DmaLockstep : public dma::DmaBlock {
 public:
  using Maker = std::function<std::unique_ptr<dma::DmaBlock>(const char* name,
                                                             const dma::DmaBlockConfig& cfg)>;
  DmaLockstep(sc_core::sc_module_name name, const dma::DmaBlockConfig& cfg, const Maker& make_rtl,
              const Maker& make_tlm);

  const char* fidelity() const override { return "lockstep"; }
  void set_trace(TraceWriter* t) override;

  LockstepChecker& checker() { return checker_; }
  dma::DmaBlock& rtl_form() { return *rtl_; }
  dma::DmaBlock& tlm_form() { return *tlm_; }

 protected:
  void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) override;

 private:
  struct Response {
    tlm::tlm_response_status status;
    std::vector<uint8_t> data;  // reads
    sc_core::sc_time latency;   // response time - issue time
  };
  void rtl_mem(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void tlm_mem(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void end_of_simulation() override;

  std::unique_ptr<dma::DmaBlock> rtl_, tlm_;
  tlm_utils::simple_initiator_socket<DmaLockstep> rtl_csr_, tlm_csr_;
  tlm_utils::simple_target_socket<DmaLockstep> rtl_mem_, tlm_mem_;
  LockstepChecker checker_;
  LockstepIrq irq_;
  // The RTL's responses not yet used by the fast form, per channel (0 read, 1 write).
  std::deque<Response> responses_[2];
  uint64_t rtl_count_[2] = {0, 0}, tlm_count_[2] = {0, 0};
  sc_core::sc_event rtl_issued_;
};

}  // namespace trnsim::cosim
