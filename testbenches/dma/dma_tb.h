// Helpers for the DMA engine testbenches: a scoreboard memory (the golden
// copy every transfer is applied to), seeded fills, and the bench that ties a
// DmaDriver to it.
#pragma once

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "dma/dma_driver.h"
#include "dma_regs.hpp"

namespace trnsim::tb::dma {

using cosim::DmaDesc;
using cosim::DmaDriver;
using cosim::DmaQueueSetup;
namespace regs = trnsim::regs::dma;

// Sparse golden memory with the same page layout as Axi4Mem.
class GoldenMem {
 public:
  void write(uint64_t a, const uint8_t* d, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      auto& p = pages_[(a + i) & ~uint64_t{4095}];
      if (p.empty()) p.assign(4096, 0);
      p[(a + i) & 4095] = d[i];
    }
  }
  uint8_t at(uint64_t a) const {
    auto it = pages_.find(a & ~uint64_t{4095});
    return it == pages_.end() ? 0 : it->second[a & 4095];
  }
  // dst <- src, row by row, in order (the engine's semantics).
  void apply(const DmaDesc& d) {
    for (uint32_t r = 0; r < d.rows; ++r) {
      std::vector<uint8_t> row(d.len);
      for (uint32_t i = 0; i < d.len; ++i) row[i] = at(d.src + uint64_t{r} * d.src_stride + i);
      write(d.dst + uint64_t{r} * d.dst_stride, row.data(), row.size());
    }
  }
  void write32(uint64_t a, uint32_t v) {
    uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
    write(a, b, 4);
  }
  // Empty string if equal, else the first differing addresses.
  std::string compare(const cosim::Axi4Mem& mem) const {
    std::ostringstream os;
    int shown = 0;
    auto check_page = [&](uint64_t base) {
      for (uint64_t i = 0; i < 4096 && shown < 8; ++i) {
        uint8_t m;
        mem.read(base + i, &m, 1);
        const uint8_t g = at(base + i);
        if (m != g) {
          os << " 0x" << std::hex << (base + i) << ": got 0x" << unsigned(m) << " want 0x"
             << unsigned(g) << std::dec << ";";
          ++shown;
        }
      }
    };
    for (const auto& [base, p] : pages_) check_page(base);
    for (const auto& [base, p] : mem.pages()) {
      if (!pages_.count(base)) check_page(base);
    }
    return os.str();
  }

 private:
  std::unordered_map<uint64_t, std::vector<uint8_t>> pages_;
};

// A Verilated DMA engine for a test. With TRNSIM_WAVE_DIR set it writes
// <dir>/dma_<test>_<config>_<seed>.fst, so a failing test can be opened in
// GTKWave (see the README).
inline std::unique_ptr<cosim::DmaRtl> make_test_rtl(const std::string& cfg, uint64_t seed) {
  auto rtl = cosim::make_dma_rtl(cfg);
  if (const char* dir = std::getenv("TRNSIM_WAVE_DIR"); dir && *dir) {
    std::string name = Catch::getResultCapture().getCurrentTestName();
    for (char& ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    rtl->open_wave(std::string(dir) + "/dma_" + name + "_" + cfg + "_" + std::to_string(seed) +
                   ".fst");
  }
  return rtl;
}

// A DmaDriver and its golden memory; every backdoor write goes to both.
struct Bench {
  DmaDriver drv;
  GoldenMem gold;
  std::mt19937_64 rng;

  Bench(const std::string& cfg, const cosim::Axi4MemConfig& mem, uint64_t seed)
      : drv(make_test_rtl(cfg, seed), mem), rng(seed) {}

  void fill_random(uint64_t a, std::size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    drv.mem().write(a, v.data(), n);
    gold.write(a, v.data(), n);
  }
  // The descriptors as the ring will hold them (mirrors DmaDriver::push).
  void mirror_ring(unsigned q, const DmaQueueSetup& s, const std::vector<DmaDesc>& ds) {
    uint32_t t = drv.sw_tail(q);
    for (const auto& d : ds) {
      const auto b = d.encode();
      gold.write(s.ring_base + uint64_t{t} * regs::DESC_SIZE, b.data(), b.size());
      t = (t + 1) % s.entries;
    }
  }
  // Push (with mirror) and record the expected effects of success.
  void push_expect_ok(unsigned q, const DmaQueueSetup& s, const std::vector<DmaDesc>& ds) {
    mirror_ring(q, s, ds);
    uint32_t t = drv.sw_tail(q);
    for (const auto& d : ds) {
      gold.apply(d);
      if (d.cpl) {
        gold.write32(s.cpl_base + 4ull * t,
                     (1u << regs::CPL_WORD_DONE_LSB) | (uint32_t{d.last} << regs::CPL_WORD_LAST_LSB) |
                         (t << regs::CPL_WORD_INDEX_LSB));
      }
      t = (t + 1) % s.entries;
    }
    drv.push_many(q, ds);
  }
  uint32_t intr_state() { return drv.csr_read(regs::INTR_STATE_OFFSET); }
};

}  // namespace trnsim::tb::dma
