// Lockstep catches a planted mismatch: a fault injected into the fast form
// (TensorTlm::inject_fault on a result row, DmaTlm::inject_fault on a write
// burst) stops the run at that transaction with a report naming it, both
// values and the simulated time, and the RTL form's history waveform (an FST
// covering the N cycles before the divergence) is written.
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <random>
#include <string>

#include "blocks.h"
#include "cosim_test_util.h"
#include "dma/dma_lockstep.h"
#include "dma/dma_tlm.h"
#include "dma_tlm_tb.h"
#include "tensor/tensor_lockstep.h"
#include "tensor/tensor_tlm.h"
#include "tensor_tb.h"
#include "tensor_tlm_tb.h"

using namespace trnsim;
using trnsim::cosim::BlockOptions;
namespace nm = trnsim::numerics;

namespace {

const sc_core::sc_time kPeriod(1, sc_core::SC_NS);

// Little-endian bytes of 32-bit words as LockstepRecord::describe prints them.
std::string le_hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "%02x%02x%02x%02x", v & 0xFF, (v >> 8) & 0xFF, (v >> 16) & 0xFF, v >> 24);
  return b;
}

}  // namespace

TEST_CASE("cosim: lockstep catches a planted tensor result row fault with a waveform window",
          "[cosim][lockstep][tensor]") {
  tlm::tlm_global_quantum::instance().set(sc_core::SC_ZERO_TIME);
  constexpr uint64_t kRow = 5, kHistory = 40;
  constexpr unsigned kLane = 2;
  constexpr uint32_t kMask = 0x00400000;
  BlockOptions opt;
  opt.fidelity = Fidelity::kLockstep;
  opt.wave.path = "cosim_lockstep_tensor_fault.fst";  // the test's working directory
  opt.wave.history_cycles = kHistory;
  std::remove(opt.wave.path.c_str());
  const auto cfg = cosim::tensor_block_config("8x8", kPeriod);
  auto dut = cosim::make_tensor_block("tensor", cfg, opt);
  auto* ls = dynamic_cast<cosim::TensorLockstep*>(dut.get());
  REQUIRE(ls);
  auto* fast = dynamic_cast<tensor::TensorTlm*>(&ls->tlm_form());
  REQUIRE(fast);
  fast->inject_fault(kRow, kLane, kMask);
  const uint64_t seed = 0xFA17;
  INFO("seed " << seed);
  // One command (M <= PSUM depth, K = ROWS, N = COLS): result row i is C[i].
  const std::size_t m = 12, k = 8, n = 8;
  std::mt19937_64 rng(seed);
  const auto a = trnsim::tb::random_matrix(nm::Dtype::kBf16, m * k, rng);
  const auto b = trnsim::tb::random_matrix(nm::Dtype::kBf16, k * n, rng);
  const auto want = trnsim::tb::golden_gemm(m, k, n, cfg.rows, nm::Dtype::kBf16, a, nm::Dtype::kBf16, b);
  std::exception_ptr ex;
  try {
    tb::run_tb(*dut, [&](tb::TensorTb& t) { t.gemm(m, k, n, nm::Dtype::kBf16, a, nm::Dtype::kBf16, b); });
  } catch (const std::exception& e) {
    ex = std::current_exception();
    std::printf("run_tb: %s\n", e.what());
  }
  // The run stopped at the divergence: the body never finished.
  CHECK(ex != nullptr);
  auto& ck = ls->checker();
  REQUIRE(ck.diverged());
  const std::string& rep = ck.report();
  std::printf("---- planted tensor mismatch report ----\n%s\n----\n", rep.c_str());
  CHECK_THAT(rep, Catch::Contains("lockstep divergence in tensor at ") && Catch::Contains(" ns: ") &&
                      Catch::Contains("result row #" + std::to_string(kRow)) &&
                      Catch::Contains("data differs first at byte " + std::to_string(4 * kLane + 2)));
  // The waveform window: N cycles before the divergence plus its cycle.
  uint64_t t0 = 0, t1 = 0;
  REQUIRE(cosim::test::fst_times(opt.wave.path, t0, t1));
  CHECK(cosim::test::file_size(opt.wave.path) > 1000);
  CHECK(t1 - t0 == 2 * (kHistory + 1));
  // Both values in the report.
  const auto at = rep.find("rtl: write addr=");
  REQUIRE(at != std::string::npos);
  const auto tl = rep.find("tlm: write addr=");
  REQUIRE(tl != std::string::npos);
  const std::string rtl_part = rep.substr(at, tl - at), tlm_part = rep.substr(tl);
  // The faulted lane differs by exactly the mask.
  const auto lane_hex = [&](const std::string& part) {
    const auto d = part.find("data: ");
    REQUIRE(d != std::string::npos);
    // lanes are printed as 8 hex digits separated by blanks
    return part.substr(d + 6 + 9 * kLane, 8);
  };
  const std::string rl = lane_hex(rtl_part), tlv = lane_hex(tlm_part);
  const auto to_u32 = [](const std::string& h) {  // little-endian bytes -> value
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint32_t>(std::stoul(h.substr(2 * i, 2), nullptr, 16));
    return v;
  };
  CHECK((to_u32(rl) ^ to_u32(tlv)) == kMask);
  // ... and the RTL's value is the golden one.
  CHECK(rl == le_hex(want[kRow * n + kLane]));
  std::remove(opt.wave.path.c_str());
}

