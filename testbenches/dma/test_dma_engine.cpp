// DMA engine: randomized 1-D and 2-D transfers on every configuration, under
// several memory timings, against a golden copy of memory. Every byte of
// memory is compared (the destinations, the bytes around them, descriptors,
// completion records), then the counters. Seeds are fixed and printed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "dma_tb.h"

using namespace trnsim::tb::dma;
using trnsim::cosim::Axi4MemConfig;
using trnsim::cosim::dma_rtl_configs;

namespace {

constexpr uint64_t kRing = 0x0010'0000, kCpl = 0x0020'0000;
constexpr uint64_t kSrc = 0x1'0000'0000ull, kDst = 0x2'0000'0000ull;  // above 4 GiB: 64-bit addresses
constexpr uint64_t kArea = 0x0100'0000;                                // 16 MiB windows

DmaQueueSetup queue_setup(unsigned q, uint32_t entries = 64) {
  DmaQueueSetup s;
  s.ring_base = kRing + q * 0x1'0000ull;
  s.entries = entries;
  s.cpl_base = kCpl + q * 0x1'0000ull;
  s.windows[0] = {kSrc, kSrc + kArea};
  s.windows[1] = {kDst, kDst + kArea};
  return s;
}

Axi4MemConfig mem_timing(const std::string& name, uint64_t seed) {
  Axi4MemConfig m;
  m.seed = seed;
  if (name == "random") {
    m.read_latency = 7;
    m.write_latency = 5;
    m.ar_ready_p = m.aw_ready_p = 0.6;
    m.w_ready_p = 0.7;
    m.r_valid_p = 0.7;
    m.b_valid_p = 0.5;
    m.reorder = true;
  } else if (name == "slow") {
    m.read_latency = 100;
    m.write_latency = 100;
  }
  return m;
}

uint32_t rand_len(std::mt19937_64& rng) {
  const unsigned k = rng() % 10;
  if (k < 3) return 1 + rng() % 64;
  if (k < 8) return 1 + rng() % 4096;
  return 4097 + rng() % 16000;
}

}  // namespace

TEST_CASE("CSR identity and configuration of every configuration", "[dma]") {
  for (const auto& cfg : dma_rtl_configs()) {
    INFO("config " << cfg.name);
    Bench b(cfg.name, Axi4MemConfig{}, 1);
    const uint32_t id = b.drv.csr_read(regs::ID_OFFSET);
    CHECK((id & regs::ID_MAGIC_MASK) == regs::ID_MAGIC_RESET);
    const uint32_t c = b.drv.csr_read(regs::CONFIG_OFFSET);
    CHECK(((c >> regs::CONFIG_NUM_QUEUES_LSB) & regs::CONFIG_NUM_QUEUES_MASK) == cfg.num_queues);
    CHECK(((c >> regs::CONFIG_DATA_BYTES_LSB) & regs::CONFIG_DATA_BYTES_MASK) == cfg.data_bytes());
    CHECK(((c >> regs::CONFIG_MAX_OUTSTANDING_LSB) & regs::CONFIG_MAX_OUTSTANDING_MASK) ==
          cfg.max_outstanding);
    uint8_t resp = 0;
    b.drv.csr_read(0x3FC, &resp);
    CHECK(resp == 2);  // no register there: SLVERR
  }
}

