// DmaRtlTlm: the Verilated DMA engine behind TLM-2.0 sockets, driven by the
// DmaTb harness (dma_tlm_tb.h). Random descriptor chains are checked byte for
// byte against a scoreboard and cycle for cycle against the cycle-level
// DmaDriver with an Axi4Mem of the same latency (a trnsim::Memory with
// latency L ns answers in L cycles, as Axi4Mem with latency L): the cycles
// from the doorbell to the interrupt and the engine's counters must be equal
// at every quantum (0, 100 ns, 1 us) and with idle skipping on or off.
// Errors (window violation, a read error from the memory) and the interrupt.
#include <catch2/catch.hpp>

#include <cstdio>
#include <random>
#include <vector>

#include "dma/dma_driver.h"
#include "dma/dma_rtl_tlm.h"
#include "dma_tlm_tb.h"

using trnsim::cosim::DmaRtlTlm;
using namespace trnsim::dma::tb;
namespace dregs = trnsim::regs::dma;

namespace {

constexpr uint64_t kMemSize = 4 << 20;
constexpr uint64_t kRing = 0x10000, kCpl = 0x20000, kSrc = 0x100000, kDst = 0x200000;
constexpr uint64_t kArea = 0x100000;

trnsim::dma::DmaBlockConfig block_config(const std::string& name) {
  for (const auto& c : trnsim::cosim::dma_rtl_configs()) {
    if (c.name != name) continue;
    trnsim::dma::DmaBlockConfig b;
    b.rtl_config = name;
    b.num_queues = c.num_queues;
    b.data_bits = c.data_bits;
    b.max_burst_beats = c.max_burst_beats;
    b.max_outstanding = c.max_outstanding;
    return b;
  }
  FAIL("no DMA configuration " << name);
  return {};
}

QueueSetup setup0() {
  QueueSetup s;
  s.ring_base = kRing;
  s.entries = 64;
  s.cpl_base = kCpl;
  s.windows[0] = {kSrc, kSrc + kArea};
  s.windows[1] = {kDst, kDst + kArea};
  return s;
}

std::vector<Desc> random_chain(uint64_t seed, unsigned n) {
  std::mt19937_64 rng(seed);
  std::vector<Desc> ds;
  for (unsigned i = 0; i < n; ++i) {
    Desc d;
    d.len = 1 + static_cast<uint32_t>(rng() % (i % 3 == 0 ? 6000 : 400));
    d.rows = i % 4 == 3 ? 3 : 1;
    d.src_stride = d.len + static_cast<uint32_t>(rng() % 64);
    d.dst_stride = d.len + static_cast<uint32_t>(rng() % 64);
    d.src = kSrc + rng() % (kArea - 4 * d.src_stride - 8);
    d.dst = kDst + 0x4000 * i + rng() % 0x800;
    d.cpl = i % 5 == 0;
    ds.push_back(d);
  }
  ds.back().irq = true;
  return ds;
}

// The scoreboard: a byte copy of the whole memory, descriptors applied in order.
struct Golden {
  std::vector<uint8_t> m = std::vector<uint8_t>(kMemSize, 0);
  void apply(const Desc& d) {
    for (uint32_t r = 0; r < d.rows; ++r)
      std::memmove(&m[d.dst + uint64_t{r} * d.dst_stride], &m[d.src + uint64_t{r} * d.src_stride], d.len);
  }
  void ring_and_cpl(const std::vector<Desc>& ds) {
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const auto b = ds[i].encode();
      std::memcpy(&m[kRing + 32 * i], b.data(), 32);
      apply(ds[i]);
      if (ds[i].cpl) {
        const uint32_t v = (1u << dregs::CPL_WORD_DONE_LSB) |
                           (uint32_t(ds[i].last) << dregs::CPL_WORD_LAST_LSB) |
                           (uint32_t(i) << dregs::CPL_WORD_INDEX_LSB);
        std::memcpy(&m[kCpl + 4 * i], &v, 4);
      }
    }
  }
};

struct Outcome {
  uint64_t doorbell_to_irq = 0;
  Counters counters;
  uint64_t read_payloads = 0, write_payloads = 0;
};

