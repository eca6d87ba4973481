// The DMA engine as a TLM-2.0 block: the one interface its three forms share.
//
//   DmaTlm        (systemc/dma/dma_tlm.h)      fast C++ model
//   DmaRtlTlm     (cosim/dma/dma_rtl_tlm.h)    the Verilated RTL
//   DmaLockstep   (cosim/dma/dma_lockstep.h)   both, compared
//
// Sockets (TLM-2.0 base protocol, blocking transport, annotated delays):
//   csr  target     The AXI4-Lite CSR port (rtl/regs/dma.json): aligned 4-byte
//                   reads and writes, byte enables on writes = WSTRB.
//   mem  initiator  The AXI4 master port. One payload per AXI burst, issued
//                   when the address handshake (AR/AW) happens:
//                     address  AxADDR aligned down to the bus width
//                     length   (AxLEN + 1) x bus bytes (INCR, full-width beats)
//                     writes   the W beats' data; byte enables = WSTRB (the
//                              pointer is null when every strobe is set)
//                     reads    no byte enables
//                   Response: TLM_OK -> OKAY, TLM_ADDRESS_ERROR -> DECERR,
//                   any other error -> SLVERR (trnsim::tlm_to_axi). The
//                   annotated delay is when the response arrives: the first
//                   R beat / the B response, R beats then one per cycle.
//                   Reads and writes are compared per channel, in issue order.
//   irq  sc_out<bool>  the level interrupt irq_o.
//
// Time: each block runs at `period`; every delay it annotates is a whole
// number of its cycles; it may run ahead of SystemC time up to the global
// quantum (tlm::tlm_global_quantum).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <string>

namespace trnsim {
class TraceWriter;
}

namespace trnsim::dma {

struct DmaBlockConfig {
  std::string rtl_config = "q4_d256";  // configs/rtl_configs.json "dma" entry (rtl, lockstep)
  unsigned num_queues = 4;
  unsigned data_bits = 256;
  unsigned max_burst_beats = 16;
  unsigned max_outstanding = 8;
  sc_core::sc_time period = sc_core::sc_time(1, sc_core::SC_NS);
  unsigned data_bytes() const { return data_bits / 8; }
};

class DmaBlock : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<DmaBlock> csr;
  tlm_utils::simple_initiator_socket<DmaBlock> mem;
  sc_core::sc_out<bool> irq;

  const DmaBlockConfig& config() const { return cfg_; }
  virtual void set_trace(TraceWriter* t) { trace_ = t; }
  virtual const char* fidelity() const = 0;

 protected:
  DmaBlock(sc_core::sc_module_name name, const DmaBlockConfig& cfg)
      : sc_module(name), csr("csr"), mem("mem"), irq("irq"), cfg_(cfg) {
    csr.register_b_transport(this, &DmaBlock::csr_b_transport);
  }
  virtual void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) = 0;

  DmaBlockConfig cfg_;
  TraceWriter* trace_ = nullptr;
};

}  // namespace trnsim::dma
