// Tensor engine RTL against the golden numerics and the cycle formula, on
// every small configuration in configs/rtl_configs.json.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>

#include "tensor/tensor_timing.h"
#include "tensor_regs.hpp"
#include "tensor_tb.h"

using namespace trnsim;
namespace nm = trnsim::numerics;
namespace tregs = trnsim::regs::tensor;
using tb::make_driver;

namespace {

const nm::Dtype kDtypes[] = {nm::Dtype::kBf16, nm::Dtype::kFp8E4m3, nm::Dtype::kFp8E5m2};

uint32_t reg_field(uint32_t v, uint32_t lsb, uint32_t mask) { return (v >> lsb) & mask; }

void check_gemm(cosim::TensorDriver& drv, std::size_t m, std::size_t k, std::size_t n,
                nm::Dtype dta, nm::Dtype dtb, uint64_t seed, double specials) {
  std::mt19937_64 rng(seed);
  const auto a = tb::random_matrix(dta, m * k, rng, specials);
  const auto b = tb::random_matrix(dtb, k * n, rng, specials);
  std::vector<uint32_t> c;
  drv.gemm(m, k, n, dta, a, dtb, b, c, false);
  const auto want = tb::golden_gemm(m, k, n, drv.config().rows, dta, a, dtb, b);
  const long bad = tb::first_mismatch(c, want);
  INFO("config " << drv.config().name << " M=" << m << " K=" << k << " N=" << n << " dtypes "
                 << nm::dtype_name(dta) << "x" << nm::dtype_name(dtb) << " seed " << seed);
  if (bad >= 0) {
    char msg[128];
    std::snprintf(msg, sizeof msg, "C[%ld][%ld]: rtl 0x%08X golden 0x%08X",
                  bad / static_cast<long>(n), bad % static_cast<long>(n), c[bad], want[bad]);
    INFO(msg);
  }
  CHECK(bad == -1);
}

}  // namespace

TEST_CASE("tensor engine: identification and geometry CSRs", "[tensor]") {
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name) {
      auto drv = make_driver(cfg.name, "ident");
      const uint32_t id = drv->csr_read(tregs::ID_OFFSET);
      CHECK(reg_field(id, tregs::ID_MAGIC_LSB, tregs::ID_MAGIC_MASK) == tregs::ID_MAGIC_RESET);
      const uint32_t geo = drv->csr_read(tregs::GEOMETRY_OFFSET);
      CHECK(reg_field(geo, tregs::GEOMETRY_ROWS_LSB, tregs::GEOMETRY_ROWS_MASK) == cfg.rows);
      CHECK(reg_field(geo, tregs::GEOMETRY_COLS_LSB, tregs::GEOMETRY_COLS_MASK) == cfg.cols);
      CHECK((1u << reg_field(geo, tregs::GEOMETRY_LOG2_PSUM_DEPTH_LSB,
                             tregs::GEOMETRY_LOG2_PSUM_DEPTH_MASK)) == cfg.psum_depth);
      const uint32_t st = drv->csr_read(tregs::STATUS_OFFSET);
      CHECK(reg_field(st, tregs::STATUS_BUSY_LSB, tregs::STATUS_BUSY_MASK) == 0);
    }
  }
}

TEST_CASE("tensor engine: random GEMMs are bit-exact for every datatype pair", "[tensor]") {
  const uint64_t base_seed = 0x7E45'0001;
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name) {
      auto drv = make_driver(cfg.name, "random_gemm");
      std::mt19937_64 shape_rng(base_seed ^ cfg.rows * 131 ^ cfg.cols);
      int i = 0;
      for (nm::Dtype dta : kDtypes) {
        for (nm::Dtype dtb : kDtypes) {
          // K beyond ROWS (PSUM passes), N beyond COLS (column tiles), odd sizes.
          const std::size_t m = 1 + shape_rng() % (cfg.psum_depth + 3);
          const std::size_t k = 1 + shape_rng() % (2 * cfg.rows + 3);
          const std::size_t n = 1 + shape_rng() % (cfg.cols + cfg.cols / 2 + 1);
          check_gemm(*drv, m, k, n, dta, dtb, base_seed + i++, 0.0);
        }
      }
    }
  }
}

TEST_CASE("tensor engine: special values (zeros subnormals inf NaN overflow)", "[tensor]") {
  const uint64_t base_seed = 0x5BEC'1A15;
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name) {
      auto drv = make_driver(cfg.name, "special_values");
      int i = 0;
      for (nm::Dtype dta : kDtypes)
        for (nm::Dtype dtb : kDtypes)
          check_gemm(*drv, cfg.rows + 1, 2 * cfg.rows + 1, cfg.cols, dta, dtb, base_seed + i++, 0.3);
    }
  }
}

TEST_CASE("tensor engine: result back-pressure and input gaps keep the bits", "[tensor]") {
  const uint64_t seed = 0xBAC4'9E55;
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name) {
      auto drv = make_driver(cfg.name, "backpressure");
      INFO("back-pressure seed " << seed);
      drv->set_result_backpressure(0.35, seed);
      drv->set_input_gaps(0.7, seed + 1);
      check_gemm(*drv, cfg.psum_depth / 2 + 3, cfg.rows * 2, cfg.cols * 2, nm::Dtype::kBf16,
                 nm::Dtype::kFp8E4m3, seed + 2, 0.05);
      const uint32_t stalls = drv->csr_read(tregs::STALL_CYCLES_OFFSET);
      CHECK(stalls > 0);
    }
  }
}

