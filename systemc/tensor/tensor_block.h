// The tensor engine as a TLM-2.0 block: the one interface that its three
// forms share, so the chip and the testbenches are written once.
//
//   TensorTlm        (systemc/tensor/tensor_tlm.h)   fast C++ model
//   TensorRtlTlm     (cosim/tensor/tensor_rtl_tlm.h) the Verilated RTL
//   TensorLockstep   (cosim/tensor/tensor_lockstep.h) both, compared
//
// Sockets (all TLM-2.0 base protocol, blocking transport, annotated delays):
//   csr     target     The AXI4-Lite CSR port: aligned 4-byte reads and
//                      writes at offsets 0 .. 2^ADDR_BITS-1 (rtl/regs/tensor.json),
//                      byte enables on writes = WSTRB. SLVERR ->
//                      TLM_GENERIC_ERROR_RESPONSE; other shapes are refused
//                      before they reach the block (trnsim::decode_csr).
//   stream  target     The weight and activation streams. A write of n whole
//                      rows at kWeightStreamAddr (n x COLS 16-bit lanes) or
//                      kActStreamAddr (n x ROWS lanes), lane 0 first, little
//                      endian. The rows are offered one per cycle from the
//                      request time; the call returns with the delay up to
//                      the cycle after the last row's handshake (valid/ready).
//                      Reads, other addresses and partial rows are refused
//                      (TLM_COMMAND/ADDRESS/BURST_ERROR_RESPONSE).
//   result  initiator  Each result row the engine emits, as one write of
//                      COLS FP32 lanes (COLS x 4 bytes) at address
//                      psum_row x COLS x 4, in emission order. The target's
//                      annotated delay back-pressures the result stream
//                      (ready low until then). An error response is reported
//                      (SC_REPORT_ERROR naming the block and row): the RTL's
//                      result stream has no error path.
//   irq     sc_out<bool>  the level interrupt irq_o.
//
// Time: each block runs at `period`; every delay it annotates is a whole
// number of its cycles. A block may run ahead of SystemC time up to the
// global quantum (tlm::tlm_global_quantum).
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

namespace trnsim::tensor {

inline constexpr uint64_t kWeightStreamAddr = 0x0;
inline constexpr uint64_t kActStreamAddr = 0x100000;

struct TensorBlockConfig {
  std::string rtl_config = "4x4";  // configs/rtl_configs.json "tensor" entry (rtl, lockstep)
  unsigned rows = 4;
  unsigned cols = 4;
  unsigned psum_depth = 16;
  unsigned cmd_depth = 4;
  sc_core::sc_time period = sc_core::sc_time(1, sc_core::SC_NS);
};

class TensorBlock : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<TensorBlock> csr;
  tlm_utils::simple_target_socket<TensorBlock> stream;
  tlm_utils::simple_initiator_socket<TensorBlock> result;
  sc_core::sc_out<bool> irq;

  const TensorBlockConfig& config() const { return cfg_; }
  // Timeline output (nullptr: none). Tracks are created under this block's name.
  virtual void set_trace(TraceWriter* t) { trace_ = t; }
  // "rtl", "tlm" or "lockstep".
  virtual const char* fidelity() const = 0;

 protected:
  TensorBlock(sc_core::sc_module_name name, const TensorBlockConfig& cfg)
      : sc_module(name), csr("csr"), stream("stream"), result("result"), irq("irq"), cfg_(cfg) {
    csr.register_b_transport(this, &TensorBlock::csr_b_transport);
    stream.register_b_transport(this, &TensorBlock::stream_b_transport);
  }
  virtual void csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) = 0;
  virtual void stream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) = 0;

  TensorBlockConfig cfg_;
  TraceWriter* trace_ = nullptr;
};

}  // namespace trnsim::tensor
