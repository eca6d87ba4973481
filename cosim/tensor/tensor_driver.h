// Cycle-by-cycle driver of a Verilated tensor engine: an AXI4-Lite master for
// its CSRs, feeders for the weight and activation streams, a sink for the
// result stream (optionally with seeded random back-pressure), and GEMM
// tiling on top. Everything runs concurrently, one clock at a time, the way
// the chip around the engine would drive it. Used by the RTL testbenches and
// by `trnsim gemm`.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/axil_agent.h"
#include "numerics/numerics.h"
#include "tensor/tensor_gemm_plan.h"
#include "tensor/tensor_rtl.h"

namespace trnsim::cosim {

// One command as programmed through CMD_CFG / CMD_SHAPE / CMD_PSUM
// (tensor/tensor_gemm_plan.h).
using TensorCmd = tensor::TensorCommand;

// Cycles from the AXI4-Lite W/AW handshake of a CSR write to the register
// START pulse inside the engine: one cycle in common_axil_reg_adapter, one
// in the generated CSR block (write-only fields are registered).
inline constexpr int64_t kStartDelay = 2;

struct ResultRow {
  uint64_t cycle = 0;  // cycle in which it was accepted
  uint16_t addr = 0;
  std::vector<uint32_t> data;
};

struct GemmRun {
  uint64_t cycles = 0;         // first command write to last result accepted
  uint64_t commands = 0;
  uint64_t busy_cycles = 0;    // BUSY_CYCLES counter
  uint64_t stall_cycles = 0;   // STALL_CYCLES counter
  uint64_t macs = 0;           // MACS counter (wraps at 2^32 in hardware)
};

class TensorDriver {
 public:
  explicit TensorDriver(std::unique_ptr<TensorRtl> rtl);
  ~TensorDriver();

  const TensorConfig& config() const { return rtl_->config(); }
  TensorRtl& rtl() { return *rtl_; }
  uint64_t cycle() const { return cycle_; }

  // Holds reset for a few cycles and clears all queues.
  void reset();

  // Result-stream back-pressure: each cycle res_ready is high with the given
  // probability (1.0 = always). Seeded: the same seed gives the same cycles.
  void set_result_backpressure(double ready_probability, uint64_t seed);
  // Gaps on the input streams: each cycle valid is offered with this probability.
  void set_input_gaps(double valid_probability, uint64_t seed);

  // Blocking CSR access (the streams keep running while it waits).
  // Returns the AXI response code (0 OKAY, 2 SLVERR).
  uint32_t csr_read(uint32_t addr, uint8_t* resp = nullptr);
  uint8_t csr_write(uint32_t addr, uint32_t data, uint8_t strb = 0xF);

  // Non-blocking building blocks.
  void queue_weights(const std::vector<uint16_t>& row);  // cols lanes
  void queue_acts(const std::vector<uint16_t>& row);     // rows lanes
  // Programs the CMD registers that changed and writes CTRL.START. Returns
  // the cycle in which the START write completed its AW/W handshakes; the
  // engine sees the write kStartDelay cycles later. Pass expect_accept =
  // false for a command the engine is meant to refuse (it is then not
  // tracked as queued).
  uint64_t start_command(const TensorCmd& cmd, bool expect_accept = true);
  // Runs until no command is outstanding and every queued beat and result
  // has moved. Throws std::runtime_error if nothing moves for max_idle cycles.
  void run_until_idle(uint64_t max_idle = 100000);
  void run_cycles(uint64_t n);

  // Observations.
  std::vector<ResultRow>& results() { return results_; }
  const std::vector<uint64_t>& act_handshake_cycles() const { return act_hs_; }
  const std::vector<uint64_t>& weight_handshake_cycles() const { return w_hs_; }
  bool irq() const { return out_.irq; }

  // C[M][N] = A[M][K] x B[K][N] (+ C) on the engine: N in tiles of COLS,
  // K in passes of ROWS accumulated in PSUM, M in chunks of the PSUM depth.
  // Commands are queued as the command queue has room, so weight loads
  // overlap streaming. C holds FP32 bits.
  GemmRun gemm(std::size_t m, std::size_t k, std::size_t n, numerics::Dtype dta,
               const std::vector<uint16_t>& a, numerics::Dtype dtb,
               const std::vector<uint16_t>& b, std::vector<uint32_t>& c, bool accumulate);

 private:
  void tick();  // one clock cycle of every agent
  bool csr_busy() const { return csr_.busy(); }
  void wait_csr_idle(uint64_t max_cycles);
  void start_csr(bool write, uint32_t addr, uint32_t data = 0, uint8_t strb = 0xF);
  void throw_timeout(const std::string& what) const;

  std::unique_ptr<TensorRtl> rtl_;
  uint64_t cycle_ = 0;
  bool in_reset_ = false;
  TensorPinsIn in_;
  TensorPinsOut out_;

  AxilAgent csr_;  // the AXI4-Lite master on the CSR port

  std::deque<std::vector<uint32_t>> w_queue_, act_queue_;
  std::vector<uint64_t> w_hs_, act_hs_;
  std::vector<ResultRow> results_;

  double res_ready_p_ = 1.0, in_valid_p_ = 1.0;
  std::mt19937_64 res_rng_, in_rng_;
  bool w_offer_ = true, act_offer_ = true;

  // Cached CMD register values, to write only what changed.
  std::optional<uint32_t> cfg_cache_, shape_cache_, psum_cache_;
  uint64_t cmds_started_ = 0, cmds_with_stream_started_ = 0;
  std::deque<uint32_t> pending_rows_per_cmd_;  // rows left to see per started command
  uint64_t rows_left_in_stream_cmd_ = 0;
};

}  // namespace trnsim::cosim
