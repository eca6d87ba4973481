// The tensor engine's random GEMM suite (test_tensor_tlm.cpp) through the
// same TLM-2.0 sockets and testbench (tensor_tlm_tb.h) with each fidelity
// made by the factory (cosim/blocks.h): rtl, tlm and lockstep. Every result
// is checked against the golden numerics; in lockstep the two forms must not
// diverge at all (checker.finish() included), and the timing-dependent CSR
// reads (STATUS polling, counters) must agree too (no soft mismatches).
// Error paths in lockstep: refused commands, a CSR access with no register,
// bad stream writes: both forms answer the same. The cycle error of the
// gemm suite (the fast form against the RTL) is printed and checked.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>

#include "blocks.h"
#include "cosim_test_util.h"
#include "tensor/tensor_lockstep.h"
#include "tensor_regs.hpp"
#include "tensor_tb.h"  // random operands and the golden GEMM (header only)
#include "tensor_tlm_tb.h"

using namespace trnsim;
using trnsim::cosim::BlockOptions;
using trnsim::cosim::TensorLockstep;
namespace nm = trnsim::numerics;
namespace tregs = trnsim::regs::tensor;
using tb::TensorCommand;
using tb::TensorTb;

namespace {

const nm::Dtype kDtypes[] = {nm::Dtype::kBf16, nm::Dtype::kFp8E4m3, nm::Dtype::kFp8E5m2};
const sc_core::sc_time kPeriod(1, sc_core::SC_NS);

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", v);
  return b;
}

// Random GEMMs for every dtype pair (K beyond ROWS: PSUM accumulate passes;
// N beyond COLS; M beyond the PSUM depth), with the factory's block.
// Quantum 0: every initiator and both forms stay synchronised to the cycle,
// so even timing-dependent CSR reads (STATUS polling, counters) must agree
// in lockstep. With a larger quantum the RTL form may answer a CSR access
// later than it was requested (it ran ahead: the LT approximation), so such
// reads may differ (counted as soft mismatches, not divergences).
// Returns the overall cycle error in lockstep.
cosim::CycleError random_gemms(const std::string& geo, Fidelity fid, uint64_t base_seed,
                               const sc_core::sc_time& quantum = sc_core::SC_ZERO_TIME) {
  tlm::tlm_global_quantum::instance().set(quantum);
  const auto cfg = cosim::tensor_block_config(geo, kPeriod);
  BlockOptions opt;
  opt.fidelity = fid;
  auto dut = cosim::make_tensor_block("tensor", cfg, opt);
  REQUIRE(std::string(dut->fidelity()) == cosim::test::fidelity_name(fid));
  std::printf("cosim: tensor random gemm %s %s, base seed 0x%llx, quantum %s\n", dut->fidelity(),
              geo.c_str(), static_cast<unsigned long long>(base_seed), quantum.to_string().c_str());
  uint64_t gemms = 0;
  tb::run_tb(*dut, [&](TensorTb& t) {
    std::mt19937_64 shape_rng(base_seed);
    uint64_t macs = 0;
    int i = 0;
    for (nm::Dtype dta : kDtypes) {
      for (nm::Dtype dtb : kDtypes) {
        const std::size_t m = 1 + shape_rng() % (cfg.psum_depth + 3);
        const std::size_t k = 1 + shape_rng() % (2 * cfg.rows + 3);
        const std::size_t n = 1 + shape_rng() % (cfg.cols + cfg.cols / 2 + 1);
        const uint64_t seed = base_seed + ++i;
        std::mt19937_64 rng(seed);
        const auto a = trnsim::tb::random_matrix(dta, m * k, rng, 0.05);
        const auto b = trnsim::tb::random_matrix(dtb, k * n, rng, 0.05);
        const auto run = t.gemm(m, k, n, dta, a, dtb, b);
        const auto want = trnsim::tb::golden_gemm(m, k, n, cfg.rows, dta, a, dtb, b);
        const long bad = trnsim::tb::first_mismatch(run.c, want);
        INFO("fidelity " << dut->fidelity() << " config " << geo << " M=" << m << " K=" << k
                         << " N=" << n << " dtypes " << nm::dtype_name(dta) << "x"
                         << nm::dtype_name(dtb) << " seed " << seed);
        if (bad >= 0)
          INFO("C[" << bad / static_cast<long>(n) << "][" << bad % static_cast<long>(n) << "]: got "
                    << hex32(run.c[bad]) << " golden " << hex32(want[bad]));
        CHECK(bad == -1);
        const std::size_t ntiles = (n + cfg.cols - 1) / cfg.cols;
        macs += ntiles * m * k * cfg.cols;
        CHECK(run.macs == (macs & 0xFFFFFFFFu));
        CHECK(run.stall_cycles == 0);
        ++gemms;
      }
    }
  });
  CHECK(gemms == 9);
  if (auto* ls = dynamic_cast<TensorLockstep*>(dut.get())) {
    auto& ck = ls->checker();
    ck.finish();
    INFO(ck.report());
    CHECK_FALSE(ck.diverged());
    CHECK(ck.compared() > 0);
    if (quantum == sc_core::SC_ZERO_TIME) CHECK(ck.soft_mismatches() == 0);
    std::printf("  lockstep: %llu comparisons, %llu soft mismatches\n%s",
                static_cast<unsigned long long>(ck.compared()),
                static_cast<unsigned long long>(ck.soft_mismatches()),
                ck.cycle_error_report().c_str());
    return ck.overall_cycle_error();
  }
  return {};
}