// The reference: DmaDriver + Axi4Mem with `latency` cycles on both channels.
Outcome reference(const std::string& cfg, uint64_t seed, unsigned n, unsigned latency) {
  trnsim::cosim::Axi4MemConfig mc;
  mc.read_latency = mc.write_latency = latency;
  trnsim::cosim::DmaDriver drv(trnsim::cosim::make_dma_rtl(cfg), mc);
  std::vector<uint8_t> src(kArea);
  std::mt19937_64 rng(seed ^ 0x5eed);
  for (auto& b : src) b = static_cast<uint8_t>(rng());
  drv.mem().write(kSrc, src.data(), src.size());
  drv.csr_write(dregs::INTR_ENABLE_OFFSET, 0xFFFFFFFFu);
  trnsim::cosim::DmaQueueSetup s;
  s.ring_base = kRing;
  s.entries = 64;
  s.cpl_base = kCpl;
  s.windows[0] = {kSrc, kSrc + kArea};
  s.windows[1] = {kDst, kDst + kArea};
  drv.setup_queue(0, s);
  std::vector<trnsim::cosim::DmaDesc> ds;
  for (const Desc& d : random_chain(seed, n)) {
    trnsim::cosim::DmaDesc x;
    x.src = d.src;
    x.dst = d.dst;
    x.len = d.len;
    x.rows = d.rows;
    x.src_stride = d.src_stride;
    x.dst_stride = d.dst_stride;
    x.irq = d.irq;
    x.cpl = d.cpl;
    ds.push_back(x);
  }
  drv.push_many(0, ds);
  const uint64_t c0 = drv.cycle();
  Outcome o;
  while (!drv.irq()) {
    if (drv.cycle() - c0 > 2000000) FAIL("reference: no irq");
    drv.run_cycles(1);
  }
  o.doorbell_to_irq = drv.cycle() - 1 - c0;  // irq seen in the cycle just run
  const auto c = drv.counters();
  o.counters = Counters{c.bytes_moved, c.descs_done, c.busy_cycles, c.stall_cycles, c.errors};
  o.read_payloads = drv.mem().stats().read_bursts;
  o.write_payloads = drv.mem().stats().write_bursts;
  return o;
}

// The same chain through DmaRtlTlm in SystemC.
Outcome through_tlm(const std::string& cfg, uint64_t seed, unsigned n, unsigned latency,
                    const sc_core::sc_time& quantum, bool skip) {
  std::printf("dma rtl tlm: config %s seed %llu descriptors %u latency %u quantum %s skip %d\n",
              cfg.c_str(), (unsigned long long)seed, n, latency, quantum.to_string().c_str(), skip);
  tlm::tlm_global_quantum::instance().set(quantum);
  DmaRtlTlm dut("dut", block_config(cfg));
  dut.set_idle_skipping(skip);
  DmaTbConfig tbc;
  tbc.mem.size = kMemSize;
  tbc.mem.latency = sc_core::sc_time(latency, sc_core::SC_NS);
  Golden gold;
  std::mt19937_64 rng(seed ^ 0x5eed);
  for (uint64_t i = 0; i < kArea; ++i) gold.m[kSrc + i] = static_cast<uint8_t>(rng());
  const auto ds = random_chain(seed, n);
  Outcome o;
  auto tb = run_tb(dut, tbc, [&](DmaTb& t) {
    t.memory.write_bytes(kSrc, &gold.m[kSrc], kArea);
    t.csr_write(dregs::INTR_ENABLE_OFFSET, 0xFFFFFFFFu);
    t.setup_queue(0, setup0());
    t.push_many(0, ds);
    const uint64_t c0 = t.cycle() - tbc.csr_cycles;  // the doorbell's access ended here
    t.wait_irq(2000000, "the chain's interrupt");
    o.doorbell_to_irq = t.cycle() - c0;
    const QueueStatus st = t.queue_status(0);
    CHECK_FALSE(st.error);
    CHECK(st.head == ds.size());
    o.counters = t.counters();
    // Clearing INTR_STATE drops irq.
    CHECK(t.irq());
    t.csr_write(dregs::INTR_STATE_OFFSET, 0xFFFFFFFFu);
    CHECK_FALSE(t.irq());
  });
  gold.ring_and_cpl(ds);
  std::vector<uint8_t> got(kMemSize);
  tb->memory.read_bytes(0, got.data(), got.size());
  uint64_t diffs = 0, first = 0;
  for (uint64_t i = 0; i < kMemSize; ++i)
    if (got[i] != gold.m[i] && diffs++ == 0) first = i;
  INFO("first difference at 0x" << std::hex << first);
  CHECK(diffs == 0);
  REQUIRE(tb->irq_edges.size() == 2);
  CHECK(tb->irq_edges[0].second);
  CHECK_FALSE(tb->irq_edges[1].second);
  const auto s = dut.stats();
  o.read_payloads = s.read_payloads;
  o.write_payloads = s.write_payloads;
  CHECK(s.read_payloads == tb->recorder.reads.size());
  CHECK(s.write_payloads == tb->recorder.writes.size());
  CHECK(s.cycles_clocked + s.cycles_skipped == dut.cycle());
  if (skip)
    CHECK(s.cycles_skipped > 0);
  else
    CHECK(s.cycles_skipped == 0);
  std::printf("  doorbell->irq %llu cycles, clocked %llu, skipped %llu, syncs %llu, payloads %llu/%llu\n",
              (unsigned long long)o.doorbell_to_irq, (unsigned long long)s.cycles_clocked,
              (unsigned long long)s.cycles_skipped, (unsigned long long)s.syncs,
              (unsigned long long)s.read_payloads, (unsigned long long)s.write_payloads);
  return o;
}

