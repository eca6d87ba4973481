// Axi4TlmBridge: a Verilated DMA engine driven cycle by cycle (as DmaDriver
// does) with its AXI4 master served by the bridge into a trnsim::Memory must
// leave memory exactly as with Axi4Mem; TLM errors come back as SLVERR or
// DECERR on R and B; and the bridge's own rules (W before AW, response
// cycles, ID order, back-pressure, protocol checking) on hand-driven pins.
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "common/axi4_tlm_bridge.h"
#include "common/axil_agent.h"
#include "common/tlm_util.h"
#include "dma/dma_driver.h"
#include "dma_regs.hpp"
#include "mem/memory.h"

using trnsim::cosim::Axi4MasterOut;
using trnsim::cosim::Axi4Mem;
using trnsim::cosim::Axi4MemConfig;
using trnsim::cosim::Axi4ProtocolError;
using trnsim::cosim::Axi4SlaveOut;
using trnsim::cosim::Axi4TlmBridge;
using trnsim::cosim::Axi4TlmBridgeConfig;
using trnsim::cosim::AxilAgent;
using trnsim::cosim::DmaDesc;
using trnsim::cosim::DmaDriver;
using trnsim::cosim::DmaPinsIn;
using trnsim::cosim::DmaPinsOut;
using trnsim::cosim::DmaQueueSetup;
using trnsim::cosim::DmaRtl;
namespace regs = trnsim::regs::dma;

namespace {

constexpr uint64_t kMemSize = 4 << 20;
constexpr uint64_t kRing = 0x10000, kCpl = 0x20000, kSrc = 0x100000, kDst = 0x200000;
constexpr uint64_t kArea = 0x100000;

uint32_t qreg(unsigned q, uint32_t off) { return DmaDriver::qreg(q, off); }

DmaQueueSetup setup0() {
  DmaQueueSetup s;
  s.ring_base = kRing;
  s.entries = 64;
  s.cpl_base = kCpl;
  s.windows[0] = {kSrc, kSrc + kArea};
  s.windows[1] = {kDst, kDst + kArea};
  return s;
}

std::vector<DmaDesc> random_descs(uint64_t seed, unsigned n) {
  std::mt19937_64 rng(seed);
  std::vector<DmaDesc> ds;
  for (unsigned i = 0; i < n; ++i) {
    DmaDesc d;
    d.len = 1 + static_cast<uint32_t>(rng() % (i % 3 == 0 ? 5000 : 300));
    d.rows = i % 4 == 3 ? 3 : 1;
    d.src_stride = d.len + static_cast<uint32_t>(rng() % 64);
    d.dst_stride = d.len + static_cast<uint32_t>(rng() % 64);
    d.src = kSrc + rng() % (kArea - 4 * d.src_stride - 8);
    d.dst = kDst + 0x3000 * i + rng() % 0x800;
    d.cpl = i % 5 == 0;
    ds.push_back(d);
  }
  return ds;
}

// The initiator side of the bridge in a SystemC world of its own: the
// payloads go through a socket into a trnsim::Memory.
struct World : sc_core::sc_module {
  tlm_utils::simple_initiator_socket<World> init{"init"};
  trnsim::Memory mem;
  explicit World(sc_core::sc_module_name n, const trnsim::MemoryConfig& mc)
      : sc_module(n), mem("mem", mc) {
    init.bind(mem.socket);
  }
};

// DmaDriver's loop, with an Axi4TlmBridge on the AXI4 port instead of
// Axi4Mem. The bridge's payloads go to `world.init` at SystemC time 0 with a
// delay of cycle x 1 ns.
class BridgeBench {
 public:
  BridgeBench(const std::string& cfg, World& w)
      : rtl_(trnsim::cosim::make_dma_rtl(cfg)), world_(w),
        bridge_(Axi4TlmBridgeConfig{rtl_->config().data_bytes(), 10, 10, 256},
                [this](tlm::tlm_generic_payload& gp, uint64_t c) {
                  sc_core::sc_time d = sc_core::sc_time(double(c), sc_core::SC_NS);
                  const sc_core::sc_time d0 = d;
                  world_.init->b_transport(gp, d);
                  return Axi4TlmBridge::response_cycle(c, d - d0, sc_core::sc_time(1, sc_core::SC_NS));
                }) {
    in_.rst_n = false;
    in_.mem.rdata.assign(rtl_->config().data_bytes() / 4, 0);
    for (int i = 0; i < 4; ++i) {
      rtl_->set_inputs(in_);
      rtl_->get_outputs(out_);
      rtl_->clock();
    }
    in_.rst_n = true;
  }

