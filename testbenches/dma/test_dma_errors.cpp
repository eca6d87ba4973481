// DMA engine error paths: each error code, the queue's stop state (code,
// address, interrupt), no bytes outside the descriptor's destination touched,
// then a queue reset and a successful transfer; other queues keep running.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "dma_tb.h"

using namespace trnsim::tb::dma;
using trnsim::cosim::AxiResp;
using trnsim::cosim::Axi4MemConfig;
using trnsim::cosim::dma_rtl_configs;
using Err = trnsim::regs::dma::ErrCode;

namespace {

constexpr uint64_t kRing = 0x0010'0000, kCpl = 0x0020'0000;
constexpr uint64_t kSrc = 0x4000'0000, kDst = 0x5000'0000, kArea = 0x0100'0000;

DmaQueueSetup queue_setup(unsigned q) {
  DmaQueueSetup s;
  s.ring_base = kRing + q * 0x1'0000ull;
  s.entries = 16;
  s.cpl_base = kCpl + q * 0x1'0000ull;
  s.windows[0] = {kSrc, kSrc + kArea};
  s.windows[1] = {kDst, kDst + kArea};
  return s;
}

Axi4MemConfig timing(uint64_t seed) {
  Axi4MemConfig m;
  m.seed = seed;
  m.read_latency = 4;
  m.write_latency = 3;
  m.ar_ready_p = m.aw_ready_p = m.w_ready_p = 0.8;
  m.r_valid_p = m.b_valid_p = 0.8;
  m.reorder = true;
  return m;
}

DmaDesc copy(uint64_t src_off, uint64_t dst_off, uint32_t len) {
  DmaDesc d;
  d.src = kSrc + src_off;
  d.dst = kDst + dst_off;
  d.len = len;
  d.irq = true;
  d.cpl = true;
  return d;
}

// After a failure: the queue stopped with code/address and its interrupt,
// and nothing but bytes of the failed descriptor's destination changed.
void expect_stopped(Bench& b, unsigned q, Err code, uint64_t addr_lo, uint64_t addr_hi,
                    const DmaDesc* failed) {
  const auto st = b.drv.wait_queue(q);
  CHECK(st.error);
  CHECK(st.code == static_cast<uint32_t>(code));
  CHECK(st.err_addr >= addr_lo);
  CHECK(st.err_addr <= addr_hi);
  CHECK(((b.intr_state() >> (regs::INTR_STATE_ERROR_LSB + q)) & 1) == 1);
  CHECK(b.drv.irq());
  // A failed descriptor may have written part of its destination: accept
  // exactly those bytes, anything else must match the golden copy.
  if (failed) {
    for (uint32_t r = 0; r < failed->rows; ++r) {
      const uint64_t a = failed->dst + uint64_t{r} * failed->dst_stride;
      const auto v = b.drv.mem().read_vec(a, failed->len);
      b.gold.write(a, v.data(), v.size());
    }
  }
  const std::string diff = b.gold.compare(b.drv.mem());
  if (!diff.empty()) FAIL("bytes outside the failed destination changed:" << diff);
  // a stopped queue does not run further descriptors
  CHECK(b.drv.mem().read32(queue_setup(q).cpl_base + 4ull * st.head) == 0);
}

// Reset the queue, clear its interrupt, run one good transfer.
void recover(Bench& b, unsigned q, uint64_t seed) {
  b.drv.mem().clear_errors();
  b.drv.reset_queue(q);
  b.drv.csr_write(regs::INTR_STATE_OFFSET, 1u << (regs::INTR_STATE_ERROR_LSB + q));
  const auto st0 = b.drv.queue_status(q);
  CHECK(!st0.error);
  CHECK(st0.head == 0);
  DmaDesc d = copy(0x80000 + seed % 64, 0x80000 + (seed * 7) % 64, 3000 + seed % 100);
  b.fill_random(d.src, d.len);
  b.push_expect_ok(q, queue_setup(q), {d});
  const auto st = b.drv.wait_queue(q);
  INFO("recovery transfer: code " << st.code << " address 0x" << std::hex << st.err_addr);
  CHECK(!st.error);
  CHECK(st.head == 1);
  const std::string diff = b.gold.compare(b.drv.mem());
  if (!diff.empty()) FAIL("after recovery:" << diff);
}

struct Case {
  const char* name;
  Err code;
};

}  // namespace

