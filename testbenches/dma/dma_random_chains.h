// The DMA engine's random descriptor-chain workload, shared by the fast
// model's tests (test_dma_tlm.cpp) and the fidelity suites
// (testbenches/cosim/test_dma_fidelity.cpp): the memory layout (source
// region, per-queue destination regions, rings, completion records), random
// 1-D and 2-D unaligned descriptors inside the windows, and the plain C++
// copy they are checked against.
#pragma once

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "dma_regs.hpp"
#include "dma_tlm_tb.h"

namespace trnsim::dma::tb::chains {

namespace dr = trnsim::regs::dma;

inline constexpr uint64_t kMemSize = 4 << 20;
inline constexpr uint64_t kSrc = 0x100000, kSrcEnd = 0x200000;
inline uint64_t dst_region(unsigned q) { return 0x200000 + q * 0x80000; }
inline uint64_t ring_of(unsigned q) { return 0x1000 * (q + 1); }
inline uint64_t cpl_of(unsigned q) { return 0x8000 + 0x400 * q; }

inline DmaTbConfig tb_config(unsigned latency, unsigned jitter = 0, uint64_t seed = 1) {
  DmaTbConfig c;
  c.mem.size = kMemSize;
  c.mem.latency = sc_core::sc_time(latency, sc_core::SC_NS);
  c.mem.jitter_max = sc_core::sc_time(jitter, sc_core::SC_NS);
  c.mem.seed = seed;
  return c;
}

inline QueueSetup std_queue(unsigned q, uint32_t entries = 64) {
  QueueSetup s;
  s.ring_base = ring_of(q);
  s.entries = entries;
  s.cpl_base = cpl_of(q);
  s.windows[0] = {kSrc, kSrcEnd};
  s.windows[1] = {dst_region(q), dst_region(q) + 0x80000};
  return s;
}

inline void fill_random(std::vector<uint8_t>& m, uint64_t a, uint64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (uint64_t i = 0; i < n; ++i) m[a + i] = static_cast<uint8_t>(rng());
}

inline void golden_apply(std::vector<uint8_t>& m, const Desc& d) {
  for (uint32_t r = 0; r < d.rows; ++r) {
    std::vector<uint8_t> row(m.begin() + d.src + uint64_t{r} * d.src_stride,
                             m.begin() + d.src + uint64_t{r} * d.src_stride + d.len);
    std::copy(row.begin(), row.end(), m.begin() + d.dst + uint64_t{r} * d.dst_stride);
  }
}

inline void golden_cpl(std::vector<uint8_t>& m, unsigned q, uint32_t index, bool last) {
  const uint32_t v = index << dr::CPL_WORD_INDEX_LSB | uint32_t(last) << dr::CPL_WORD_LAST_LSB | 1;
  for (int i = 0; i < 4; ++i) m[cpl_of(q) + 4 * index + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Random descriptors for queue q: 1-D and 2-D, unaligned, inside the windows.
inline std::vector<Desc> random_descs(std::mt19937_64& rng, unsigned q, unsigned n, unsigned B) {
  std::vector<Desc> ds;
  auto u = [&](uint64_t lo, uint64_t hi) { return std::uniform_int_distribution<uint64_t>(lo, hi)(rng); };
  for (unsigned i = 0; i < n; ++i) {
    Desc d;
    if (u(0, 2) == 0) {
      d.rows = static_cast<uint32_t>(u(2, 8));
      d.len = static_cast<uint32_t>(u(1, 300));
      d.src_stride = d.len + static_cast<uint32_t>(u(0, 3 * B));
      d.dst_stride = d.len + static_cast<uint32_t>(u(0, 3 * B));
    } else {
      d.len = static_cast<uint32_t>(u(0, 9) == 0 ? u(4000, 20000) : u(1, 2000));
    }
    const uint64_t sspan = uint64_t{d.rows - 1} * d.src_stride + d.len;
    const uint64_t dspan = uint64_t{d.rows - 1} * d.dst_stride + d.len;
    d.src = kSrc + u(0, (kSrcEnd - kSrc) - sspan);
    d.dst = dst_region(q) + u(0, 0x80000 - dspan);
    d.cpl = u(0, 1);
    ds.push_back(d);
  }
  return ds;
}

inline std::string first_diff(const std::vector<uint8_t>& want, const Memory& mem) {
  std::vector<uint8_t> got(want.size());
  mem.read_bytes(0, got.data(), got.size());
  for (size_t i = 0; i < want.size(); ++i)
    if (want[i] != got[i]) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "first difference at 0x%zx: expected %02x, got %02x", i, want[i], got[i]);
      return buf;
    }
  return "";
}

}  // namespace trnsim::dma::tb::chains
