// The chip with the RTL and lockstep forms of the tensor and DMA blocks
// (chip/chip_cosim.h) on the tiny preset: the same GEMM results as the TLM
// forms (bit-exact against gemm_ref), and lockstep finds no divergence while
// the kernel runs on the chip. Tiny's PSUM is narrowed to the 8x8 RTL
// configuration's 64 rows (core.psum.bank_bytes=128).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

#include "chip/chip_cosim.h"
#include "chip/kernel_run.h"
#include "chip_test_util.h"
#include "dma/dma_lockstep.h"
#include "tensor/tensor_lockstep.h"

using namespace trnsim;
using namespace trnsim::chip;

namespace {

WorkloadReport run_gemm(Chip& chip) {
  WorkloadSpec s;
  s.kernel = "gemm";
  s.m = 16; s.k = 24; s.n = 20;
  s.seed = 1300;
  CAPTURE(s.seed);
  const WorkloadReport r = run_workload(chip, 0, s);
  test::require_ok(r);
  return r;
}

}  // namespace

TEST_CASE("chip rtl: a GEMM on the tiny chip with the RTL tensor engine and DMA is bit-exact") {
  const config::ChipConfig cfg = config::load_config("tiny", {"core.psum.bank_bytes=128"});
  ChipOptions opt;
  opt.tensor_fidelity = Fidelity::kRtl;
  opt.dma_fidelity = Fidelity::kRtl;
  use_cosim_blocks(cfg, opt);
  Chip chip("chip0", cfg, opt);
  REQUIRE(std::string(chip.core(0).tensor_block().fidelity()) == "rtl");
  REQUIRE(std::string(chip.core(0).dma_block(0).fidelity()) == "rtl");
  run_gemm(chip);
}

TEST_CASE("chip rtl: lockstep tensor engine and DMA find no divergence during a GEMM on the chip") {
  const config::ChipConfig cfg = config::load_config("tiny", {"core.psum.bank_bytes=128"});
  ChipOptions opt;
  opt.tensor_fidelity = Fidelity::kLockstep;
  opt.dma_fidelity = Fidelity::kLockstep;
  use_cosim_blocks(cfg, opt);
  Chip chip("chip0", cfg, opt);
  run_gemm(chip);
  auto* t = dynamic_cast<cosim::TensorLockstep*>(&chip.core(0).tensor_block());
  REQUIRE(t);
  INFO(t->checker().report());
  CHECK_FALSE(t->checker().diverged());
  CHECK(t->checker().compared() > 0);
  std::printf("tensor lockstep: %llu comparisons, 0 divergences\n%s", (unsigned long long)t->checker().compared(),
              t->checker().cycle_error_report().c_str());
  for (unsigned d = 0; d < cfg.core.dma.engines; ++d) {
    auto* m = dynamic_cast<cosim::DmaLockstep*>(&chip.core(0).dma_block(d));
    REQUIRE(m);
    INFO(m->checker().report());
    CHECK_FALSE(m->checker().diverged());
    std::printf("dma%u lockstep: %llu comparisons\n", d, (unsigned long long)m->checker().compared());
  }
}

