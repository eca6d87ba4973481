// MgmtRig: a management test rig without the full chip (docs/firmware.md,
// "The management rig"): the management subsystem, one tensor engine and one
// DMA engine of a fidelity chosen at run time (cosim/blocks.h: tlm, rtl or
// lockstep), a tensor stream port, and device memory, all in the subsystem's
// external window at the management-view addresses of mgmt_map.h:
//
//   MGMT_TENSOR_CSR_BASE  tensor engine CSR port          (irq -> intc source MGMT_IRQ_TENSOR)
//   MGMT_DMA_CSR_BASE     DMA engine CSR port             (irq -> intc source MGMT_IRQ_DMA)
//   MGMT_STREAM_BASE      RigStreamPort -> tensor stream socket
//   MGMT_DEVMEM_BASE      device memory (trnsim::Memory); the DMA's AXI master
//                         reaches it at the same addresses; the tensor result
//                         rows land at MGMT_TENSOR_RESULT_BASE + row x COLS x 4
//
//          core -> MgmtSubsystem router -> ext -> rig bus -+-> tensor.csr
//                                                          +-> dma.csr
//                                                          +-> stream port -> tensor.stream
//                                                          +-> fan-in port 0 -+
//                                      dma.mem ------------> fan-in port 1 ---+-> devmem
//                                      tensor.result ------> fan-in port 2 ---+
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "blocks.h"
#include "mem/memory.h"
#include "mgmt/mgmt_router.h"
#include "mgmt/mgmt_subsystem.h"

namespace trnsim::mgmt {

// The tensor engine's streams as a register window (mgmt_map.h
// MGMT_STREAM_*): 32-bit writes of two 16-bit lanes each collect into rows;
// a complete row (COLS lanes for weights, ROWS lanes for activations) is
// forwarded as one write to the stream socket, with the writer's annotated
// delay (so the engine's back-pressure reaches the core). A refused row sets
// STATUS.ERROR; the write itself still answers OK (the firmware checks STATUS).
class RigStreamPort : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<RigStreamPort> target;
  tlm_utils::simple_initiator_socket<RigStreamPort> out;

  RigStreamPort(sc_core::sc_module_name name, unsigned rows, unsigned cols);
  uint64_t rows_fed() const { return rows_fed_; }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  void push(std::vector<uint16_t>& lanes, unsigned row_lanes, uint16_t lo, uint16_t hi,
            uint64_t stream_addr, sc_core::sc_time& delay);

  unsigned rows_, cols_;
  std::vector<uint16_t> weights_, acts_;
  bool error_ = false;
  uint32_t rows_fed_ = 0;
};

// Several initiators into one target, each port with its own address map:
// out address = in address - sub[port] + add[port]; below sub[port] is an
// address error. DMI is not offered (the memory behind is reached by
// b_transport); debug transport is forwarded.
class RigFanIn : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<RigFanIn> in;
  tlm_utils::simple_initiator_socket<RigFanIn> out;

  explicit RigFanIn(sc_core::sc_module_name name);
  // Call in the order of in.bind().
  void add_port(uint64_t sub, uint64_t add) { maps_.push_back({sub, add}); }

 private:
  struct Map {
    uint64_t sub, add;
  };
  bool translate(int port, tlm::tlm_generic_payload& gp, uint64_t& orig);
  void b_transport(int port, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  unsigned transport_dbg(int port, tlm::tlm_generic_payload& gp);
  bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  std::vector<Map> maps_;
};

struct MgmtRigConfig {
  MgmtSubsystemConfig mgmt{};
  cosim::BlockOptions blocks{};  // fidelity (and waves) of both engines
  std::string tensor_config = "4x4";   // configs/rtl_configs.json names
  std::string dma_config = "q4_d256";
  sc_core::sc_time block_period = sc_core::sc_time(1, sc_core::SC_NS);
};

class MgmtRig : public sc_core::sc_module {
 public:
  MgmtRig(sc_core::sc_module_name name, const MgmtRigConfig& cfg);

  MgmtSubsystem& mgmt() { return mgmt_; }
  tensor::TensorBlock& tensor() { return *tensor_; }
  dma::DmaBlock& dma() { return *dma_; }
  Memory& devmem() { return devmem_; }
  RigStreamPort& stream_port() { return stream_; }
  const MgmtRigConfig& config() const { return cfg_; }

 private:
  MgmtRigConfig cfg_;
  MgmtSubsystem mgmt_;
  std::unique_ptr<tensor::TensorBlock> tensor_;
  std::unique_ptr<dma::DmaBlock> dma_;
  MgmtRouter bus_;
  RigStreamPort stream_;
  RigFanIn fanin_;
  Memory devmem_;
  sc_core::sc_signal<bool> tensor_irq_, dma_irq_;
};

}  // namespace trnsim::mgmt
