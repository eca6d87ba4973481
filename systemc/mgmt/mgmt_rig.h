// MgmtRig: a management test rig without the full chip (docs/firmware.md,
// "The management rig"): the management subsystem, one tensor engine and one
// DMA engine of a fidelity chosen at run time (cosim/blocks.h: tlm, rtl or
// lockstep), a tensor stream port, and device memory, all in the subsystem's
// external window at the management-view addresses of mgmt_map.h:
//
// the chip's core 0 (MGMT_CORE_BASE(0)) and HBM windows look the same:
//
//   MGMT_TENSOR_CSR_BASE    tensor engine CSR port        (irq -> intc source MGMT_IRQ_TENSOR)
//   MGMT_DMA_CSR_BASE       DMA engine CSR port           (irq -> intc source MGMT_IRQ_DMA)
//   MGMT_STREAM_BASE        RigStreamPort -> tensor stream socket
//   MGMT_TENSOR_RESULT_BASE result window (64 KiB Memory): the tensor result
//                           rows land at + row x COLS x 4
//   MGMT_DEVMEM_BASE        device memory (1 MiB Memory) = HBM 0 .. 1 MiB of the
//                           chip: the DMA's AXI master reaches it at the chip
//                           addresses (MGMT_TO_CHIP: offset x = address x)
//
//          core -> MgmtSubsystem router -> ext -> rig bus -+-> tensor.csr
//                                                          +-> dma.csr
//                                                          +-> stream port -> tensor.stream
//                                                          +-> result fan-in port 0 -+-> results
//                                      tensor.result ------> result fan-in port 1 ---+
//                                                          +-> fan-in port 0 -+
//                                      dma.mem ------------> fan-in port 1 ---+-> devmem
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
#include "mgmt/stream_port.h"
#include "mgmt/mgmt_subsystem.h"

namespace trnsim::mgmt {

// The rig's stream port is the shared TensorStreamPort (mgmt/stream_port.h;
// the chip's NeuronCore has one per core too).
using RigStreamPort = TensorStreamPort;

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
  // rtl/lockstep engines write <wave_dir>/<rig>.tensor.fst and .dma.fst ("": none;
  // overrides blocks.wave.path).
  std::string wave_dir;
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
  Memory& devmem() { return devmem_; }    // offset x = chip (DMA) address x
  Memory& results() { return results_; }  // the tensor result window
  RigStreamPort& stream_port() { return stream_; }
  const MgmtRigConfig& config() const { return cfg_; }

 private:
  MgmtRigConfig cfg_;
  MgmtSubsystem mgmt_;
  std::unique_ptr<tensor::TensorBlock> tensor_;
  std::unique_ptr<dma::DmaBlock> dma_;
  MgmtRouter bus_;
  RigStreamPort stream_;
  RigFanIn fanin_, result_fanin_;
  Memory devmem_, results_;
  sc_core::sc_signal<bool> tensor_irq_, dma_irq_;
};

}  // namespace trnsim::mgmt
