// The chip's physical address map (64-bit), shared by the interconnect, the
// cores, the DMA engines, firmware tools and tests. docs/chip.md has the table.
//
//   0x0000_0000_0000 .. HBM capacity         HBM (all stacks, interleaved)
//   0x0100_0000_0000 + c x 0x0010_0000_0000  NeuronCore c (c = 0 .. cores-1):
//       + 0x0000_0000  SBUF: partition p at p x kSbufPartitionStride (128 partitions)
//       + 0x4000_0000  PSUM: partition p at p x kPsumPartitionStride
//       + 0x8000_0000  core control registers (rtl/regs/core.json), 4 KiB
//       + 0x8001_0000  tensor engine CSRs (rtl/regs/tensor.json), 4 KiB
//       + 0x8002_0000  DMA engine d CSRs at + d x 0x1000 (rtl/regs/dma.json)
//       + 0x8003_0000  tensor stream port for the management core (mgmt_map.h MGMT_STREAM_*), 4 KiB
//       + 0x8004_0000  tensor result window for the management core, 64 KiB
//   0x0200_0000_0000 + l x 0x1_0000          chip-to-chip link endpoint l registers
// Anything else answers TLM_ADDRESS_ERROR_RESPONSE.
#pragma once

#include <cstdint>

namespace trnsim::chip {

inline constexpr uint64_t kHbmBase = 0x0000'0000'0000ull;
inline constexpr uint64_t kCoreBase = 0x0100'0000'0000ull;
inline constexpr uint64_t kCoreStride = 0x0010'0000'0000ull;
inline constexpr uint64_t kSbufOffset = 0x0000'0000ull;
inline constexpr uint64_t kSbufPartitionStride = 0x10'0000ull;  // 1 MiB (>= any preset's partition)
inline constexpr uint64_t kPsumOffset = 0x4000'0000ull;
inline constexpr uint64_t kPsumPartitionStride = 0x1'0000ull;   // 64 KiB (>= 16 KiB PSUM partition)
inline constexpr uint64_t kCoreCtrlOffset = 0x8000'0000ull;
inline constexpr uint64_t kTensorCsrOffset = 0x8001'0000ull;
inline constexpr uint64_t kDmaCsrOffset = 0x8002'0000ull;
inline constexpr uint64_t kDmaCsrStride = 0x1000ull;
inline constexpr uint64_t kCsrWindow = 0x1000ull;
// The management core's way to the tensor block while the core runs no
// MATMUL (firmware self-test; systemc/mgmt/mgmt_map.h MGMT_CORE_STREAM/RESULT):
inline constexpr uint64_t kMgmtStreamOffset = 0x8003'0000ull;
inline constexpr uint64_t kMgmtResultOffset = 0x8004'0000ull;
inline constexpr uint64_t kMgmtResultBytes = 0x1'0000ull;
inline constexpr uint64_t kLinkBase = 0x0200'0000'0000ull;
inline constexpr uint64_t kLinkStride = 0x1'0000ull;

constexpr uint64_t core_base(unsigned core) { return kCoreBase + core * kCoreStride; }
constexpr uint64_t sbuf_addr(unsigned core, unsigned partition, uint64_t offset) {
  return core_base(core) + kSbufOffset + partition * kSbufPartitionStride + offset;
}
constexpr uint64_t psum_addr(unsigned core, unsigned partition, uint64_t offset) {
  return core_base(core) + kPsumOffset + partition * kPsumPartitionStride + offset;
}

}  // namespace trnsim::chip
