// A functional "host memory + DMA" harness: runs a Kernel end to end on the
// functional interpreter (isa::run or an equivalent loop with delayed DMA
// completion) before the timed chip model exists. HBM is a flat byte array
// at chip address 0; DMA requests are executed by decoding their descriptors
// from that HBM and copying bytes between HBM and the core's SBUF/PSUM
// (chip/chip_map.h addresses).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "isa/semantics.h"
#include "kernels/kernels.h"

namespace trnsim::kernels {

// Simulated HBM: `size` bytes at chip address 0, zero-initialised.
class HostMemory {
 public:
  explicit HostMemory(uint64_t size) : bytes_(size, 0) {}
  uint64_t size() const { return bytes_.size(); }
  // Throws std::out_of_range naming the range when [addr, addr+len) is outside.
  uint8_t* at(uint64_t addr, uint64_t len = 1);
  void write(uint64_t addr, const std::vector<uint8_t>& data);
  // Elements as raw bits of `dt` (2 bytes BF16, 1 FP8, 4 FP32/INT32), little-endian.
  void write_elems(uint64_t addr, Dtype dt, const std::vector<uint32_t>& raw);
  std::vector<uint32_t> read_elems(uint64_t addr, Dtype dt, std::size_t count) const;

 private:
  std::vector<uint8_t> bytes_;
};

// Executes DMA requests functionally. Errors (a descriptor address outside
// HBM and the core's SBUF/PSUM, LEN or ROWS 0) throw std::runtime_error naming
// the queue, the descriptor and the address.
class FunctionalDma {
 public:
  FunctionalDma(HostMemory& hbm, unsigned core_index) : hbm_(hbm), core_(core_index) {}
  void execute(const isa::DmaRequest& req, isa::CoreState& st);  // moves data only
  uint64_t bytes_moved() const { return bytes_; }
  uint64_t descriptors_done() const { return descs_; }

 private:
  uint8_t* resolve(uint64_t addr, isa::CoreState& st);  // nullptr if unmapped
  HostMemory& hbm_;
  unsigned core_;
  uint64_t bytes_ = 0, descs_ = 0;
};

struct RunOptions {
  // 0: isa::run, every DMA done when issued. > 0: an own round-robin loop
  // (same engine order as isa::run) where a request completes `dma_latency`
  // rounds after it is issued (and after the previous request of its queue).
  unsigned dma_latency = 0;
  // With dma_latency > 0: move the data at issue (catches a missing wait
  // before a buffer is overwritten) instead of at completion (catches a read
  // before the data arrived).
  bool data_at_issue = false;
  uint64_t max_rounds = 50'000'000;
};

struct RunResult {
  uint64_t executed = 0;  // instructions
  uint64_t rounds = 0;    // interpreter rounds (a crude time: one instruction per engine per round)
  uint64_t dma_requests = 0, dma_descriptors = 0, dma_bytes = 0;
};

// Places the kernel's descriptors in HBM at k.desc_base, then runs it.
// Deadlocks and bad programs throw isa::IsaError (from isa::run, or with the
// same wording from the delayed loop).
RunResult run_kernel(const Kernel& k, isa::CoreState& st, HostMemory& hbm,
                     unsigned core_index = 0, const RunOptions& opt = {});

}  // namespace trnsim::kernels
