// Pin-level access to a Verilated dma_engine of any prebuilt configuration.
//
// Each named configuration ("dma" in configs/rtl_configs.json) is Verilated
// into its own class; DmaRtl hides which one behind a small virtual
// interface, so the driver, the tests and later the trnsim command are
// written once. Every instance owns its own VerilatedContext.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/axi4_mem.h"

namespace trnsim::cosim {

struct DmaConfig {
  std::string name;              // e.g. "q4_d256"
  unsigned num_queues = 0;       // NumQueues
  unsigned data_bits = 0;        // DataBits of the AXI4 master
  unsigned max_burst_beats = 0;  // MaxBurstBeats
  unsigned max_outstanding = 0;  // MaxOutstanding
  unsigned data_bytes() const { return data_bits / 8; }
};

// Values driven onto the engine's inputs for one cycle.
struct DmaPinsIn {
  bool rst_n = true;
  // AXI4-Lite CSR slave
  bool awvalid = false, wvalid = false, bready = false, arvalid = false, rready = false;
  uint32_t awaddr = 0, wdata = 0, araddr = 0;
  uint8_t wstrb = 0xF;
  // AXI4 master port: what the slave (memory) drives
  Axi4SlaveOut mem;
};

// Values read back after the inputs settle (before the clock edge).
struct DmaPinsOut {
  bool awready = false, wready = false, bvalid = false, arready = false, rvalid = false;
  uint8_t bresp = 0, rresp = 0;
  uint32_t rdata = 0;
  Axi4MasterOut mem;
  bool irq = false;
  // idle_o: nothing changes until an input arrives (rtl/dma/dma_engine.sv)
  bool idle = false;
};

class DmaRtl {
 public:
  virtual ~DmaRtl() = default;
  virtual const DmaConfig& config() const = 0;
  virtual void set_inputs(const DmaPinsIn& in) = 0;   // apply and settle (clock low)
  virtual void get_outputs(DmaPinsOut& out) = 0;
  virtual void clock() = 0;                           // one rising edge, clock low again
  virtual void open_wave(const std::string& path) = 0;  // FST of every signal
  virtual void close_wave() = 0;
};

// The prebuilt configurations, in configs/rtl_configs.json order.
std::vector<DmaConfig> dma_rtl_configs();
// Throws std::invalid_argument naming the unknown configuration and the built ones.
std::unique_ptr<DmaRtl> make_dma_rtl(const std::string& config_name);

}  // namespace trnsim::cosim