  void tick() {
    csr_.drive(in_);
    bridge_.drive(in_.mem);
    rtl_->set_inputs(in_);
    rtl_->get_outputs(out_);
    bridge_.observe(out_.mem);
    if (in_.mem.rvalid && out_.mem.rready) rresps.push_back(in_.mem.rresp);
    if (in_.mem.bvalid && out_.mem.bready) bresps.push_back(in_.mem.bresp);
    csr_.observe(out_, cycle_);
    rtl_->clock();
    ++cycle_;
  }
  uint32_t csr(bool write, uint32_t addr, uint32_t data = 0) {
    csr_.start(write, addr, data);
    const uint64_t c0 = cycle_;
    while (!csr_.done()) {
      if (cycle_ - c0 > 1000) FAIL("CSR access timed out");
      tick();
    }
    return csr_.rdata();
  }
  void setup(const DmaQueueSetup& s) {
    csr(true, qreg(0, regs::Q0_RING_BASE_LO_OFFSET), uint32_t(s.ring_base));
    csr(true, qreg(0, regs::Q0_RING_SIZE_OFFSET), s.entries);
    csr(true, qreg(0, regs::Q0_CPL_BASE_LO_OFFSET), uint32_t(s.cpl_base));
    const uint32_t ws = regs::Q0_WIN1_BASE_LO_OFFSET - regs::Q0_WIN0_BASE_LO_OFFSET;
    for (unsigned w = 0; w < 2; ++w) {
      csr(true, qreg(0, regs::Q0_WIN0_BASE_LO_OFFSET + w * ws), uint32_t(s.windows[w].base));
      csr(true, qreg(0, regs::Q0_WIN0_LIMIT_LO_OFFSET + w * ws), uint32_t(s.windows[w].limit));
    }
    csr(true, qreg(0, regs::Q0_CTRL_OFFSET), regs::Q0_CTRL_ENABLE_MASK << regs::Q0_CTRL_ENABLE_LSB);
  }
  // Descriptors into the ring (backdoor), doorbell, then wait for HEAD.
  uint32_t run(const std::vector<DmaDesc>& ds) {
    for (std::size_t i = 0; i < ds.size(); ++i) {
      const auto b = ds[i].encode();
      world_.mem.write_bytes(kRing + 32 * i, b.data(), b.size());
    }
    csr(true, qreg(0, regs::Q0_TAIL_OFFSET), uint32_t(ds.size()));
    for (int i = 0; i < 200000; ++i) {
      const uint32_t st = csr(false, qreg(0, regs::Q0_STATUS_OFFSET));
      const bool busy = (st >> regs::Q0_STATUS_BUSY_LSB) & regs::Q0_STATUS_BUSY_MASK;
      const bool err = (st >> regs::Q0_STATUS_ERROR_LSB) & regs::Q0_STATUS_ERROR_MASK;
      const uint32_t head = csr(false, qreg(0, regs::Q0_HEAD_OFFSET));
      if (!busy && (err || head == ds.size())) return st;
      for (int k = 0; k < 16; ++k) tick();
    }
    FAIL("DMA did not finish");
    return 0;
  }
  uint64_t cycle() const { return cycle_; }
  Axi4TlmBridge& bridge() { return bridge_; }
  std::vector<uint8_t> rresps, bresps;