void same_as_reference(const std::string& cfg, uint64_t seed, unsigned n, unsigned latency,
                       const sc_core::sc_time& quantum, bool skip) {
  INFO("config " << cfg << " seed " << seed << " latency " << latency << " quantum " << quantum
                 << " skip " << skip);
  const Outcome ref = reference(cfg, seed, n, latency);
  const Outcome got = through_tlm(cfg, seed, n, latency, quantum, skip);
  CHECK(got.doorbell_to_irq == ref.doorbell_to_irq);
  CHECK(got.counters.bytes_moved == ref.counters.bytes_moved);
  CHECK(got.counters.descs_done == ref.counters.descs_done);
  CHECK(got.counters.busy_cycles == ref.counters.busy_cycles);
  CHECK(got.counters.stall_cycles == ref.counters.stall_cycles);
  CHECK(got.counters.errors == 0);
  CHECK(got.read_payloads == ref.read_payloads);
  CHECK(got.write_payloads == ref.write_payloads);
}

const sc_core::sc_time kUs(1, sc_core::SC_US);

}  // namespace

TEST_CASE("dma rtl tlm: random chain q4_d256 matches scoreboard and driver cycles", "[dma_rtl_tlm]") {
  same_as_reference("q4_d256", 21, 16, 1, kUs, true);
}

TEST_CASE("dma rtl tlm: random chain q2_d64 matches scoreboard and driver cycles", "[dma_rtl_tlm]") {
  same_as_reference("q2_d64", 22, 12, 1, kUs, true);
}

TEST_CASE("dma rtl tlm: quantum 0 gives the driver's cycles with a 20-cycle memory", "[dma_rtl_tlm]") {
  same_as_reference("q4_d256", 23, 8, 20, sc_core::SC_ZERO_TIME, true);
}

TEST_CASE("dma rtl tlm: quantum 100 ns gives the driver's cycles with a 20-cycle memory", "[dma_rtl_tlm]") {
  same_as_reference("q4_d256", 23, 8, 20, sc_core::sc_time(100, sc_core::SC_NS), true);
}

TEST_CASE("dma rtl tlm: quantum 1 us gives the driver's cycles with a 20-cycle memory", "[dma_rtl_tlm]") {
  same_as_reference("q4_d256", 23, 8, 20, kUs, true);
}

TEST_CASE("dma rtl tlm: idle skipping off gives the same cycles", "[dma_rtl_tlm]") {
  same_as_reference("q4_d256", 23, 8, 20, kUs, false);
}

