// GEMM kernel: bit-exact against numerics::gemm_ref on several shapes, dtypes,
// tilings and both buffering modes; DMA timing variants; the deadlock message
// of a kernel with a missing signal.
#include <catch2/catch.hpp>

#include <string>

#include "kernel_test_util.h"

using namespace trnsim;
using namespace trnsim::kernels;
using namespace trnsim::kernels::test;

namespace {

struct GemmCase {
  unsigned m, k, n;
  Dtype a, b, c;
  unsigned m_tile = 0, n_tile = 0, k_tile = 0;
};

struct GemmRun {
  std::vector<uint32_t> got, want;
  RunResult res;
};

GemmRun run_gemm(const GemmCase& g, unsigned buffers, uint32_t seed, const RunOptions& opt = {},
                 const isa::CoreConfig& core = small_core()) {
  std::mt19937 rng(seed);
  const auto a = random_raw(rng, g.a, std::size_t(g.m) * g.k);
  const auto b = random_raw(rng, g.b, std::size_t(g.k) * g.n);
  GemmParams p;
  p.m = g.m;
  p.k = g.k;
  p.n = g.n;
  p.a_dtype = g.a;
  p.b_dtype = g.b;
  p.c_dtype = g.c;
  p.a = 0x1000;
  p.b = 0x100000;
  p.c = 0x200000;
  p.buffers = buffers;
  p.m_tile = g.m_tile;
  p.n_tile = g.n_tile;
  p.k_tile = g.k_tile;
  const Kernel k = gemm(p, target(core));
  HostMemory hbm(kHbmBytes);
  hbm.write_elems(p.a, g.a, a);
  hbm.write_elems(p.b, g.b, b);
  isa::CoreState st(core);
  GemmRun r;
  r.res = run_kernel(k, st, hbm, 0, opt);
  r.got = hbm.read_elems(p.c, g.c, std::size_t(g.m) * g.n);
  r.want = ref::gemm(g.m, g.k, g.n, g.a, a, g.b, b, g.c, core.pe_rows);
  return r;
}

void check_exact(const GemmRun& r) {
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < r.got.size(); ++i)
    if (r.got[i] != r.want[i] && !bad++) first = i;
  INFO("mismatches: " << bad << " first at " << first);
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("gemm is bit-exact against gemm_ref on several shapes dtypes and both buffering modes") {
  const GemmCase cases[] = {
      {16, 32, 16, Dtype::BF16, Dtype::BF16, Dtype::FP32},
      {24, 40, 20, Dtype::BF16, Dtype::BF16, Dtype::BF16},            // partial M and K tiles
      {32, 64, 24, Dtype::FP8E4M3, Dtype::BF16, Dtype::FP32, 8, 8, 16},  // many tiles
      {8, 16, 40, Dtype::FP8E5M2, Dtype::FP8E4M3, Dtype::BF16, 8, 16, 8},
      {48, 24, 8, Dtype::BF16, Dtype::FP8E5M2, Dtype::FP32},
  };
  uint32_t seed = 1000;
  for (const GemmCase& g : cases)
    for (unsigned buffers : {1u, 2u}) {
      ++seed;
      CAPTURE(seed, g.m, g.k, g.n, isa::dtype_name(g.a), isa::dtype_name(g.b), isa::dtype_name(g.c),
              buffers, g.m_tile, g.n_tile, g.k_tile);
      check_exact(run_gemm(g, buffers, seed));
    }
}

TEST_CASE("gemm stays bit-exact with delayed DMA completion and data at issue or at completion") {
  const GemmCase g{24, 48, 24, Dtype::BF16, Dtype::BF16, Dtype::FP32, 8, 8, 16};
  uint32_t seed = 2000;
  for (unsigned buffers : {1u, 2u, 3u})
    for (bool at_issue : {false, true})
      for (unsigned latency : {1u, 7u, 40u}) {
        ++seed;
        RunOptions opt;
        opt.dma_latency = latency;
        opt.data_at_issue = at_issue;
        CAPTURE(seed, buffers, at_issue, latency);
        check_exact(run_gemm(g, buffers, seed, opt));
      }
}

TEST_CASE("gemm on the default 128-partition core with 128-row K tiles is bit-exact") {
  const isa::CoreConfig core;  // 128 x 128 array, 128 partitions
  const GemmCase g{64, 256, 48, Dtype::BF16, Dtype::FP8E4M3, Dtype::FP32};
  const uint32_t seed = 3001;
  CAPTURE(seed);
  for (unsigned buffers : {1u, 2u}) check_exact(run_gemm(g, buffers, seed, {}, core));
}

TEST_CASE("gemm with B in resident groups or streamed stays bit-exact in every DMA mode") {
  // 1088 bytes per partition hold two of the six K x n_tile B panels (three
  // with buffers = 1): groups, A loaded once per group, two output tiles per
  // stationary tile (reuse_weights); 600 bytes hold one panel with buffers =
  // 1 (six groups) and none with 2: the streaming form (256 bytes per
  // buffer, so at most two).
  const GemmCase g{32, 64, 96, Dtype::BF16, Dtype::FP8E4M3, Dtype::FP32, 16, 16, 16};
  uint32_t seed = 2500;
  for (uint32_t sbuf : {1088u, 600u})
    for (unsigned buffers : {1u, 2u, 3u})
      for (unsigned mode = 0; mode < 3 && (sbuf > 600 || buffers < 3); ++mode) {
        ++seed;
        isa::CoreConfig core = small_core();
        core.sbuf_partition_bytes = sbuf;
        RunOptions opt;
        opt.dma_latency = mode ? 7 : 0;
        opt.data_at_issue = mode == 2;
        CAPTURE(seed, sbuf, buffers, mode);
        check_exact(run_gemm(g, buffers, seed, opt, core));
      }
}

TEST_CASE("double-buffered gemm overlaps DMA with compute (fewer interpreter rounds)") {
  // With a 30-round DMA latency, buffers = 1 exposes every load; buffers = 2
  // hides a load behind the previous step's transpose, matmul and evacuation.
  const GemmCase g{32, 64, 32, Dtype::BF16, Dtype::BF16, Dtype::FP32, 8, 8, 16};
  RunOptions opt;
  opt.dma_latency = 30;
  const uint32_t seed = 4001;
  CAPTURE(seed);
  const GemmRun one = run_gemm(g, 1, seed, opt), two = run_gemm(g, 2, seed, opt);
  check_exact(one);
  check_exact(two);
  INFO("rounds: buffers=1 " << one.res.rounds << ", buffers=2 " << two.res.rounds);
  CHECK(two.res.rounds * 10 < one.res.rounds * 7);  // at least 30 % fewer
  CHECK(one.res.dma_bytes == two.res.dma_bytes);
}

TEST_CASE("gemm descriptors round-trip through the DMA layout") {
  GemmParams p;
  p.m = 16;
  p.k = 32;
  p.n = 8;
  p.a = 0x1000;
  p.b = 0x20000;
  p.c = 0x40000;
  const Kernel k = gemm(p, target());
  REQUIRE(!k.descriptors.empty());
  const std::vector<uint8_t> bytes = k.descriptor_bytes();
  REQUIRE(bytes.size() == 32 * k.descriptors.size());
  for (std::size_t i = 0; i < k.descriptors.size(); ++i)
    CHECK(decode_descriptor(bytes.data() + 32 * i) == k.descriptors[i]);
  // Every DMA_START points inside the descriptor block.
  for (const auto& stream : k.program.streams)
    for (const isa::Instruction& in : stream)
      if (in.op == isa::Opcode::DMA_START) {
        CHECK(in.desc_addr >= k.desc_base);
        CHECK(in.desc_addr + 32ull * in.desc_count <= k.desc_base + k.desc_bytes());
        CHECK(in.done_en);
      }
}

TEST_CASE("gemm rejects bad parameters with a message naming the kernel and field") {
  GemmParams p;
  p.m = 16;
  p.k = 32;
  p.n = 8;
  p.k_tile = 12;  // not a multiple of pe_rows = 8
  CHECK_THROWS_WITH(gemm(p, target()), Catch::Contains("kernel gemm: k_tile 12 must be a multiple of pe_rows (8)"));
  p.k_tile = 0;
  p.a_dtype = Dtype::FP32;
  CHECK_THROWS_WITH(gemm(p, target()), Catch::Contains("A and B must be BF16 or FP8"));
  p.a_dtype = Dtype::BF16;
  p.buffers = 9;
  CHECK_THROWS_WITH(gemm(p, target()), Catch::Contains("buffers must be 1..8"));
}

TEST_CASE("a gemm with a missing signal deadlocks with a message naming engine and instruction") {
  GemmParams p;
  p.m = 16;
  p.k = 16;
  p.n = 16;
  p.a = 0x1000;
  p.b = 0x10000;
  p.c = 0x20000;
  Kernel k = gemm(p, target());
  // Drop the tensor engine's signal of its (only) matmul: the scalar engine's
  // PSUM evacuation waits for it forever.
  auto& ts = k.program[isa::Engine::TENSOR];
  std::size_t mm = ts.size();
  for (std::size_t i = 0; i < ts.size(); ++i)
    if (ts[i].op == isa::Opcode::MATMUL) mm = i;
  REQUIRE(mm < ts.size());
  ts[mm].signal_en = false;
  for (unsigned latency : {0u, 5u}) {
    HostMemory hbm(kHbmBytes);
    isa::CoreState st(small_core());
    RunOptions opt;
    opt.dma_latency = latency;
    CAPTURE(latency);
    try {
      run_kernel(k, st, hbm, 0, opt);
      FAIL("no deadlock reported");
    } catch (const isa::IsaError& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.find("deadlock: no engine can proceed") != std::string::npos);
      CHECK(msg.find("scalar engine instruction") != std::string::npos);
      CHECK(msg.find("(copy) waits for semaphore 0 >= 1 (it is 0)") != std::string::npos);
    }
  }
}

TEST_CASE("a descriptor pointing outside HBM and the core is a clear DMA error") {
  GemmParams p;
  p.m = 8;
  p.k = 8;
  p.n = 8;
  p.a = kHbmBytes + 0x100;  // beyond the simulated HBM
  const Kernel k = gemm(p, target());
  HostMemory hbm(kHbmBytes);
  isa::CoreState st(small_core());
  CHECK_THROWS_WITH(run_kernel(k, st, hbm), Catch::Contains("DMA queue 4, descriptor 0 of 1") &&
                                                Catch::Contains("row 0 source address 0x400100 is outside the HBM"));
}