 private:
  std::unique_ptr<DmaRtl> rtl_;
  World& world_;
  Axi4TlmBridge bridge_;
  AxilAgent csr_;
  DmaPinsIn in_;
  DmaPinsOut out_;
  uint64_t cycle_ = 0;
};

void fill(std::vector<uint8_t>& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
}

void same_memory_as_axi4mem(const std::string& cfg) {
  const uint64_t seed = 11;
  INFO("config " << cfg << " seed " << seed);
  std::printf("axi4 tlm bridge: config %s seed %llu\n", cfg.c_str(), (unsigned long long)seed);
  const auto ds = random_descs(seed, 12);
  std::vector<uint8_t> src(kArea);
  fill(src, seed);

  // Reference: DmaDriver + Axi4Mem (latency 1 = a zero-delay TLM memory).
  std::vector<uint8_t> want(kMemSize);
  {
    DmaDriver drv(trnsim::cosim::make_dma_rtl(cfg), Axi4MemConfig{});
    drv.mem().write(kSrc, src.data(), src.size());
    drv.setup_queue(0, setup0());
    drv.push_many(0, ds);
    const auto st_ref = drv.wait_queue(0);
    REQUIRE_FALSE(st_ref.error);
    drv.mem().read(0, want.data(), want.size());
  }

  trnsim::MemoryConfig mc;
  mc.size = kMemSize;
  World w("world", mc);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);  // finish elaboration: the socket is bound
  w.mem.write_bytes(kSrc, src.data(), src.size());
  BridgeBench b(cfg, w);
  b.setup(setup0());
  const uint32_t st = b.run(ds);
  CHECK(((st >> regs::Q0_STATUS_ERROR_LSB) & regs::Q0_STATUS_ERROR_MASK) == 0);
  CHECK(b.bridge().stats().read_payloads > ds.size());
  CHECK(b.bridge().stats().write_errors == 0);

  std::vector<uint8_t> got(kMemSize);
  w.mem.read_bytes(0, got.data(), got.size());
  uint64_t diffs = 0, first = 0;
  for (uint64_t i = 0; i < kMemSize; ++i)
    if (got[i] != want[i] && diffs++ == 0) first = i;
  INFO("first difference at 0x" << std::hex << first);
  CHECK(diffs == 0);
  // Something was actually copied.
  CHECK(std::memcmp(got.data() + ds[0].dst, src.data() + (ds[0].src - kSrc), ds[0].len) == 0);
}

// One descriptor whose source (reads) or destination (writes) answers with
// `st`; the engine must see the AXI response code `resp` and stop the queue.
void error_response(bool reads, tlm::tlm_response_status st, uint8_t resp) {
  trnsim::MemoryConfig mc;
  mc.size = kMemSize;
  World w("world", mc);
  sc_core::sc_start(sc_core::SC_ZERO_TIME);
  DmaDesc d;
  d.src = kSrc + 0x40;
  d.dst = kDst + 0x80;
  d.len = 1024;
  if (reads)
    w.mem.add_error_range(kSrc + 0x200, kSrc + 0x240, st);
  else
    w.mem.add_error_range(kDst + 0x200, kDst + 0x240, st);
  BridgeBench b("q4_d256", w);
  b.setup(setup0());
  const uint32_t status = b.run({d});
  CHECK(((status >> regs::Q0_STATUS_ERROR_LSB) & regs::Q0_STATUS_ERROR_MASK) == 1);
  const uint32_t code = (status >> regs::Q0_STATUS_CODE_LSB) & regs::Q0_STATUS_CODE_MASK;
  CHECK(code == (reads ? uint32_t(regs::ErrCode::READ_ERR) : uint32_t(regs::ErrCode::WRITE_ERR)));
  const auto& v = reads ? b.rresps : b.bresps;
  CHECK(std::count(v.begin(), v.end(), resp) > 0);
  CHECK((reads ? b.bridge().stats().read_errors : b.bridge().stats().write_errors) >= 1);
}

// --- hand-driven pins -----------------------------------------------------------

struct Captured {
  tlm::tlm_command cmd;
  uint64_t addr;
  std::vector<uint8_t> data, be;
  uint64_t cycle;
};

struct Rig {
  std::vector<Captured> got;
  uint64_t latency = 1;
  tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
  Axi4TlmBridge br;
  Axi4SlaveOut s;
  explicit Rig(Axi4TlmBridgeConfig c = Axi4TlmBridgeConfig{8, 2, 2, 4})
      : br(c, [this](tlm::tlm_generic_payload& gp, uint64_t cyc) {
          Captured k{gp.get_command(), gp.get_address(), {}, trnsim::byte_enables(gp), cyc};
          k.data.assign(gp.get_data_ptr(), gp.get_data_ptr() + gp.get_data_length());
          if (gp.is_read())
            for (unsigned i = 0; i < gp.get_data_length(); ++i)
              gp.get_data_ptr()[i] = static_cast<uint8_t>((gp.get_address() >> 8) + i);
          got.push_back(k);
          gp.set_response_status(status);
          return cyc + latency;
        }) {}
  // One cycle: slave outputs, then the master's.
  void step(const Axi4MasterOut& m) {
    br.drive(s);
    br.observe(m);
  }
};