// Random 1-D and 2-D descriptors on every queue of the configuration at once;
// disjoint destination slots so the queues' order does not matter.
static void random_transfers(const std::string& cfg_name, const std::string& timing, uint64_t seed,
                             unsigned per_queue, bool two_d, bool mixed = false) {
  std::printf("dma random: config %s, memory %s, seed %llu\n", cfg_name.c_str(), timing.c_str(),
              static_cast<unsigned long long>(seed));
  INFO("config " << cfg_name << ", memory " << timing << ", seed " << seed);
  Bench b(cfg_name, mem_timing(timing, seed), seed);
  const unsigned nq = b.drv.config().num_queues;
  std::vector<DmaQueueSetup> setups;
  for (unsigned q = 0; q < nq; ++q) {
    setups.push_back(queue_setup(q));
    b.drv.setup_queue(q, setups[q]);
  }
  b.drv.csr_write(regs::INTR_ENABLE_OFFSET, 0xF << regs::INTR_ENABLE_DONE_LSB);

  uint64_t total_bytes = 0;
  unsigned ndesc = 0, slot = 0;
  std::vector<std::vector<DmaDesc>> per_q(nq);
  for (unsigned q = 0; q < nq; ++q) {
    for (unsigned i = 0; i < per_queue; ++i) {
      DmaDesc d;
      const uint64_t slot_base = kDst + uint64_t{slot++} * 0x4'0000;  // 256 KiB per descriptor
      if (two_d || (mixed && b.rng() % 2)) {
        d.rows = 1 + b.rng() % 12;
        d.len = 1 + b.rng() % 300;
        d.src_stride = d.len + b.rng() % 200;
        d.dst_stride = d.len + b.rng() % 200;
      } else {
        d.len = rand_len(b.rng);
      }
      const uint64_t src_span = uint64_t{d.rows - 1} * d.src_stride + d.len;
      const uint64_t dst_span = uint64_t{d.rows - 1} * d.dst_stride + d.len;
      d.src = kSrc + b.rng() % (0x80'0000 - src_span);
      d.dst = slot_base + 64 + b.rng() % 4096;
      d.irq = b.rng() % 2;
      d.cpl = b.rng() % 2;
      // background around the destination, so stray writes show
      b.fill_random(d.dst - 64, dst_span + 128);
      b.fill_random(d.src, src_span);
      total_bytes += uint64_t{d.len} * d.rows;
      per_q[q].push_back(d);
      ++ndesc;
    }
  }
  for (unsigned q = 0; q < nq; ++q) b.push_expect_ok(q, setups[q], per_q[q]);
  b.drv.wait_all((1u << nq) - 1);
  for (unsigned q = 0; q < nq; ++q) {
    const auto st = b.drv.queue_status(q);
    INFO("queue " << q);
    CHECK(!st.error);
    CHECK(st.code == 0);
    CHECK(st.head == per_queue % setups[q].entries);
  }
  const std::string diff = b.gold.compare(b.drv.mem());
  CHECK(diff.empty());
  if (!diff.empty()) FAIL("memory differs from the golden copy:" << diff);
  const auto c = b.drv.counters();
  CHECK(c.descs_done == ndesc);
  CHECK(c.bytes_moved == static_cast<uint32_t>(total_bytes));
  CHECK(c.errors == 0);
  CHECK(c.busy_cycles > 0);
  std::printf("  %u descriptors, %llu bytes, %llu cycles, %u busy, %u stall\n", ndesc,
              static_cast<unsigned long long>(total_bytes),
              static_cast<unsigned long long>(b.drv.cycle()), c.busy_cycles, c.stall_cycles);
}

TEST_CASE("random 1-D transfers with a zero-latency memory", "[dma]") {
  for (const auto& cfg : dma_rtl_configs()) random_transfers(cfg.name, "fast", 101, 12, false);
}

TEST_CASE("random 1-D transfers with random back-pressure and reordering", "[dma]") {
  for (const auto& cfg : dma_rtl_configs()) random_transfers(cfg.name, "random", 202, 8, false);
}

TEST_CASE("random 2-D transfers", "[dma]") {
  for (const auto& cfg : dma_rtl_configs()) {
    random_transfers(cfg.name, "fast", 303, 8, true);
    random_transfers(cfg.name, "random", 304, 6, true);
  }
}

TEST_CASE("random 1-D and 2-D mixes over many seeds", "[dma]") {
  for (const auto& cfg : dma_rtl_configs()) {
    for (uint64_t seed = 1000; seed < 1012; ++seed) {
      random_transfers(cfg.name, seed % 3 == 0 ? "fast" : "random", seed, 5, false, true);
    }
  }
}

TEST_CASE("every alignment pair and short lengths", "[dma]") {
  for (const auto& cfg : dma_rtl_configs()) {
    const unsigned B = cfg.data_bytes();
    INFO("config " << cfg.name);
    Bench b(cfg.name, Axi4MemConfig{}, 7);
    const auto s = queue_setup(0, 1024);
    b.drv.setup_queue(0, s);
    std::vector<DmaDesc> ds;
    unsigned slot = 0;
    for (unsigned so = 0; so < B; so += (B > 8 ? 3 : 1)) {
      for (unsigned dof = 0; dof < B; dof += (B > 8 ? 5 : 1)) {
        for (uint32_t len : {1u, 2u, B - 1, B, B + 1, 2 * B + 3}) {
          DmaDesc d;
          d.src = kSrc + 0x1000 * (slot % 64) + so;
          d.dst = kDst + 0x100 * slot + 64 + dof;
          d.len = len;
          b.fill_random(d.src, len);
          b.fill_random(d.dst - 64, len + 128);
          ds.push_back(d);
          ++slot;
        }
      }
    }
    REQUIRE(ds.size() < 1024);
    b.push_expect_ok(0, s, ds);
    const auto st = b.drv.wait_queue(0);
    CHECK(!st.error);
    const std::string diff = b.gold.compare(b.drv.mem());
    if (!diff.empty()) FAIL("memory differs:" << diff);
  }
}

TEST_CASE("destination equals source and 4 KiB crossings and a 1 MiB copy", "[dma]") {
  for (const auto& cfg : dma_rtl_configs()) {
    INFO("config " << cfg.name);
    Bench b(cfg.name, mem_timing("random", 11), 11);
    const auto s = queue_setup(0);
    b.drv.setup_queue(0, s);
    std::vector<DmaDesc> ds;
    DmaDesc same;  // in place: memory unchanged
    same.src = same.dst = kSrc + 0x3000 + 5;
    same.len = 9000;
    b.fill_random(same.src, same.len);
    ds.push_back(same);
    DmaDesc cross;  // straddles two 4 KiB boundaries, odd offsets
    cross.src = kSrc + 0x10000 - 7;
    cross.dst = kDst + 0x20000 - 3;
    cross.len = 4096 + 11;
    b.fill_random(cross.src, cross.len);
    b.fill_random(cross.dst - 64, cross.len + 128);
    ds.push_back(cross);
    DmaDesc big;
    big.src = kSrc + 0x40'0000 + 1;
    big.dst = kDst + 0x40'0000 + 30;
    big.len = 1 << 20;
    big.cpl = true;
    b.fill_random(big.src, big.len);
    b.fill_random(big.dst - 64, big.len + 128);
    ds.push_back(big);
    // the big one runs with a 0-latency memory to keep CI short
    b.drv.mem().set_config(Axi4MemConfig{cfg.data_bytes(), 1, 1, 1, 1, 1, 1, 1, false, 11});
    b.push_expect_ok(0, s, ds);
    const auto st = b.drv.wait_queue(0, 4'000'000);
    CHECK(!st.error);
    const std::string diff = b.gold.compare(b.drv.mem());
    if (!diff.empty()) FAIL("memory differs:" << diff);
    const auto c = b.drv.counters();
    CHECK(c.bytes_moved == same.len + cross.len + big.len);
  }
}

TEST_CASE("100-cycle memory keeps several bursts in flight", "[dma]") {
  const auto cfg = dma_rtl_configs().front();
  Bench b(cfg.name, mem_timing("slow", 5), 5);
  const auto s = queue_setup(0);
  b.drv.setup_queue(0, s);
  DmaDesc d;
  d.src = kSrc;
  d.dst = kDst;
  d.len = 64 * 1024;
  b.fill_random(d.src, d.len);
  b.push_expect_ok(0, s, {d});
  const uint64_t t0 = b.drv.cycle();
  CHECK(!b.drv.wait_queue(0).error);
  const uint64_t cycles = b.drv.cycle() - t0;
  const auto& st = b.drv.mem().stats();
  std::printf("dma 100-cycle latency: %u bytes in %llu cycles (%.2f B/cycle of %u), max reads in flight %llu\n",
              d.len, static_cast<unsigned long long>(cycles), double(d.len) / cycles,
              cfg.data_bytes(), static_cast<unsigned long long>(st.max_reads_outstanding));
  CHECK(st.max_reads_outstanding >= 2);
  CHECK(b.gold.compare(b.drv.mem()).empty());
}

TEST_CASE("flags IRQ and LAST and CPL", "[dma]") {
  const auto cfg = dma_rtl_configs().front();
  Bench b(cfg.name, Axi4MemConfig{}, 3);
  const auto s = queue_setup(0, 8);
  b.drv.setup_queue(0, s);
  b.drv.csr_write(regs::INTR_ENABLE_OFFSET, 1u << regs::INTR_ENABLE_DONE_LSB);
  DmaDesc a;
  a.src = kSrc;
  a.dst = kDst;
  a.len = 100;
  a.irq = false;
  a.cpl = true;
  DmaDesc l = a;
  l.dst = kDst + 0x1000;
  l.last = true;
  l.irq = true;
  DmaDesc after = a;
  after.dst = kDst + 0x2000;
  b.fill_random(kSrc, 100);
  b.push_expect_ok(0, s, {a, l, after});
  auto st = b.drv.wait_queue(0);
  CHECK(st.paused);
  CHECK(st.head == 2);
  CHECK(b.drv.irq());
  CHECK(((b.intr_state() >> regs::INTR_STATE_DONE_LSB) & 1) == 1);
  b.drv.csr_write(regs::INTR_STATE_OFFSET, 1u << regs::INTR_STATE_DONE_LSB);  // w1c
  b.drv.run_cycles(2);
  CHECK(!b.drv.irq());
  b.drv.resume_queue(0);
  st = b.drv.wait_queue(0);
  CHECK(!st.paused);
  CHECK(st.head == 3);
  CHECK(!b.drv.irq());  // the third descriptor has no IRQ flag
  CHECK(b.gold.compare(b.drv.mem()).empty());
  CHECK(b.drv.mem().read32(s.cpl_base + 4) ==
        ((1u << regs::CPL_WORD_INDEX_LSB) | (1u << regs::CPL_WORD_LAST_LSB) | 1u));
}

TEST_CASE("ring wraps around", "[dma]") {
  const auto cfg = dma_rtl_configs().back();
  Bench b(cfg.name, Axi4MemConfig{}, 9);
  const auto s = queue_setup(0, 3);
  b.drv.setup_queue(0, s);
  for (int round = 0; round < 4; ++round) {
    std::vector<DmaDesc> ds;
    for (int i = 0; i < 2; ++i) {
      DmaDesc d;
      d.src = kSrc + 0x100 * (round * 2 + i);
      d.dst = kDst + 0x100 * (round * 2 + i) + 3;
      d.len = 77;
      d.cpl = true;
      b.fill_random(d.src, d.len);
      ds.push_back(d);
    }
    b.push_expect_ok(0, s, ds);
    CHECK(!b.drv.wait_queue(0).error);
  }
  CHECK(b.drv.queue_status(0).head == 8 % 3);
  CHECK(b.gold.compare(b.drv.mem()).empty());
}
