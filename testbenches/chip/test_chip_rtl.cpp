// The chip with the RTL and lockstep forms of the tensor and DMA blocks
// (chip/chip_cosim.h) on the tiny preset: the same GEMM results as the TLM
// forms (bit-exact against gemm_ref), and lockstep finds no divergence while
// the kernel runs on the chip. Tiny's PSUM is narrowed to the 8x8 RTL
// configuration's 64 rows (core.psum.bank_bytes=128).
#include <catch2/catch.hpp>

#include <cstdio>

#include "chip/chip_cosim.h"
#include "chip/kernel_run.h"
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
  INFO(r.text());
  std::printf("%s", r.text().c_str());
  REQUIRE(r.run.ok);
  REQUIRE(r.check.checked);
  REQUIRE(r.check.passed);
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

TEST_CASE("chip rtl: the tiny preset's full PSUM does not fit the 8x8 RTL configuration") {
  const config::ChipConfig cfg = config::load_config("tiny");
  ChipOptions opt;
  opt.tensor_fidelity = Fidelity::kRtl;
  CHECK_THROWS_WITH(use_cosim_blocks(cfg, opt), Catch::Contains("lower core.psum.bank_bytes to 128"));
}