Axi4MasterOut idle8() {
  Axi4MasterOut m;
  m.wdata.assign(2, 0);
  m.arsize = m.awsize = 3;
  return m;
}

}  // namespace

TEST_CASE("axi4 tlm bridge: same memory as Axi4Mem q4_d256", "[axi4_tlm_bridge]") {
  same_memory_as_axi4mem("q4_d256");
}

TEST_CASE("axi4 tlm bridge: same memory as Axi4Mem q2_d64", "[axi4_tlm_bridge]") {
  same_memory_as_axi4mem("q2_d64");
}

TEST_CASE("axi4 tlm bridge: read address error gives DECERR", "[axi4_tlm_bridge]") {
  error_response(true, tlm::TLM_ADDRESS_ERROR_RESPONSE, 3);
}
TEST_CASE("axi4 tlm bridge: read generic error gives SLVERR", "[axi4_tlm_bridge]") {
  error_response(true, tlm::TLM_GENERIC_ERROR_RESPONSE, 2);
}
TEST_CASE("axi4 tlm bridge: write address error gives DECERR", "[axi4_tlm_bridge]") {
  error_response(false, tlm::TLM_ADDRESS_ERROR_RESPONSE, 3);
}
TEST_CASE("axi4 tlm bridge: write generic error gives SLVERR", "[axi4_tlm_bridge]") {
  error_response(false, tlm::TLM_GENERIC_ERROR_RESPONSE, 2);
}

TEST_CASE("axi4 tlm bridge: W before AW makes one payload with byte enables", "[axi4_tlm_bridge]") {
  Rig r;
  Axi4MasterOut m = idle8();
  // Two W beats (second with a partial strobe) before the AW.
  m.wvalid = true;
  m.wdata = {0x03020100u, 0x07060504u};
  m.wstrb = 0xFF;
  r.step(m);
  m.wdata = {0x0B0A0908u, 0x0F0E0D0Cu};
  m.wstrb = 0x0F;
  m.wlast = true;
  r.step(m);
  m = idle8();
  r.step(m);
  CHECK(r.got.empty());
  m.awvalid = true;
  m.awaddr = 0x1003;  // aligned down to 0x1000
  m.awlen = 1;
  r.step(m);  // cycle 3: AW completes the burst
  REQUIRE(r.got.size() == 1);
  CHECK(r.got[0].cmd == tlm::TLM_WRITE_COMMAND);
  CHECK(r.got[0].addr == 0x1000);
  CHECK(r.got[0].cycle == 3);
  REQUIRE(r.got[0].data.size() == 16);
  for (unsigned i = 0; i < 16; ++i) CHECK(r.got[0].data[i] == i);
  REQUIRE(r.got[0].be.size() == 16);
  for (unsigned i = 0; i < 16; ++i) CHECK(r.got[0].be[i] == (i < 12 ? 0xFF : 0x00));
  // B in cycle 4 (latency 1), held until BREADY.
  m = idle8();
  r.step(m);
  CHECK(r.s.bvalid);
  r.step(m);
  CHECK(r.s.bvalid);
  m.bready = true;
  r.step(m);
  r.step(m);
  CHECK_FALSE(r.s.bvalid);
  CHECK(r.br.idle());
}

TEST_CASE("axi4 tlm bridge: full strobes give no byte enable pointer", "[axi4_tlm_bridge]") {
  Rig r;
  Axi4MasterOut m = idle8();
  m.awvalid = true;
  m.awaddr = 0x2000;
  m.wvalid = true;
  m.wstrb = 0xFF;
  m.wlast = true;
  r.step(m);  // AW and W in the same cycle
  REQUIRE(r.got.size() == 1);
  CHECK(r.got[0].be.empty());
  CHECK(r.got[0].data.size() == 8);
}