constexpr uint64_t kSeed4 = 0x7E45'7100, kSeed8 = 0x7E45'7800;

}  // namespace

TEST_CASE("cosim: tensor random gemm rtl 4x4", "[cosim][tensor][rtl]") {
  random_gemms("4x4", Fidelity::kRtl, kSeed4);
}
TEST_CASE("cosim: tensor random gemm tlm 4x4", "[cosim][tensor][tlm]") {
  random_gemms("4x4", Fidelity::kTlm, kSeed4);
}
TEST_CASE("cosim: tensor random gemm lockstep 4x4", "[cosim][tensor][lockstep]") {
  random_gemms("4x4", Fidelity::kLockstep, kSeed4);
}
TEST_CASE("cosim: tensor random gemm rtl 8x8", "[cosim][tensor][rtl]") {
  random_gemms("8x8", Fidelity::kRtl, kSeed8);
}
TEST_CASE("cosim: tensor random gemm tlm 8x8", "[cosim][tensor][tlm]") {
  random_gemms("8x8", Fidelity::kTlm, kSeed8);
}
TEST_CASE("cosim: tensor random gemm lockstep 8x8", "[cosim][tensor][lockstep]") {
  random_gemms("8x8", Fidelity::kLockstep, kSeed8);
}

// With a 1 us quantum (both forms decoupled): still no divergence.
TEST_CASE("cosim: tensor random gemm lockstep 8x8 quantum 1 us", "[cosim][tensor][lockstep]") {
  random_gemms("8x8", Fidelity::kLockstep, kSeed8 + 0x10, sc_core::sc_time(1, sc_core::SC_US));
}

// The cycle error of the tlm form against the rtl form over the GEMM suite:
// the run's length (overall span) within 1 %.
TEST_CASE("cosim: tensor lockstep cycle error of the gemm suite is within 1 percent",
          "[cosim][tensor][lockstep][timing]") {
  const cosim::CycleError all = random_gemms("8x8", Fidelity::kLockstep, kSeed8 + 0x20);
  std::printf("  overall span: rtl %lld cycles, tlm %lld cycles, error %.3f%%\n",
              static_cast<long long>(all.rtl_span()), static_cast<long long>(all.tlm_span()),
              all.span_error_percent());
  REQUIRE(all.count > 100);
  CHECK(std::abs(all.span_error_percent()) <= 1.0);
}