// Kernels other than the GEMM (vector/scalar engines around the tensor
// engine, many DMA shapes) on three chips in one world, with the TLM, the RTL
// and the lockstep forms of the tensor engine and DMA: all pass the reference
// check and leave identical bytes everywhere the kernels wrote in HBM, and
// lockstep finds no divergence.
TEST_CASE("chip rtl: softmax attention and the MLP training step give the same bytes at tlm rtl and lockstep fidelity") {
  // The MLP step holds up to 8 PSUM banks at once: 8 banks of 32 B (8 FP32
  // per partition, enough for T = D = H = 8) = the 8x8 RTL PSUM's 64 rows.
  const config::ChipConfig cfg = config::load_config("tiny", {"core.psum.bank_bytes=32", "core.psum.banks=8"});
  ChipOptions fast_opt, rtl_opt, ls_opt;
  rtl_opt.tensor_fidelity = Fidelity::kRtl;
  rtl_opt.dma_fidelity = Fidelity::kRtl;
  use_cosim_blocks(cfg, rtl_opt);
  ls_opt.tensor_fidelity = Fidelity::kLockstep;
  ls_opt.dma_fidelity = Fidelity::kLockstep;
  use_cosim_blocks(cfg, ls_opt);
  Chip fast("chip_tlm", cfg, fast_opt), rtl("chip_rtl", cfg, rtl_opt), ls("chip_lockstep", cfg, ls_opt);
  REQUIRE(std::string(rtl.core(0).tensor_block().fidelity()) == "rtl");
  REQUIRE(std::string(fast.core(0).tensor_block().fidelity()) == "tlm");
  struct Case {
    const char* kernel;
    unsigned m, k, n;
    isa::Dtype c;
  };
  const Case cases[] = {
      {"softmax", 20, 0, 8, isa::Dtype::FP32},
      {"attention", 8, 0, 8, isa::Dtype::FP32},
      {"mlp_train", 8, 8, 8, isa::Dtype::FP32},
  };
  for (const Case& c : cases) {
    WorkloadSpec s;
    s.kernel = c.kernel;
    s.m = c.m; s.k = c.k; s.n = c.n;
    s.a_dtype = isa::Dtype::FP32;
    s.c_dtype = c.c;
    s.seed = 1400 + c.m;
    CAPTURE(s.kernel, s.seed);
    const WorkloadReport a = run_workload(fast, 0, s), b = run_workload(rtl, 0, s), l = run_workload(ls, 0, s);
    INFO(l.text());
    REQUIRE(l.ok());
    std::printf("tlm: %srtl: %s", a.text().c_str(), b.text().c_str());
    INFO(a.text() << b.text());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    REQUIRE(b.check.checked);
    // Times: the tensor fast model is cycle-exact; the DMA fast model is
    // within a few cycles per transfer of the RTL (docs/dma.md), which adds
    // up on short DMA-bound kernels (softmax 20x8: 855.5 ns tlm, 810.5 ns rtl).
    const double ta = a.run.elapsed().to_seconds(), tb = b.run.elapsed().to_seconds();
    CHECK(std::abs(ta - tb) <= 0.10 * tb);
  }
  const uint64_t base = fast.options().alloc_base, top = fast.hbm_alloc(0);
  REQUIRE(rtl.hbm_alloc(0) == top);
  std::vector<uint8_t> x(top - base), y(top - base);
  fast.hbm_read(base, x.data(), x.size());
  rtl.hbm_read(base, y.data(), y.size());
  std::size_t first = x.size();
  for (std::size_t i = 0; i < x.size() && first == x.size(); ++i)
    if (x[i] != y[i]) first = i;
  INFO("first differing HBM byte at 0x" << std::hex << base + first);
  CHECK(first == x.size());
  std::vector<uint8_t> z(top - base);
  ls.hbm_read(base, z.data(), z.size());
  CHECK(z == x);
  auto* t = dynamic_cast<cosim::TensorLockstep*>(&ls.core(0).tensor_block());
  REQUIRE(t);
  INFO(t->checker().report());
  CHECK_FALSE(t->checker().diverged());
  CHECK(t->checker().compared() > 0);
  for (unsigned d = 0; d < cfg.core.dma.engines; ++d) {
    auto* m = dynamic_cast<cosim::DmaLockstep*>(&ls.core(0).dma_block(d));
    REQUIRE(m);
    INFO(m->checker().report());
    CHECK_FALSE(m->checker().diverged());
    CHECK(m->checker().compared() > 0);
  }
}

TEST_CASE("chip rtl: the tiny preset's full PSUM does not fit the 8x8 RTL configuration") {
  const config::ChipConfig cfg = config::load_config("tiny");
  ChipOptions opt;
  opt.tensor_fidelity = Fidelity::kRtl;
  CHECK_THROWS_WITH(use_cosim_blocks(cfg, opt), Catch::Contains("lower core.psum.bank_bytes to 128"));
}