TEST_CASE("axi4 tlm bridge: R beats from the response cycle in ID order", "[axi4_tlm_bridge]") {
  Rig r(Axi4TlmBridgeConfig{8, 4, 4, 4});
  Axi4MasterOut m = idle8();
  m.rready = true;
  // Cycle 0: AR id 0, 2 beats, answered at 0 + 5.
  r.latency = 5;
  m.arvalid = true;
  m.arid = 0;
  m.araddr = 0x100;
  m.arlen = 1;
  r.step(m);
  // Cycle 1: AR id 1, 1 beat, answered at 1 + 1: overtakes (other ID).
  r.latency = 1;
  m.arid = 1;
  m.araddr = 0x200;
  m.arlen = 0;
  r.step(m);
  // Cycle 2: AR id 0 again, due at 3 but must wait for the first id-0 burst.
  m.arid = 0;
  m.araddr = 0x300;
  r.step(m);
  m.arvalid = false;
  std::vector<std::pair<uint64_t, uint64_t>> beats;  // (cycle, first data byte)
  for (uint64_t c = 3; c < 12; ++c) {
    r.br.drive(r.s);
    if (r.s.rvalid) beats.emplace_back(c, r.s.rdata[0] & 0xFF);
    r.br.observe(m);
  }
  // Cycle 2 drove the id-1 beat (ready at 2); then id 0 from 5 on.
  REQUIRE(beats.size() == 3);
  CHECK(beats[0] == std::make_pair<uint64_t, uint64_t>(5, 0x01));
  CHECK(beats[1] == std::make_pair<uint64_t, uint64_t>(6, 0x09));
  CHECK(beats[2] == std::make_pair<uint64_t, uint64_t>(7, 0x03));
  CHECK(r.br.stats().read_beats == 4);
}

TEST_CASE("axi4 tlm bridge: back-pressure at the outstanding limit", "[axi4_tlm_bridge]") {
  Rig r;  // max 2 reads, 2 writes, 4 early W beats
  r.latency = 10;
  Axi4MasterOut m = idle8();
  m.arvalid = true;
  r.step(m);
  CHECK(r.s.arready);
  r.step(m);
  CHECK(r.s.arready);
  r.step(m);
  CHECK_FALSE(r.s.arready);  // two unanswered
  CHECK(r.got.size() == 2);
  // Early W beats (AR still held): four accepted, the fifth waits.
  m.wvalid = true;
  m.wstrb = 0xFF;
  for (int i = 0; i < 4; ++i) {
    r.step(m);
    CHECK(r.s.wready);
  }
  r.step(m);
  CHECK_FALSE(r.s.wready);
}

TEST_CASE("axi4 tlm bridge: protocol violations throw naming the rule", "[axi4_tlm_bridge]") {
  {
    Rig r;
    Axi4MasterOut m = idle8();
    m.arvalid = true;
    m.araddr = 0xFF8;
    m.arlen = 1;  // 0xFF8 + 8 crosses 4 KiB
    CHECK_THROWS_WITH(r.step(m), Catch::Contains("NO_4K_CROSSING") && Catch::Contains("cycle 0"));
  }
  {
    Rig r;
    Axi4MasterOut m = idle8();
    m.wvalid = true;
    m.wstrb = 0xFF;
    m.wlast = true;  // early WLAST: the AW says two beats
    r.step(m);
    m = idle8();
    m.awvalid = true;
    m.awaddr = 0x40;
    m.awlen = 1;
    CHECK_THROWS_WITH(r.step(m), Catch::Contains("WLAST early"));
  }
  {
    Rig r(Axi4TlmBridgeConfig{8, 1, 1, 4});
    r.latency = 10;
    Axi4MasterOut m = idle8();
    m.arvalid = true;
    r.step(m);
    m.araddr = 0x40;
    r.step(m);  // stalled (limit 1)
    m.arvalid = false;
    CHECK_THROWS_WITH(r.step(m), Catch::Contains("AR_STABLE"));
  }
  {
    Rig r;
    Axi4MasterOut m = idle8();
    m.arvalid = true;
    m.arsize = 2;  // narrow
    CHECK_THROWS_WITH(r.step(m), Catch::Contains("full-width"));
  }
}