TEST_CASE("tensor engine: single-command latency matches the formula", "[tensor][timing]") {
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name) {
      auto drv = make_driver(cfg.name, "latency");
      const tensor::TimingGeometry g{cfg.rows, cfg.cols};
      std::mt19937_64 rng(0x1A7E'0000 + cfg.rows * 7 + cfg.cols);
      for (int trial = 0; trial < 12; ++trial) {
        cosim::TensorCmd cmd;
        cmd.load_w = trial == 0 || (rng() % 3 != 0);
        cmd.k_rows = 1 + rng() % cfg.rows;
        cmd.m_rows = 1 + rng() % cfg.psum_depth;
        cmd.psum_addr = 0;
        for (uint32_t j = 0; cmd.load_w && j < cmd.k_rows; ++j)
          drv->queue_weights(std::vector<uint16_t>(cfg.cols, 0x3F80));
        for (uint32_t j = 0; j < cmd.m_rows; ++j)
          drv->queue_acts(std::vector<uint16_t>(cfg.rows, 0x3F80));
        const std::size_t before = drv->results().size();
        const int64_t start = static_cast<int64_t>(drv->start_command(cmd)) + cosim::kStartDelay;
        drv->run_until_idle();
        REQUIRE(drv->results().size() == before + cmd.m_rows);
        const int64_t done = static_cast<int64_t>(drv->results().back().cycle);
        INFO("trial " << trial << " load_w " << cmd.load_w << " k " << cmd.k_rows << " m "
                      << cmd.m_rows);
        CHECK(done - start == tensor::single_command_cycles(g, {start, cmd.load_w, cmd.k_rows,
                                                                 cmd.m_rows}));
      }
    }
  }
}

TEST_CASE("tensor engine: back-to-back commands follow the schedule formula",
          "[tensor][timing]") {
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name) {
      auto drv = make_driver(cfg.name, "back_to_back");
      const tensor::TimingGeometry g{cfg.rows, cfg.cols};
      std::mt19937_64 rng(0xB2B0'0000 + cfg.rows * 7 + cfg.cols);
      for (int round = 0; round < 4; ++round) {
        // Queue up to the queue depth, streams already full: the loader
        // overlaps the next tile's weights with the current tile's rows.
        std::vector<cosim::TensorCmd> cmds;
        std::vector<tensor::TimedCmd> timed;
        const unsigned n = cfg.cmd_depth;
        for (unsigned j = 0; j < n; ++j) {
          cosim::TensorCmd cmd;
          cmd.load_w = j == 0 || (rng() % 4 != 0);
          cmd.k_rows = 1 + rng() % cfg.rows;
          // Short and long tiles, so both the drain-limited and the
          // stream-limited cases occur.
          cmd.m_rows = 1 + rng() % ((round % 2) ? cfg.psum_depth : cfg.rows + cfg.cols);
          cmds.push_back(cmd);
          for (uint32_t x = 0; cmd.load_w && x < cmd.k_rows; ++x)
            drv->queue_weights(std::vector<uint16_t>(cfg.cols, 0x3F80));
          for (uint32_t x = 0; x < cmd.m_rows; ++x)
            drv->queue_acts(std::vector<uint16_t>(cfg.rows, 0x4000));
        }
        const std::size_t acts_before = drv->act_handshake_cycles().size();
        const std::size_t w_before = drv->weight_handshake_cycles().size();
        const std::size_t res_before = drv->results().size();
        for (const auto& cmd : cmds) {
          const int64_t s = static_cast<int64_t>(drv->start_command(cmd)) + cosim::kStartDelay;
          timed.push_back({s, cmd.load_w, cmd.k_rows, cmd.m_rows});
        }
        drv->run_until_idle();
        const auto want = tensor::schedule(g, timed);
        const auto& acts = drv->act_handshake_cycles();
        const auto& ws = drv->weight_handshake_cycles();
        std::size_t ai = acts_before, wi = w_before, ri = res_before;
        for (std::size_t j = 0; j < cmds.size(); ++j) {
          INFO("round " << round << " command " << j << " load_w " << cmds[j].load_w << " k "
                        << cmds[j].k_rows << " m " << cmds[j].m_rows);
          if (cmds[j].load_w) {
            CHECK(static_cast<int64_t>(ws[wi]) == want[j].load_first);
            wi += cmds[j].k_rows;
            CHECK(static_cast<int64_t>(ws[wi - 1]) == want[j].load_last);
          }
          CHECK(static_cast<int64_t>(acts[ai]) == want[j].stream_first);
          ai += cmds[j].m_rows;
          CHECK(static_cast<int64_t>(acts[ai - 1]) == want[j].stream_last);
          ri += cmds[j].m_rows;
          CHECK(static_cast<int64_t>(drv->results()[ri - 1].cycle) == want[j].done);
        }
      }
    }
  }
}
