// Pin-level access to a Verilated tensor_engine of any prebuilt size.
//
// Each named configuration (configs/rtl_configs.json) is Verilated into its
// own C++ class; TensorRtl hides which one behind a small virtual interface so
// drivers, tests and the trnsim command are written once. Every instance owns
// its own VerilatedContext (no global Verilator state).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace trnsim::cosim {

struct TensorConfig {
  std::string name;         // e.g. "8x8"
  unsigned rows = 0;        // array rows (K extent of a tile)
  unsigned cols = 0;        // array columns (N extent of a tile)
  unsigned psum_depth = 0;  // PSUM rows
  unsigned cmd_depth = 0;   // command queue entries
};

// Values driven onto the engine's inputs for one cycle.
struct TensorPinsIn {
  bool rst_n = true;
  // AXI4-Lite
  bool awvalid = false, wvalid = false, bready = false, arvalid = false, rready = false;
  uint32_t awaddr = 0, wdata = 0, araddr = 0;
  uint8_t wstrb = 0xF;
  // streams; words hold 16-bit lanes two per word, lane 0 in the low half
  bool w_valid = false, act_valid = false, res_ready = false;
  std::vector<uint32_t> w_words, act_words;
};

// Values read back after the inputs settle (before the clock edge).
struct TensorPinsOut {
  bool awready = false, wready = false, bvalid = false, arready = false, rvalid = false;
  uint8_t bresp = 0, rresp = 0;
  uint32_t rdata = 0;
  bool w_ready = false, act_ready = false, res_valid = false, irq = false;
  // idle_o: nothing changes until an input handshake (rtl/tensor/tensor_engine.sv)
  bool idle = false;
  uint16_t res_addr = 0;
  std::vector<uint32_t> res_words;  // one FP32 lane per word
};

class TensorRtl {
 public:
  virtual ~TensorRtl() = default;
  virtual const TensorConfig& config() const = 0;
  // Apply inputs and settle combinational logic (clock low).
  virtual void set_inputs(const TensorPinsIn& in) = 0;
  virtual void get_outputs(TensorPinsOut& out) = 0;
  // One rising edge, then clock low again; dumps the waveform if open.
  virtual void clock() = 0;
  // FST waveform of every signal; throws std::runtime_error if the file
  // cannot be opened. The model must have been built with tracing.
  virtual void open_wave(const std::string& path) = 0;
  virtual void close_wave() = 0;
};

// Names of the prebuilt configurations, in configs/rtl_configs.json order.
std::vector<TensorConfig> tensor_rtl_configs();
// Throws std::invalid_argument naming the unknown configuration and the
// available ones.
std::unique_ptr<TensorRtl> make_tensor_rtl(const std::string& config_name);

}  // namespace trnsim::cosim