TEST_CASE("each error stops its queue with code and address then a queue reset recovers", "[dma][errors]") {
  // One configuration per run of the test case (GENERATE), so every SECTION
  // runs once per configuration.
  const auto all = dma_rtl_configs();
  std::vector<std::string> names;
  for (const auto& c : all) names.push_back(c.name);
  const std::string cfg_name = GENERATE_COPY(from_range(names));
  {
    const auto cfg = *std::find_if(all.begin(), all.end(),
                                   [&](const auto& c) { return c.name == cfg_name; });
    const uint64_t seed = 4242;
    std::printf("dma errors: config %s, seed %llu\n", cfg.name.c_str(),
                static_cast<unsigned long long>(seed));
    Bench b(cfg.name, timing(seed), seed);
    b.drv.csr_write(regs::INTR_ENABLE_OFFSET, 0xFu << regs::INTR_ENABLE_ERROR_LSB);
    const unsigned q = 0;
    auto s = queue_setup(q);
    b.drv.setup_queue(q, s);
    b.fill_random(kSrc, 0x20000);
    b.fill_random(kDst, 0x20000);

    SECTION("RING_CONFIG: ring base not a multiple of the descriptor size") {
      INFO(cfg.name);
      auto bad = s;
      bad.ring_base += 8;
      b.drv.setup_queue(q, bad);
      b.mirror_ring(q, bad, {copy(0, 0, 10)});
      b.drv.push(q, copy(0, 0, 10));
      expect_stopped(b, q, Err::RING_CONFIG, bad.ring_base, bad.ring_base, nullptr);
      b.drv.setup_queue(q, s, true);
      recover(b, q, 1);
    }
    SECTION("DESC_READ: descriptor fetch answered with DECERR") {
      INFO(cfg.name);
      b.drv.mem().add_error_range(s.ring_base, s.ring_base + 32, AxiResp::kDecErr, true, false);
      b.mirror_ring(q, s, {copy(0, 0, 10)});
      b.drv.push(q, copy(0, 0, 10));
      expect_stopped(b, q, Err::DESC_READ, s.ring_base, s.ring_base, nullptr);
      recover(b, q, 2);
    }
    SECTION("ZERO_LEN: LEN = 0 and ROWS = 0") {
      INFO(cfg.name);
      DmaDesc d = copy(0, 0, 0);
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::ZERO_LEN, s.ring_base, s.ring_base, nullptr);
      recover(b, q, 3);
      d = copy(0, 0, 10);
      d.rows = 0;
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::ZERO_LEN, s.ring_base + 32, s.ring_base + 32, nullptr);
      recover(b, q, 4);
    }
    SECTION("LEN_TOO_BIG") {
      INFO(cfg.name);
      DmaDesc d = copy(0, 0, 1u << 24);
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::LEN_TOO_BIG, s.ring_base, s.ring_base, nullptr);
      recover(b, q, 5);
    }
    SECTION("SRC_WINDOW and DST_WINDOW, 1-D and a 2-D shape whose last row leaves the window") {
      INFO(cfg.name);
      DmaDesc d = copy(0, 0, 64);
      d.src = kSrc - 1;  // one byte below the window
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::SRC_WINDOW, d.src, d.src, nullptr);
      recover(b, q, 6);
      d = copy(0, kArea - 64, 65);  // one byte past the end
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::DST_WINDOW, d.dst, d.dst, nullptr);
      recover(b, q, 7);
      d = copy(0, kArea - 0x10000, 100);
      d.rows = 3;
      d.src_stride = 100;
      d.dst_stride = 0x8000 - 10;  // row 2 ends at kArea + 80
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::DST_WINDOW, d.dst, d.dst, nullptr);
      recover(b, q, 8);
    }
    SECTION("READ_ERR: SLVERR in the middle of a long read") {
      INFO(cfg.name);
      DmaDesc d = copy(3, 0x1000 + 5, 0x10000);
      b.fill_random(d.src, d.len);
      const uint64_t bad = d.src + 0x8000;
      b.drv.mem().add_error_range(bad, bad + 1, AxiResp::kSlvErr, true, false);
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::READ_ERR, bad - 256 * cfg.data_bytes(), bad, &d);
      recover(b, q, 9);
    }
    SECTION("READ_ERR: DECERR on the 5th data read burst") {
      INFO(cfg.name);
      DmaDesc d = copy(0, 0x100, 0x4000);
      b.fill_random(d.src, d.len);
      b.mirror_ring(q, s, {d});
      b.drv.mem().fail_read_burst(5, AxiResp::kDecErr);  // burst 0 is the descriptor
      b.drv.push(q, d);
      expect_stopped(b, q, Err::READ_ERR, d.src, d.src + d.len, &d);
      recover(b, q, 10);
    }
    SECTION("WRITE_ERR: SLVERR on a write burst in the middle") {
      INFO(cfg.name);
      DmaDesc d = copy(0x20, 0x3, 0x8000);
      b.fill_random(d.src, d.len);
      const uint64_t bad = d.dst + 0x4000;
      b.drv.mem().add_error_range(bad, bad + 1, AxiResp::kSlvErr, false, true);
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::WRITE_ERR, bad - 256 * cfg.data_bytes(), bad, &d);
      recover(b, q, 11);
    }
    SECTION("WRITE_ERR: DECERR on the 2nd write burst") {
      INFO(cfg.name);
      DmaDesc d = copy(0x20, 0x3, 0x2000);
      b.fill_random(d.src, d.len);
      b.drv.mem().fail_write_burst(1, AxiResp::kDecErr);
      b.mirror_ring(q, s, {d});
      b.drv.push(q, d);
      expect_stopped(b, q, Err::WRITE_ERR, d.dst & ~uint64_t{cfg.data_bytes() - 1}, d.dst + d.len, &d);
      recover(b, q, 12);
    }
    SECTION("CPL_WRITE_ERR: the completion record write fails") {
      INFO(cfg.name);
      DmaDesc d = copy(0, 0x40, 500);
      b.drv.mem().add_error_range(s.cpl_base, s.cpl_base + 4, AxiResp::kSlvErr, false, true);
      b.mirror_ring(q, s, {d});
      b.gold.apply(d);  // the data itself was written and acknowledged
      b.drv.push(q, d);
      expect_stopped(b, q, Err::CPL_WRITE_ERR, s.cpl_base & ~uint64_t{cfg.data_bytes() - 1},
                     s.cpl_base, nullptr);
      recover(b, q, 13);
    }
  }
}