// Error paths in lockstep: refused commands (error code, count, ERROR
// interrupt), a CSR access where no register is (SLVERR), stream writes with
// a bad address, command or length. Both forms answer each the same; a
// good command afterwards still computes.
TEST_CASE("cosim: tensor lockstep error paths do not diverge", "[cosim][tensor][lockstep]") {
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
  const auto cfg = cosim::tensor_block_config("4x4", kPeriod);
  BlockOptions opt;
  opt.fidelity = Fidelity::kLockstep;
  auto dut = cosim::make_tensor_block("tensor", cfg, opt);
  auto* ls = dynamic_cast<TensorLockstep*>(dut.get());
  REQUIRE(ls);
  tb::run_tb(*dut, [&](TensorTb& t) {
    REQUIRE(t.csr_write(tregs::INTR_ENABLE_OFFSET,
                        (1u << tregs::INTR_ENABLE_ERROR_LSB) | (1u << tregs::INTR_ENABLE_DONE_LSB)) ==
            tlm::TLM_OK_RESPONSE);
    // Refused: M = 0, then a datatype code that does not exist.
    TensorCommand bad;
    bad.m_rows = 0;
    t.start_command(bad);
    uint32_t err = t.csr_read(tregs::ERR_CODE_OFFSET);
    CHECK(((err >> tregs::ERR_CODE_COUNT_LSB) & tregs::ERR_CODE_COUNT_MASK) == 1);
    CHECK(((err >> tregs::ERR_CODE_CODE_LSB) & tregs::ERR_CODE_CODE_MASK) != 0);
    CHECK(t.irq());
    TensorCommand bad2;
    bad2.raw_dtype_a = 7;
    t.start_command(bad2);
    err = t.csr_read(tregs::ERR_CODE_OFFSET);
    CHECK(((err >> tregs::ERR_CODE_COUNT_LSB) & tregs::ERR_CODE_COUNT_MASK) == 2);
    CHECK(t.csr_read(tregs::INTR_STATE_OFFSET) ==
          (tregs::INTR_STATE_ERROR_MASK << tregs::INTR_STATE_ERROR_LSB));
    t.csr_write(tregs::INTR_STATE_OFFSET, 0xFFFFFFFF);
    CHECK_FALSE(t.irq());
    // No register at 0xFC: SLVERR both ways.
    uint32_t v = 0xDEAD;
    CHECK(t.csr_read(0xFC, v) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(t.csr_write(0xFC, 1) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    // Bad stream writes are refused before they reach either engine.
    std::vector<unsigned char> row(2 * cfg.cols, 0);
    tlm::tlm_generic_payload gp;
    set_payload(gp, tlm::TLM_WRITE_COMMAND, 0x40, row.data(), static_cast<unsigned>(row.size()));
    CHECK(t.stream_transport(gp) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    set_payload(gp, tlm::TLM_READ_COMMAND, tensor::kWeightStreamAddr, row.data(),
                static_cast<unsigned>(row.size()));
    CHECK(t.stream_transport(gp) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    set_payload(gp, tlm::TLM_WRITE_COMMAND, tensor::kActStreamAddr, row.data(), 3);
    CHECK(t.stream_transport(gp) == tlm::TLM_BURST_ERROR_RESPONSE);
    // A good command still works, DONE interrupt included.
    TensorCommand good;
    good.k_rows = 2;
    good.m_rows = 3;
    t.start_command(good);
    t.stream_weights(TensorTb::Rows(2, std::vector<uint16_t>(cfg.cols, 0x3F80)));
    t.stream_acts(TensorTb::Rows(3, std::vector<uint16_t>(cfg.rows, 0x3F80)));
    t.wait_idle();
    REQUIRE(t.results().size() == 3);
    uint32_t two = 0;
    const float f2 = 2.0f;
    std::memcpy(&two, &f2, 4);
    for (const auto& r : t.results()) CHECK(r.data[0] == two);
    CHECK(t.irq());
    CHECK(t.csr_read(tregs::CMDS_DONE_OFFSET) == 1);
  });
  auto& ck = ls->checker();
  ck.finish();
  INFO(ck.report());
  CHECK_FALSE(ck.diverged());
  CHECK(ck.compared() > 20);
  CHECK(ck.soft_mismatches() == 0);
  CHECK(ck.pushed(cosim::Side::kRtl, "irq edge") == 3);
}