TEST_CASE("dma rtl tlm: source window violation stops the queue", "[dma_rtl_tlm]") {
  DmaRtlTlm dut("dut", block_config("q4_d256"));
  DmaTbConfig tbc;
  tbc.mem.size = kMemSize;
  Desc d;
  d.src = kSrc + kArea - 16;  // runs past window 0
  d.dst = kDst;
  d.len = 64;
  auto tb = run_tb(dut, tbc, [&](DmaTb& t) {
    t.csr_write(dregs::INTR_ENABLE_OFFSET, 0xFFFFFFFFu);
    t.setup_queue(0, setup0());
    t.push(0, d);
    t.wait_irq(10000, "the error interrupt");
    const QueueStatus st = t.queue_status(0);
    CHECK(st.error);
    CHECK(st.code == uint32_t(dregs::ErrCode::SRC_WINDOW));
    CHECK(st.err_addr == d.src);
    CHECK(st.head == 0);
    CHECK(((t.csr_read(dregs::INTR_STATE_OFFSET) >> dregs::INTR_STATE_ERROR_LSB) & 1) == 1);
    CHECK(t.counters().errors == 1);
  });
  CHECK(tb->recorder.writes.empty());  // nothing moved
}

TEST_CASE("dma rtl tlm: a read error from the memory stops the queue with READ_ERR", "[dma_rtl_tlm]") {
  DmaRtlTlm dut("dut", block_config("q4_d256"));
  DmaTbConfig tbc;
  tbc.mem.size = kMemSize;
  Desc d;
  d.src = kSrc + 0x100;
  d.dst = kDst;
  d.len = 4096;
  auto tb = run_tb(dut, tbc, [&](DmaTb& t) {
    t.memory.add_error_range(kSrc + 0x800, kSrc + 0x820, tlm::TLM_GENERIC_ERROR_RESPONSE);
    t.csr_write(dregs::INTR_ENABLE_OFFSET, 0xFFFFFFFFu);
    t.setup_queue(0, setup0());
    t.push(0, d);
    t.wait_irq(10000, "the error interrupt");
    const QueueStatus st = t.wait_queue(0, 10000);
    CHECK(st.error);
    CHECK(st.code == uint32_t(dregs::ErrCode::READ_ERR));
    // the address of the failing burst (at most 16 beats of 32 bytes)
    CHECK(st.err_addr <= kSrc + 0x81F);
    CHECK(st.err_addr + 512 > kSrc + 0x800);
    CHECK(t.counters().descs_done == 0);
  });
  CHECK(dut.stats().read_errors >= 1);
}

TEST_CASE("dma rtl tlm: a configuration that does not match the Verilated one is refused", "[dma_rtl_tlm]") {
  trnsim::dma::DmaBlockConfig c;
  c.rtl_config = "q2_d64";  // the defaults are q4_d256's
  CHECK_THROWS_WITH(DmaRtlTlm("dut", c), Catch::Contains("q2_d64") && Catch::Contains("num_queues"));
  c.rtl_config = "nope";
  CHECK_THROWS_WITH(DmaRtlTlm("dut2", c), Catch::Contains("nope"));
}

namespace {

// A short chain with irq on the last descriptor, with a waveform; returns
// the file's size and checks the cycles are still the driver's.
long wave_run(const trnsim::cosim::WaveOptions& w) {
  DmaRtlTlm dut("dut", block_config("q4_d256"), w);
  DmaTbConfig tbc;
  tbc.mem.size = kMemSize;
  const auto ds = random_chain(31, 3);
  auto tb = run_tb(dut, tbc, [&](DmaTb& t) {
    t.csr_write(dregs::INTR_ENABLE_OFFSET, 0xFFFFFFFFu);
    t.setup_queue(0, setup0());
    t.push_many(0, ds);
    t.wait_irq(200000, "the chain's interrupt");
    CHECK(t.queue_status(0).head == ds.size());
  });
  sc_core::sc_stop();  // end_of_simulation closes the file
  std::FILE* f = std::fopen(w.path.c_str(), "rb");
  if (!f) return -1;
  std::fseek(f, 0, SEEK_END);
  const long n = std::ftell(f);
  std::fclose(f);
  return n;
}

}  // namespace

TEST_CASE("dma rtl tlm: whole-run waveform is written", "[dma_rtl_tlm]") {
  trnsim::cosim::WaveOptions w;
  w.path = "dma_rtl_tlm_whole.fst";
  CHECK(wave_run(w) > 1000);
}

TEST_CASE("dma rtl tlm: history waveform on the irq trigger is written", "[dma_rtl_tlm]") {
  trnsim::cosim::WaveOptions w;
  w.path = "dma_rtl_tlm_history.fst";
  w.history_cycles = 64;
  w.trigger = "irq_o=1";
  CHECK(wave_run(w) > 1000);
}