TEST_CASE("an error on one queue leaves the other queues running", "[dma][errors]") {
  for (const auto& cfg : dma_rtl_configs()) {
    const uint64_t seed = 77;
    std::printf("dma isolation: config %s, seed %llu\n", cfg.name.c_str(),
                static_cast<unsigned long long>(seed));
    INFO(cfg.name);
    Bench b(cfg.name, timing(seed), seed);
    const auto s0 = queue_setup(0), s1 = queue_setup(1);
    b.drv.setup_queue(0, s0);
    b.drv.setup_queue(1, s1);
    b.fill_random(kSrc, 0x40000);
    // queue 1: a stream of good copies
    std::vector<DmaDesc> good;
    for (int i = 0; i < 10; ++i) {
      DmaDesc d = copy(0x1000 * i + i, 0x100000 + 0x2000 * i + 3 * i, 1500 + 100 * i);
      b.fill_random(d.dst - 16, d.len + 32);
      good.push_back(d);
    }
    // queue 0: a copy that fails half way, then one that would be fine
    DmaDesc bad = copy(0x20000, 0x200000, 0x6000);
    b.drv.mem().add_error_range(bad.src + 0x3000, bad.src + 0x3001, AxiResp::kSlvErr, true, false);
    b.mirror_ring(0, s0, {bad, copy(0, 0x300000, 100)});
    b.drv.push_many(0, {bad, copy(0, 0x300000, 100)});
    b.push_expect_ok(1, s1, good);
    const auto st1 = b.drv.wait_queue(1);
    CHECK(!st1.error);
    CHECK(st1.head == 10);
    const auto st0 = b.drv.wait_queue(0);
    CHECK(st0.error);
    CHECK(st0.code == static_cast<uint32_t>(Err::READ_ERR));
    CHECK(st0.head == 0);
    for (uint32_t i = 0; i < bad.len; ++i) {
      // the failed destination may be partly written; accept it as is
      uint8_t v;
      b.drv.mem().read(bad.dst + i, &v, 1);
      b.gold.write(bad.dst + i, &v, 1);
    }
    const std::string diff = b.gold.compare(b.drv.mem());
    if (!diff.empty()) FAIL("memory differs:" << diff);
    recover(b, 0, 14);
  }
}

TEST_CASE("resetting a queue while its descriptor runs abandons it cleanly", "[dma][errors]") {
  for (const auto& cfg : dma_rtl_configs()) {
    INFO(cfg.name);
    Bench b(cfg.name, timing(31), 31);
    const auto s = queue_setup(0);
    b.drv.setup_queue(0, s);
    DmaDesc d = copy(0, 0x1000, 0x20000);
    b.fill_random(d.src, d.len);
    b.mirror_ring(0, s, {d});
    b.drv.push(0, d);
    b.drv.run_cycles(300);
    CHECK(b.drv.queue_status(0).busy);
    b.drv.reset_queue(0);
    b.drv.run_cycles(2000);
    const auto st = b.drv.queue_status(0);
    CHECK(!st.busy);
    CHECK(!st.error);
    CHECK(st.head == 0);
    CHECK(b.drv.mem().idle());
    CHECK(b.intr_state() == 0);  // no DONE, no ERROR
    CHECK(b.drv.mem().read32(s.cpl_base) == 0);
    const auto part = b.drv.mem().read_vec(d.dst, d.len);
    b.gold.write(d.dst, part.data(), part.size());
    recover(b, 0, 15);
  }
}