TEST_CASE("cosim: lockstep catches a planted dma write burst fault with a waveform window",
          "[cosim][lockstep][dma]") {
  using namespace trnsim::dma::tb;
  namespace dr = trnsim::regs::dma;
  tlm::tlm_global_quantum::instance().set(sc_core::SC_ZERO_TIME);
  constexpr uint64_t kWrite = 3, kHistory = 64;
  constexpr unsigned kByte = 7;
  constexpr uint8_t kMask = 0x5A;
  BlockOptions opt;
  opt.fidelity = Fidelity::kLockstep;
  opt.wave.path = "cosim_lockstep_dma_fault.fst";
  opt.wave.history_cycles = kHistory;
  std::remove(opt.wave.path.c_str());
  auto dut = cosim::make_dma_block("dma", cosim::dma_block_config("q4_d256", kPeriod), opt);
  auto* ls = dynamic_cast<cosim::DmaLockstep*>(dut.get());
  REQUIRE(ls);
  auto* fast = dynamic_cast<dma::DmaTlm*>(&ls->tlm_form());
  REQUIRE(fast);
  fast->inject_fault(kWrite, kByte, kMask);
  DmaTbConfig tbc;
  tbc.mem.size = 4 << 20;
  tbc.mem.latency = sc_core::sc_time(10, sc_core::SC_NS);
  std::unique_ptr<DmaTb> tb;
  std::string err;
  try {
    tb = run_tb(*dut, tbc, [&](DmaTb& t) {
      std::vector<uint8_t> src(4096);
      for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<uint8_t>(i * 13 + 1);
      t.memory.write_bytes(0x100000, src.data(), src.size());
      QueueSetup s;
      s.ring_base = 0x1000;
      s.entries = 16;
      s.cpl_base = 0x8000;
      s.windows[0] = {0x100000, 0x200000};
      s.windows[1] = {0x200000, 0x300000};
      t.setup_queue(0, s);
      Desc d;
      d.src = 0x100000;
      d.dst = 0x200000;
      d.len = 4096;  // aligned: 8 full bursts of 16 beats
      d.irq = true;
      t.push(0, d);
      t.wait_queue(0);
    });
  } catch (const std::exception& e) {
    err = e.what();
    std::printf("run_tb: %s\n", e.what());
  }
  CHECK_THAT(err, Catch::Contains("did not finish"));
  auto& ck = ls->checker();
  REQUIRE(ck.diverged());
  const std::string& rep = ck.report();
  std::printf("---- planted dma mismatch report ----\n%s\n----\n", rep.c_str());
  CHECK_THAT(rep, Catch::Contains("lockstep divergence in dma at ") &&
                      Catch::Contains("write burst #" + std::to_string(kWrite)) &&
                      Catch::Contains("data differs first at byte " + std::to_string(kByte)));
  // Both values: the write burst the RTL issued is the 4th 512-byte burst
  // (0x200600), its data the source's; the fast form's has byte 7 flipped.
  CHECK_THAT(rep, Catch::Contains("rtl: write addr=0x200600 len=512") &&
                      Catch::Contains("tlm: write addr=0x200600 len=512"));
  char want_rtl[32], want_tlm[32];
  const auto src_byte = [](unsigned i) { return static_cast<unsigned>(static_cast<uint8_t>((0x600 + i) * 13 + 1)); };
  std::snprintf(want_rtl, sizeof want_rtl, "%02x%02x%02x%02x", src_byte(4), src_byte(5), src_byte(6), src_byte(7));
  std::snprintf(want_tlm, sizeof want_tlm, "%02x%02x%02x%02x", src_byte(4), src_byte(5), src_byte(6),
                src_byte(7) ^ kMask);
  const auto rtl_at = rep.find("rtl: write"), tlm_at = rep.find("tlm: write");
  REQUIRE(rtl_at != std::string::npos);
  REQUIRE(tlm_at != std::string::npos);
  CHECK(rep.substr(rtl_at, tlm_at - rtl_at).find(std::string(" ") + want_rtl) != std::string::npos);
  CHECK(rep.substr(tlm_at).find(std::string(" ") + want_tlm) != std::string::npos);
  uint64_t t0 = 0, t1 = 0;
  REQUIRE(cosim::test::fst_times(opt.wave.path, t0, t1));
  CHECK(cosim::test::file_size(opt.wave.path) > 1000);
  CHECK(t1 - t0 == 2 * (kHistory + 1));
  std::remove(opt.wave.path.c_str());
}
