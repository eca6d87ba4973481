// The fast TLM model of the tensor engine (systemc/tensor/tensor_tlm.h)
// through the reusable TLM testbench (tensor_tlm_tb.h): the RTL testbench's
// scenarios (test_tensor_engine*.cpp) against the golden numerics and the
// cycle formula, plus the TLM-specific parts (socket errors, back-pressure,
// determinism, lockstep hooks, trace, blocked-body reporting).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "common/trace.h"
#include "tensor/tensor_timing.h"
#include "tensor/tensor_tlm.h"
#include "tensor_regs.hpp"
#include "tensor_tb.h"  // random operands and the golden GEMM (header only)
#include "tensor_tlm_tb.h"

using namespace trnsim;
namespace nm = trnsim::numerics;
namespace tregs = trnsim::regs::tensor;
using tb::TensorCommand;
using tb::TensorTb;

namespace {

const nm::Dtype kDtypes[] = {nm::Dtype::kBf16, nm::Dtype::kFp8E4m3, nm::Dtype::kFp8E5m2};

// The named configurations of configs/rtl_configs.json used here.
tensor::TensorBlockConfig geometry(const std::string& name) {
  tensor::TensorBlockConfig c;
  c.rtl_config = name;
  c.cmd_depth = 4;
  if (name == "4x4") {
    c.rows = 4, c.cols = 4, c.psum_depth = 16;
  } else if (name == "8x8") {
    c.rows = 8, c.cols = 8, c.psum_depth = 64;
  } else if (name == "4x8") {
    c.rows = 4, c.cols = 8, c.psum_depth = 32;
  } else {
    throw std::invalid_argument("no geometry " + name);
  }
  return c;
}

uint32_t reg_field(uint32_t v, uint32_t lsb, uint32_t mask) { return (v >> lsb) & mask; }

TensorTb::Rows const_rows(std::size_t n, unsigned lanes, uint16_t v) {
  return TensorTb::Rows(n, std::vector<uint16_t>(lanes, v));
}

uint32_t fp32_bits(float f) {
  uint32_t u = 0;
  std::memcpy(&u, &f, 4);
  return u;
}

std::string hex32(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08X", v);
  return b;
}

// Random GEMMs for every dtype pair, K beyond ROWS (PSUM passes, accumulate),
// N beyond COLS, M beyond the PSUM depth; checks the MACS counter too.
void random_gemms(const std::string& geo, uint64_t base_seed) {
  const auto cfg = geometry(geo);
  tensor::TensorTlm dut("tensor", cfg);
  tb::run_tb(dut, [&](TensorTb& t) {
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
        INFO("config " << geo << " M=" << m << " K=" << k << " N=" << n << " dtypes "
                       << nm::dtype_name(dta) << "x" << nm::dtype_name(dtb) << " seed " << seed);
        if (bad >= 0)
          INFO("C[" << bad / static_cast<long>(n) << "][" << bad % static_cast<long>(n) << "]: tlm "
                    << hex32(run.c[bad]) << " golden " << hex32(want[bad]));
        CHECK(bad == -1);
        // Every pass streams every row of its chunk against kr active rows.
        const std::size_t ntiles = (n + cfg.cols - 1) / cfg.cols;
        macs += ntiles * m * k * cfg.cols;
        CHECK(run.macs == (macs & 0xFFFFFFFFu));
        CHECK(run.stall_cycles == 0);
      }
    }
  });
}

// One command at a time on an idle engine: stream handshakes, every result
// row and the total against the formula.
void single_command_timing(const std::string& geo) {
  const auto cfg = geometry(geo);
  tensor::TensorTlm dut("tensor", cfg);
  tb::run_tb(dut, [&](TensorTb& t) {
    const tensor::TimingGeometry g{cfg.rows, cfg.cols};
    const uint64_t seed = 0x1A7E'0000 + cfg.rows * 7 + cfg.cols;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    uint32_t last_k = 0;
    for (int trial = 0; trial < 16; ++trial) {
      TensorCommand cmd;
      cmd.load_w = trial == 0 || (rng() % 3 != 0);
      cmd.k_rows = 1 + rng() % cfg.rows;
      cmd.m_rows = 1 + rng() % cfg.psum_depth;
      const std::size_t before = t.results().size();
      const int64_t s = static_cast<int64_t>(t.start_command(cmd)) + tensor::kCsrStartDelay;
      const int64_t load = cmd.load_w ? cmd.k_rows : 1;
      INFO("trial " << trial << " load_w " << cmd.load_w << " k " << cmd.k_rows << " m " << cmd.m_rows);
      if (cmd.load_w) {
        REQUIRE(t.stream_weights(const_rows(cmd.k_rows, cfg.cols, 0x3F80)) == tlm::TLM_OK_RESPONSE);
        CHECK(static_cast<int64_t>(t.stream_calls().back().end_cycle) == s + cmd.k_rows + 1);
      }
      REQUIRE(t.stream_acts(const_rows(cmd.m_rows, cfg.rows, 0x3F80)) == tlm::TLM_OK_RESPONSE);
      CHECK(static_cast<int64_t>(t.stream_calls().back().end_cycle) == s + load + cmd.m_rows + 1);
      t.wait_idle();
      REQUIRE(t.results().size() == before + cmd.m_rows);
      if (cmd.load_w) last_k = cmd.k_rows;
      for (uint32_t i = 0; i < cmd.m_rows; ++i) {
        // Row i is taken in s + L + 1 + i and valid ROWS + COLS + 1 later.
        CHECK(static_cast<int64_t>(t.results()[before + i].cycle) ==
              s + load + 1 + i + tensor::result_latency(g));
        CHECK(t.results()[before + i].data[cfg.cols - 1] == fp32_bits(static_cast<float>(last_k)));
      }
      const int64_t done = static_cast<int64_t>(t.results().back().cycle);
      CHECK(done - s == tensor::single_command_cycles(g, {s, cmd.load_w, cmd.k_rows, cmd.m_rows}));
    }
  });
}

// Commands queued up to the queue depth with both streams already offering
// data: every handshake and completion against tensor_timing::schedule.
void back_to_back_timing(const std::string& geo) {
  const auto cfg = geometry(geo);
  tensor::TensorTlm dut("tensor", cfg);
  tb::run_tb(dut, [&](TensorTb& t) {
    const tensor::TimingGeometry g{cfg.rows, cfg.cols};
    const uint64_t seed = 0xB2B0'0000 + cfg.rows * 7 + cfg.cols;
    INFO("seed " << seed);
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 6; ++round) {
      std::vector<TensorCommand> cmds;
      std::vector<std::size_t> w_item(cfg.cmd_depth, 0), a_item(cfg.cmd_depth, 0);
      for (unsigned j = 0; j < cfg.cmd_depth; ++j) {
        TensorCommand cmd;
        cmd.load_w = j == 0 || (rng() % 4 != 0);
        cmd.k_rows = 1 + rng() % cfg.rows;
        cmd.m_rows = 1 + rng() % ((round % 2) ? cfg.psum_depth : cfg.rows + cfg.cols);
        cmds.push_back(cmd);
        if (cmd.load_w) w_item[j] = t.queue_weights(const_rows(cmd.k_rows, cfg.cols, 0x3F80));
        a_item[j] = t.queue_acts(const_rows(cmd.m_rows, cfg.rows, 0x4000), true);
      }
      t.wait_cycles(1);  // the feeders offer their first rows before the first START
      const std::size_t res_before = t.results().size();
      std::vector<tensor::TimedCmd> timed;
      for (const auto& cmd : cmds) {
        const int64_t s = static_cast<int64_t>(t.start_command(cmd)) + tensor::kCsrStartDelay;
        timed.push_back({s, cmd.load_w, cmd.k_rows, cmd.m_rows});
      }
      t.wait_idle();
      const auto want = tensor::schedule(g, timed);
      std::size_t ri = res_before;
      for (std::size_t j = 0; j < cmds.size(); ++j) {
        INFO("round " << round << " command " << j << " load_w " << cmds[j].load_w << " k "
                      << cmds[j].k_rows << " m " << cmds[j].m_rows);
        int64_t load_end = -1, first_end = -1, last_end = -1;
        for (const auto& c : t.stream_calls()) {
          if (c.item == tb::TbStreamCall::kDirect) continue;
          if (c.weights && cmds[j].load_w && c.item == w_item[j]) load_end = static_cast<int64_t>(c.end_cycle);
          if (!c.weights && c.item == a_item[j]) {
            if (c.first_row == 0) first_end = static_cast<int64_t>(c.end_cycle);
            last_end = static_cast<int64_t>(c.end_cycle);
          }
        }
        if (cmds[j].load_w) CHECK(load_end - 1 == want[j].load_last);
        CHECK(first_end - 1 == want[j].stream_first);
        CHECK(last_end - 1 == want[j].stream_last);
        ri += cmds[j].m_rows;
        REQUIRE(t.results().size() >= ri);
        CHECK(static_cast<int64_t>(t.results()[ri - 1].cycle) == want[j].done);
      }
    }
  });
}

}  // namespace

TEST_CASE("tensor tlm: identification and geometry CSRs", "[tensor][tlm]") {
  auto cfg = geometry("4x8");
  tensor::TensorTlm dut("tensor", cfg);
  CHECK(std::string(dut.fidelity()) == "tlm");
  tb::run_tb(dut, [&](TensorTb& t) {
    const uint32_t id = t.csr_read(tregs::ID_OFFSET);
    CHECK(reg_field(id, tregs::ID_MAGIC_LSB, tregs::ID_MAGIC_MASK) == 0x7E45);
    CHECK(id == tregs::ID_RESET);
    const uint32_t geo = t.csr_read(tregs::GEOMETRY_OFFSET);
    CHECK(reg_field(geo, tregs::GEOMETRY_ROWS_LSB, tregs::GEOMETRY_ROWS_MASK) == cfg.rows);
    CHECK(reg_field(geo, tregs::GEOMETRY_COLS_LSB, tregs::GEOMETRY_COLS_MASK) == cfg.cols);
    CHECK((1u << reg_field(geo, tregs::GEOMETRY_LOG2_PSUM_DEPTH_LSB, tregs::GEOMETRY_LOG2_PSUM_DEPTH_MASK)) ==
          cfg.psum_depth);
    CHECK(t.csr_read(tregs::STATUS_OFFSET) == 0);
    for (uint32_t off : {tregs::CMDS_DONE_OFFSET, tregs::BUSY_CYCLES_OFFSET, tregs::STALL_CYCLES_OFFSET,
                         tregs::MACS_OFFSET, tregs::ERR_CODE_OFFSET, tregs::INTR_STATE_OFFSET})
      CHECK(t.csr_read(off) == 0);
    CHECK(t.csr_read(tregs::CMD_CFG_OFFSET) == tregs::CMD_CFG_RESET);
  });
}

TEST_CASE("tensor tlm: random GEMMs are bit-exact for every datatype pair on 4x4", "[tensor][tlm]") {
  random_gemms("4x4", 0x7E45'7100);
}

TEST_CASE("tensor tlm: random GEMMs are bit-exact for every datatype pair on 8x8", "[tensor][tlm]") {
  random_gemms("8x8", 0x7E45'7800);
}

TEST_CASE("tensor tlm: PSUM accumulate and overwrite with weight reuse across commands", "[tensor][tlm]") {
  for (const char* geo : {"4x4"}) {
    const auto cfg = geometry(geo);
    tensor::TensorTlm dut("tensor", cfg);
    const uint64_t seed = 0xACC0'0017;
    tb::run_tb(dut, [&](TensorTb& t) {
      INFO("config " << geo << " seed " << seed);
      std::mt19937_64 rng(seed);
      std::vector<uint32_t> psum(cfg.psum_depth * cfg.cols, 0);  // reset value +0.0
      std::vector<uint16_t> w;
      nm::Dtype dtw = nm::Dtype::kBf16;
      uint32_t k = 0;
      for (int step = 0; step < 40; ++step) {
        TensorCommand cmd;
        cmd.load_w = step == 0 || rng() % 2;
        cmd.dtype_a = static_cast<nm::Dtype>(rng() % 3);
        if (cmd.load_w) {
          dtw = static_cast<nm::Dtype>(rng() % 3);
          k = 1 + rng() % cfg.rows;
          w = trnsim::tb::random_matrix(dtw, k * cfg.cols, rng, 0.05);
        }
        // A reusing command may read the stored weight codes as another type.
        cmd.dtype_w = (!cmd.load_w && rng() % 4 == 0) ? static_cast<nm::Dtype>(rng() % 3) : dtw;
        cmd.k_rows = cmd.load_w ? k : 1 + rng() % cfg.rows;  // ignored without LOAD_W
        cmd.m_rows = 1 + rng() % std::min<uint32_t>(cfg.psum_depth, 9);
        cmd.psum_addr = rng() % (cfg.psum_depth - cmd.m_rows + 1);
        cmd.accumulate = rng() % 3 != 0;
        cmd.emit = rng() % 4 != 0;
        cmd.irq = rng() % 2;
        const auto a = trnsim::tb::random_matrix(cmd.dtype_a, cmd.m_rows * k, rng, 0.05);
        // Golden: this tile into the PSUM rows.
        nm::GemmShape s;
        s.m = cmd.m_rows;
        s.k = k;
        s.n = cfg.cols;
        s.tile_rows = cfg.rows;
        std::vector<uint32_t> c(psum.begin() + cmd.psum_addr * cfg.cols,
                                psum.begin() + (cmd.psum_addr + cmd.m_rows) * cfg.cols);
        nm::gemm_ref(s, cmd.dtype_a, a.data(), cmd.dtype_w, w.data(), c.data(), cmd.accumulate);
        std::copy(c.begin(), c.end(), psum.begin() + cmd.psum_addr * cfg.cols);

        const std::size_t before = t.results().size();
        t.start_command(cmd);
        if (cmd.load_w) {
          TensorTb::Rows wr(k);
          for (uint32_t r = 0; r < k; ++r) wr[r].assign(w.begin() + r * cfg.cols, w.begin() + (r + 1) * cfg.cols);
          REQUIRE(t.stream_weights(wr) == tlm::TLM_OK_RESPONSE);
        }
        TensorTb::Rows ar(cmd.m_rows, std::vector<uint16_t>(cfg.rows, 0x7FFF));  // lanes >= K ignored
        for (uint32_t r = 0; r < cmd.m_rows; ++r) std::copy(a.begin() + r * k, a.begin() + (r + 1) * k, ar[r].begin());
        REQUIRE(t.stream_acts(ar) == tlm::TLM_OK_RESPONSE);
        t.wait_idle();
        INFO("step " << step << " load_w " << cmd.load_w << " acc " << cmd.accumulate << " emit " << cmd.emit
                     << " addr " << cmd.psum_addr << " m " << cmd.m_rows << " k " << k);
        REQUIRE(t.results().size() == before + (cmd.emit ? cmd.m_rows : 0));
        for (uint32_t r = 0; cmd.emit && r < cmd.m_rows; ++r) {
          const auto& row = t.results()[before + r];
          REQUIRE(row.psum_row == cmd.psum_addr + r);
          REQUIRE(row.addr == uint64_t{row.psum_row} * cfg.cols * 4);
          for (uint32_t col = 0; col < cfg.cols; ++col) {
            INFO("row " << r << " col " << col);
            REQUIRE(row.data[col] == psum[(cmd.psum_addr + r) * cfg.cols + col]);
          }
        }
      }
      CHECK(t.csr_read(tregs::CMDS_DONE_OFFSET) == 40);
      CHECK(dut.commands_done() == 40);
      CHECK(dut.result_rows() == t.results().size());
    });
  }
}

TEST_CASE("tensor tlm: illegal commands are refused with a code and never queued", "[tensor][tlm]") {
  const auto cfg = geometry("4x4");
  tensor::TensorTlm dut("tensor", cfg);
  tb::run_tb(dut, [&](TensorTb& t) {
    REQUIRE(t.csr_write(tregs::INTR_ENABLE_OFFSET,
                        (1u << tregs::INTR_ENABLE_ERROR_LSB) | (1u << tregs::INTR_ENABLE_DONE_LSB)) ==
            tlm::TLM_OK_RESPONSE);
    uint32_t expected_count = 0;
    auto refused = [&](const TensorCommand& cmd, tregs::ErrCode code) {
      const std::size_t edges = t.irq_edges().size();
      const int64_t s = static_cast<int64_t>(t.start_command(cmd)) + tensor::kCsrStartDelay;
      ++expected_count;
      const uint32_t err = t.csr_read(tregs::ERR_CODE_OFFSET);
      CHECK(reg_field(err, tregs::ERR_CODE_CODE_LSB, tregs::ERR_CODE_CODE_MASK) == static_cast<uint32_t>(code));
      CHECK(reg_field(err, tregs::ERR_CODE_COUNT_LSB, tregs::ERR_CODE_COUNT_MASK) == expected_count);
      CHECK(reg_field(t.csr_read(tregs::INTR_STATE_OFFSET), tregs::INTR_STATE_ERROR_LSB,
                      tregs::INTR_STATE_ERROR_MASK) == 1);
      CHECK(t.irq());
      // The ERROR bit (and irq) rise the cycle after START reached the engine.
      REQUIRE(t.irq_edges().size() == edges + 1);
      CHECK(t.irq_edges().back().level);
      CHECK(static_cast<int64_t>(t.irq_edges().back().cycle) == s + 1);
      const uint64_t w = t.cycle();
      t.csr_write(tregs::INTR_STATE_OFFSET, 1u << tregs::INTR_STATE_ERROR_LSB);  // W1C
      CHECK_FALSE(t.irq());
      REQUIRE(t.irq_edges().size() == edges + 2);
      CHECK(t.irq_edges().back().cycle == w + 2);  // register bus + 1
    };

    TensorCommand reuse_first;
    reuse_first.load_w = false;
    refused(reuse_first, tregs::ErrCode::NO_WEIGHTS);

    TensorCommand bad_dtype;
    bad_dtype.raw_dtype_a = 3;
    refused(bad_dtype, tregs::ErrCode::BAD_DTYPE);
    bad_dtype.raw_dtype_a.reset();
    bad_dtype.raw_dtype_w = 3;
    refused(bad_dtype, tregs::ErrCode::BAD_DTYPE);
    bad_dtype.k_rows = 0;  // BAD_DTYPE is checked first
    refused(bad_dtype, tregs::ErrCode::BAD_DTYPE);

    TensorCommand bad_k;
    bad_k.k_rows = 0;
    refused(bad_k, tregs::ErrCode::BAD_K);
    bad_k.k_rows = cfg.rows + 1;
    bad_k.m_rows = 0;  // BAD_K before BAD_M
    refused(bad_k, tregs::ErrCode::BAD_K);

    TensorCommand bad_m;
    bad_m.m_rows = 0;
    refused(bad_m, tregs::ErrCode::BAD_M);

    TensorCommand range;
    range.psum_addr = cfg.psum_depth - 1;
    range.m_rows = 2;
    refused(range, tregs::ErrCode::PSUM_RANGE);
    range.psum_addr = 0xFFFF;
    range.m_rows = 0xFFFF;
    refused(range, tregs::ErrCode::PSUM_RANGE);
    range.load_w = false;  // PSUM_RANGE before NO_WEIGHTS
    refused(range, tregs::ErrCode::PSUM_RANGE);

    uint32_t st = t.csr_read(tregs::STATUS_OFFSET);
    CHECK(st == 0);  // nothing queued, not busy
    CHECK(dut.commands_accepted() == 0);
    CHECK(dut.commands_refused() == expected_count);

    // Fill the queue while no weights arrive, then one more is refused.
    TensorCommand ok;
    ok.k_rows = 1;
    ok.m_rows = 1;
    ok.irq = false;
    for (unsigned i = 0; i < cfg.cmd_depth; ++i) t.start_command(ok);
    st = t.csr_read(tregs::STATUS_OFFSET);
    CHECK(reg_field(st, tregs::STATUS_QUEUE_FULL_LSB, tregs::STATUS_QUEUE_FULL_MASK) == 1);
    CHECK(reg_field(st, tregs::STATUS_QUEUE_COUNT_LSB, tregs::STATUS_QUEUE_COUNT_MASK) == cfg.cmd_depth);
    CHECK(reg_field(st, tregs::STATUS_WEIGHTS_LOADING_LSB, tregs::STATUS_WEIGHTS_LOADING_MASK) == 1);
    CHECK(reg_field(st, tregs::STATUS_STREAMING_LSB, tregs::STATUS_STREAMING_MASK) == 0);
    CHECK(reg_field(st, tregs::STATUS_BUSY_LSB, tregs::STATUS_BUSY_MASK) == 1);
    refused(ok, tregs::ErrCode::QUEUE_FULL);

    // The queued work completes once data arrives, and the engine goes on.
    for (unsigned i = 0; i < cfg.cmd_depth; ++i) {
      t.queue_weights(const_rows(1, cfg.cols, 0x3F80));  // 1.0
      t.queue_acts(const_rows(1, cfg.rows, 0x4000));     // 2.0
    }
    const std::size_t before = t.results().size();
    t.wait_idle();
    REQUIRE(t.results().size() == before + cfg.cmd_depth);
    CHECK(t.results().back().data[0] == 0x40000000u);  // 1 row: 2.0 * 1.0
    CHECK(t.csr_read(tregs::CMDS_DONE_OFFSET) == cfg.cmd_depth);
    CHECK(t.csr_read(tregs::STATUS_OFFSET) == 0);
    std::mt19937_64 rng(99);
    const auto a = trnsim::tb::random_matrix(nm::Dtype::kBf16, 3 * cfg.rows, rng);
    const auto b = trnsim::tb::random_matrix(nm::Dtype::kBf16, cfg.rows * cfg.cols, rng);
    const auto run = t.gemm(3, cfg.rows, cfg.cols, nm::Dtype::kBf16, a, nm::Dtype::kBf16, b);
    CHECK(run.c == trnsim::tb::golden_gemm(3, cfg.rows, cfg.cols, cfg.rows, nm::Dtype::kBf16, a,
                                           nm::Dtype::kBf16, b));
    // ERR_CODE keeps the last refusal.
    CHECK(reg_field(t.csr_read(tregs::ERR_CODE_OFFSET), tregs::ERR_CODE_CODE_LSB, tregs::ERR_CODE_CODE_MASK) ==
          static_cast<uint32_t>(tregs::ErrCode::QUEUE_FULL));
  });
}

TEST_CASE("tensor tlm: completion interrupt follows the IRQ flag and INTR_ENABLE", "[tensor][tlm]") {
  const auto cfg = geometry("4x4");
  tensor::TensorTlm dut("tensor", cfg);
  tb::run_tb(dut, [&](TensorTb& t) {
    TensorCommand cmd;
    cmd.k_rows = 1;
    cmd.m_rows = 2;
    cmd.irq = false;
    t.start_command(cmd);
    t.stream_weights(const_rows(1, cfg.cols, 0x3F80));
    t.stream_acts(const_rows(2, cfg.rows, 0x3F80));
    t.wait_idle();
    CHECK(t.csr_read(tregs::INTR_STATE_OFFSET) == 0);  // IRQ flag clear: no DONE
    // DONE set while disabled: state set, no irq; enabling raises it.
    cmd.load_w = false;
    cmd.irq = true;
    const int64_t s = static_cast<int64_t>(t.start_command(cmd)) + tensor::kCsrStartDelay;
    t.stream_acts(const_rows(2, cfg.rows, 0x3F80));
    t.wait_idle();
    CHECK(reg_field(t.csr_read(tregs::INTR_STATE_OFFSET), tregs::INTR_STATE_DONE_LSB, tregs::INTR_STATE_DONE_MASK) ==
          1);
    CHECK_FALSE(t.irq());
    CHECK(t.irq_edges().empty());
    const uint64_t w = t.cycle();
    t.csr_write(tregs::INTR_ENABLE_OFFSET, 1u << tregs::INTR_ENABLE_DONE_LSB);
    CHECK(t.irq());
    REQUIRE(t.irq_edges().size() == 1);
    CHECK(t.irq_edges()[0].cycle == w + 2);
    t.csr_write(tregs::INTR_STATE_OFFSET, 1u << tregs::INTR_STATE_DONE_LSB);
    CHECK_FALSE(t.irq());
    // Enabled: DONE rises with the last result row (the formula's done cycle).
    cmd.m_rows = 3;
    const int64_t s2 = static_cast<int64_t>(t.start_command(cmd)) + tensor::kCsrStartDelay;
    t.stream_acts(const_rows(3, cfg.rows, 0x3F80));
    t.wait_idle();
    REQUIRE(t.irq_edges().size() == 3);
    CHECK(t.irq_edges()[2].level);
    const tensor::TimingGeometry g{cfg.rows, cfg.cols};
    CHECK(static_cast<int64_t>(t.irq_edges()[2].cycle) - s2 == tensor::single_command_cycles(g, {s2, false, 1, 3}));
    CHECK(t.irq_edges()[2].cycle == t.results().back().cycle);
    CHECK(s > 0);
  });
}

TEST_CASE("tensor tlm: CSR and stream access semantics and errors", "[tensor][tlm]") {
  const auto cfg = geometry("4x4");
  tensor::TensorTlm dut("tensor", cfg);
  tb::run_tb(dut, [&](TensorTb& t) {
    // Every access costs the RTL's AXI4-Lite round trip.
    uint32_t v = 0;
    CHECK(t.csr_read(tregs::ID_OFFSET, v) == tlm::TLM_OK_RESPONSE);
    CHECK(t.last_csr_cycles() == tensor::kCsrAccessCycles);
    // RO: writes are accepted and ignored.
    CHECK(t.csr_write(tregs::ID_OFFSET, 0) == tlm::TLM_OK_RESPONSE);
    CHECK(t.last_csr_cycles() == tensor::kCsrAccessCycles);
    CHECK(t.csr_read(tregs::ID_OFFSET) == tregs::ID_RESET);
    CHECK(t.csr_write(tregs::STATUS_OFFSET, 0xFFFFFFFF) == tlm::TLM_OK_RESPONSE);
    CHECK(t.csr_read(tregs::STATUS_OFFSET) == 0);
    // WO reads 0; START = 0 does nothing.
    CHECK(t.csr_write(tregs::CTRL_OFFSET, 0) == tlm::TLM_OK_RESPONSE);
    CHECK(t.csr_read(tregs::CTRL_OFFSET) == 0);
    CHECK(dut.commands_accepted() + dut.commands_refused() == 0);
    // START with byte 0 disabled does nothing either.
    CHECK(t.csr_write(tregs::CTRL_OFFSET, 1, 0xE) == tlm::TLM_OK_RESPONSE);
    CHECK(dut.commands_accepted() + dut.commands_refused() == 0);
    // RW with strobes: only byte 2 of CMD_SHAPE changes.
    CHECK(t.csr_write(tregs::CMD_SHAPE_OFFSET, 0, 0xF) == tlm::TLM_OK_RESPONSE);
    CHECK(t.csr_write(tregs::CMD_SHAPE_OFFSET, 0xFFFFFFFF, 0x4) == tlm::TLM_OK_RESPONSE);
    CHECK(t.csr_read(tregs::CMD_SHAPE_OFFSET) == (0x00FF0000u & tregs::kRegisters[8].rw_mask));
    CHECK(t.csr_write(tregs::INTR_ENABLE_OFFSET, 0xFFFFFFFF) == tlm::TLM_OK_RESPONSE);
    CHECK(t.csr_read(tregs::INTR_ENABLE_OFFSET) == 3);
    CHECK(t.csr_write(tregs::INTR_ENABLE_OFFSET, 0) == tlm::TLM_OK_RESPONSE);
    // W1C: both bits set (a refusal and a completion), cleared one at a time.
    TensorCommand bad;
    bad.m_rows = 0;
    t.start_command(bad);
    TensorCommand good;
    t.start_command(good);
    t.stream_weights(const_rows(1, cfg.cols, 0x3F80));
    t.stream_acts(const_rows(1, cfg.rows, 0x3F80));
    t.wait_idle();
    CHECK(t.csr_read(tregs::INTR_STATE_OFFSET) == 3);
    t.csr_write(tregs::INTR_STATE_OFFSET, 0x0);
    CHECK(t.csr_read(tregs::INTR_STATE_OFFSET) == 3);
    t.csr_write(tregs::INTR_STATE_OFFSET, 1u << tregs::INTR_STATE_ERROR_LSB, 0x1);
    CHECK(t.csr_read(tregs::INTR_STATE_OFFSET) == 1);
    t.csr_write(tregs::INTR_STATE_OFFSET, 0xFFFFFFFF);
    CHECK(t.csr_read(tregs::INTR_STATE_OFFSET) == 0);

    // No register there: SLVERR (generic error), read data 0, same latency.
    v = 0xDEAD;
    CHECK(t.csr_read(0xFC, v) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(v == 0);
    CHECK(t.last_csr_cycles() == tensor::kCsrAccessCycles);
    CHECK(t.csr_write(0xFC, 1) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(t.csr_write(tregs::MACS_OFFSET + 4, 1) == tlm::TLM_GENERIC_ERROR_RESPONSE);
    // Shapes the AXI4-Lite port cannot carry never reach the block.
    CHECK(t.csr_write(tregs::CMD_PSUM_OFFSET + 1, 1) == tlm::TLM_BURST_ERROR_RESPONSE);  // misaligned
    CHECK(t.csr_write(1u << tregs::ADDR_BITS, 1) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    {
      tlm::tlm_generic_payload gp;
      uint32_t d = 0;
      set_payload(gp, tlm::TLM_READ_COMMAND, tregs::ID_OFFSET, reinterpret_cast<unsigned char*>(&d), 2);
      CHECK(t.csr_transport(gp) == tlm::TLM_BURST_ERROR_RESPONSE);  // short
      unsigned char be[4] = {0xFF, 0xFF, 0xFF, 0xFF};
      set_payload(gp, tlm::TLM_READ_COMMAND, tregs::ID_OFFSET, reinterpret_cast<unsigned char*>(&d), 4, be, 4);
      CHECK(t.csr_transport(gp) == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);  // strobed read
      set_payload(gp, tlm::TLM_IGNORE_COMMAND, tregs::ID_OFFSET, reinterpret_cast<unsigned char*>(&d), 4);
      CHECK(t.csr_transport(gp) == tlm::TLM_COMMAND_ERROR_RESPONSE);
    }
    // Streams: reads, other addresses, partial rows, strobes are refused.
    {
      std::vector<unsigned char> buf(cfg.cols * 2 * 2, 0);
      tlm::tlm_generic_payload gp;
      set_payload(gp, tlm::TLM_READ_COMMAND, tensor::kWeightStreamAddr, buf.data(), cfg.cols * 2);
      CHECK(t.stream_transport(gp) == tlm::TLM_COMMAND_ERROR_RESPONSE);
      set_payload(gp, tlm::TLM_WRITE_COMMAND, tensor::kWeightStreamAddr + 0x40, buf.data(), cfg.cols * 2);
      CHECK(t.stream_transport(gp) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
      set_payload(gp, tlm::TLM_WRITE_COMMAND, tensor::kActStreamAddr, buf.data(), cfg.rows * 2 + 2);
      CHECK(t.stream_transport(gp) == tlm::TLM_BURST_ERROR_RESPONSE);
      set_payload(gp, tlm::TLM_WRITE_COMMAND, tensor::kActStreamAddr, buf.data(), 0);
      CHECK(t.stream_transport(gp) == tlm::TLM_BURST_ERROR_RESPONSE);
      unsigned char be[2] = {0xFF, 0x00};
      set_payload(gp, tlm::TLM_WRITE_COMMAND, tensor::kActStreamAddr, buf.data(), cfg.rows * 2, be, 2);
      CHECK(t.stream_transport(gp) == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    }
    CHECK(t.stream_weights(TensorTb::Rows{}) != tlm::TLM_OK_RESPONSE);
    CHECK_THROWS_WITH(t.stream_acts(const_rows(1, cfg.rows + 1, 0)), Catch::Contains("lanes"));
  });
}

TEST_CASE("tensor tlm: single-command latency matches the formula on 4x4", "[tensor][tlm][timing]") {
  single_command_timing("4x4");
}

TEST_CASE("tensor tlm: single-command latency matches the formula on 8x8", "[tensor][tlm][timing]") {
  single_command_timing("8x8");
}

TEST_CASE("tensor tlm: back-to-back commands follow the schedule formula on 4x4", "[tensor][tlm][timing]") {
  back_to_back_timing("4x4");
}

TEST_CASE("tensor tlm: back-to-back commands follow the schedule formula on 8x8", "[tensor][tlm][timing]") {
  back_to_back_timing("8x8");
}

TEST_CASE("tensor tlm: counters and STATUS follow the RTL definitions", "[tensor][tlm]") {
  const auto cfg = geometry("8x8");
  tensor::TensorTlm dut("tensor", cfg);
  tb::run_tb(dut, [&](TensorTb& t) {
    const tensor::TimingGeometry g{cfg.rows, cfg.cols};
    uint64_t busy = 0, macs = 0, done = 0;
    for (int emit = 1; emit >= 0; --emit) {
      TensorCommand cmd;
      cmd.k_rows = 5;
      cmd.m_rows = 7;
      cmd.emit = emit;
      const int64_t s = static_cast<int64_t>(t.start_command(cmd)) + tensor::kCsrStartDelay;
      // Queued, waiting for weights.
      uint32_t st = t.csr_read(tregs::STATUS_OFFSET);
      CHECK(reg_field(st, tregs::STATUS_BUSY_LSB, tregs::STATUS_BUSY_MASK) == 1);
      CHECK(reg_field(st, tregs::STATUS_QUEUE_COUNT_LSB, tregs::STATUS_QUEUE_COUNT_MASK) == 1);
      CHECK(reg_field(st, tregs::STATUS_WEIGHTS_LOADING_LSB, tregs::STATUS_WEIGHTS_LOADING_MASK) == 1);
      CHECK(reg_field(st, tregs::STATUS_STREAMING_LSB, tregs::STATUS_STREAMING_MASK) == 0);
      t.stream_weights(const_rows(cmd.k_rows, cfg.cols, 0x3F80));
      // Weights in: the command sits in the stream slot waiting for rows.
      st = t.csr_read(tregs::STATUS_OFFSET);
      CHECK(reg_field(st, tregs::STATUS_WEIGHTS_LOADING_LSB, tregs::STATUS_WEIGHTS_LOADING_MASK) == 0);
      CHECK(reg_field(st, tregs::STATUS_STREAMING_LSB, tregs::STATUS_STREAMING_MASK) == 1);
      CHECK(reg_field(st, tregs::STATUS_QUEUE_FULL_LSB, tregs::STATUS_QUEUE_FULL_MASK) == 0);
      t.stream_acts(const_rows(cmd.m_rows, cfg.rows, 0x3F80));
      t.wait_idle();
      // BUSY from s + 1 to the last result's handshake (or the last PSUM
      // write); the CSR reads above delay the streams, so measure, not T.
      const int64_t last_act = static_cast<int64_t>(t.stream_calls().back().end_cycle) - 1;
      const int64_t end = last_act + tensor::result_latency(g) - (emit ? 0 : 1);
      if (emit) CHECK(static_cast<int64_t>(t.results().back().cycle) == end);
      busy += static_cast<uint64_t>(end - s);
      macs += uint64_t{cmd.m_rows} * cmd.k_rows * cfg.cols;
      ++done;
      INFO("emit " << emit);
      CHECK(t.csr_read(tregs::BUSY_CYCLES_OFFSET) == busy);
      CHECK(t.csr_read(tregs::MACS_OFFSET) == macs);
      CHECK(t.csr_read(tregs::CMDS_DONE_OFFSET) == done);
      CHECK(t.csr_read(tregs::STALL_CYCLES_OFFSET) == 0);
    }
    // LOAD_W = 0 counts the reused tile's K.
    TensorCommand reuse;
    reuse.load_w = false;
    reuse.k_rows = 1;  // ignored
    reuse.m_rows = 3;
    t.start_command(reuse);
    t.stream_acts(const_rows(3, cfg.rows, 0x3F80));
    t.wait_idle();
    CHECK(t.csr_read(tregs::MACS_OFFSET) == macs + 3 * 5 * cfg.cols);
    CHECK(dut.commands_done() == 3);
    CHECK(dut.local_cycle() >= t.results().back().cycle);
  });
}

TEST_CASE("tensor tlm: result back-pressure and input gaps keep the bits", "[tensor][tlm]") {
  const auto cfg = geometry("4x4");
  tensor::TensorTlm dut("tensor", cfg);
  const uint64_t seed = 0xBAC4'9E55;
  tb::run_tb(dut, [&](TensorTb& t) {
    INFO("seed " << seed);
    t.set_result_backpressure(0.35, 6, seed);
    std::mt19937_64 rng(seed + 2);
    const std::size_t m = cfg.psum_depth + 5, k = cfg.rows * 2 + 1, n = cfg.cols * 2;
    const auto a = trnsim::tb::random_matrix(nm::Dtype::kBf16, m * k, rng, 0.05);
    const auto b = trnsim::tb::random_matrix(nm::Dtype::kFp8E4m3, k * n, rng, 0.05);
    const auto run = t.gemm(m, k, n, nm::Dtype::kBf16, a, nm::Dtype::kFp8E4m3, b);
    CHECK(trnsim::tb::first_mismatch(run.c, trnsim::tb::golden_gemm(m, k, n, cfg.rows, nm::Dtype::kBf16, a,
                                                                     nm::Dtype::kFp8E4m3, b)) == -1);
    CHECK(run.stall_cycles > 0);
    // One result handshake per cycle at most, in order.
    for (std::size_t i = 1; i < t.results().size(); ++i) CHECK(t.results()[i].cycle > t.results()[i - 1].cycle);

    // Input gaps: rows of one command in separate, spaced-out writes.
    t.set_result_backpressure(0.0, 1, 0);
    TensorCommand cmd;
    cmd.k_rows = cfg.rows;
    cmd.m_rows = 6;
    const std::size_t before = t.results().size();
    t.start_command(cmd);
    t.wait_cycles(5);
    t.stream_weights(const_rows(2, cfg.cols, 0x3F80));
    t.wait_cycles(3);
    t.stream_weights(const_rows(cfg.rows - 2, cfg.cols, 0x3F80));
    uint64_t prev_end = 0;
    for (int i = 0; i < 3; ++i) {
      t.wait_cycles(4);
      const uint64_t req = t.cycle();
      t.stream_acts(const_rows(2, cfg.rows, 0x4000));
      CHECK(t.stream_calls().back().end_cycle == req + 2);  // rows taken as offered
      CHECK(req > prev_end);
      prev_end = t.stream_calls().back().end_cycle;
    }
    t.wait_idle();
    REQUIRE(t.results().size() == before + 6);
    // ROWS products 2.0 x 1.0
    CHECK(t.results().back().data[0] == fp32_bits(2.0f * static_cast<float>(cfg.rows)));
  });
}

TEST_CASE("tensor tlm: the same seed gives the same results and times", "[tensor][tlm]") {
  const auto cfg = geometry("4x4");
  tensor::TensorTlm d1("tensor_a", cfg), d2("tensor_b", cfg);
  TensorTb tb1("tb_a", d1), tb2("tb_b", d2);
  const uint64_t seed = 0xDE7E'0001;
  auto body = [&](TensorTb& t) {
    t.set_result_backpressure(0.3, 5, seed);
    std::mt19937_64 rng(seed);
    for (int i = 0; i < 3; ++i) {
      const std::size_t m = 1 + rng() % 20, k = 1 + rng() % 9, n = 1 + rng() % 7;
      const auto a = trnsim::tb::random_matrix(nm::Dtype::kFp8E5m2, m * k, rng);
      const auto b = trnsim::tb::random_matrix(nm::Dtype::kBf16, k * n, rng);
      t.gemm(m, k, n, nm::Dtype::kFp8E5m2, a, nm::Dtype::kBf16, b);
    }
  };
  tb1.set_body(body);
  tb2.set_body(body);
  tb1.set_stop_when_done(false);
  tb2.set_stop_when_done(false);
  sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_MS));
  INFO("seed " << seed);
  REQUIRE(tb1.body_done());
  REQUIRE(tb2.body_done());
  REQUIRE(tb1.results().size() == tb2.results().size());
  REQUIRE(tb1.results().size() > 0);
  for (std::size_t i = 0; i < tb1.results().size(); ++i) {
    CHECK(tb1.results()[i].data == tb2.results()[i].data);
    CHECK(tb1.results()[i].time == tb2.results()[i].time);
  }
  CHECK(tb1.stream_calls().size() == tb2.stream_calls().size());
}

TEST_CASE("tensor tlm: fault injection flips the chosen result row lane", "[tensor][tlm]") {
  const auto cfg = geometry("4x4");
  tensor::TensorTlm dut("tensor", cfg);
  CHECK_THROWS_WITH(dut.inject_fault(0, cfg.cols, 1), Catch::Contains("lane"));
  dut.inject_fault(1, 2, 0x80000001u);
  tb::run_tb(dut, [&](TensorTb& t) {
    TensorCommand cmd;
    cmd.m_rows = 3;
    t.start_command(cmd);
    t.stream_weights(const_rows(1, cfg.cols, 0x3F80));
    t.stream_acts(const_rows(3, cfg.rows, 0x4000));
    t.wait_idle();
    REQUIRE(t.results().size() == 3);
    for (std::size_t r = 0; r < 3; ++r)
      for (unsigned c = 0; c < cfg.cols; ++c)
        CHECK(t.results()[r].data[c] == ((r == 1 && c == 2) ? (0x40000000u ^ 0x80000001u) : 0x40000000u));
    CHECK(dut.result_rows() == 3);
  });
}

TEST_CASE("tensor tlm: timeline has a slice per command and irq instants", "[tensor][tlm]") {
  const auto path = std::filesystem::temp_directory_path() / "trnsim_tensor_tlm_trace_test.json";
  std::filesystem::remove(path);
  {
    TraceWriter trace(path.string());
    const auto cfg = geometry("4x4");
    tensor::TensorTlm dut("tensor", cfg);
    dut.set_trace(&trace);
    tb::run_tb(dut, [&](TensorTb& t) {
      t.csr_write(tregs::INTR_ENABLE_OFFSET, 1u << tregs::INTR_ENABLE_DONE_LSB);
      TensorCommand cmd;
      cmd.k_rows = 3;
      cmd.m_rows = 2;
      cmd.accumulate = true;
      for (int i = 0; i < 2; ++i) {
        t.start_command(cmd);
        t.stream_weights(const_rows(3, cfg.cols, 0x3F80));
        t.stream_acts(const_rows(2, cfg.rows, 0x3F80));
        t.wait_idle();
        t.csr_write(tregs::INTR_STATE_OFFSET, 1);
      }
    });
    trace.close();
  }
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string s = ss.str();
  CHECK(s.find("commands") != std::string::npos);
  CHECK(s.find("cmd 0") != std::string::npos);
  CHECK(s.find("cmd 1") != std::string::npos);
  CHECK(s.find("\"m\":2,\"k\":3,\"load_w\":1,\"accumulate\":1") != std::string::npos);
  CHECK(s.find("irq rise") != std::string::npos);
  CHECK(s.find("irq fall") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("tensor tlm: a body blocked in a transaction is reported not hung", "[tensor][tlm]") {
  const auto cfg = geometry("4x4");
  tensor::TensorTlm dut("tensor", cfg);
  // Activations with no command to take them: the write can never complete.
  CHECK_THROWS_WITH(tb::run_tb(dut, [&](TensorTb& t) { t.stream_acts(const_rows(2, cfg.rows, 0)); }),
                    Catch::Contains("did not finish") && Catch::Contains("stream_acts") &&
                        Catch::Contains("nothing left to simulate"));
}

TEST_CASE("tensor tlm: a geometry the RTL cannot have is refused", "[tensor][tlm]") {
  auto cfg = geometry("4x4");
  cfg.psum_depth = 24;
  CHECK_THROWS_WITH(tensor::TensorTlm("bad_psum", cfg), Catch::Contains("psum_depth") && Catch::Contains("bad_psum"));
}

TEST_CASE("tensor tlm: back-pressured GEMM timing equals the recorded RTL run", "[tensor][tlm][timing]") {
  // Numbers recorded from the RTL (cosim::TensorDriver::gemm with
  // set_result_backpressure(p, seed), BF16 x FP8E4M3, operands from
  // random_matrix(seed, 5% specials)); the collector replays the driver's
  // per-cycle ready pattern, so the model must match cycle for cycle.
  struct Rec {
    const char* geo;
    double p;
    uint64_t seed;
    std::size_t m, k, n;
    uint64_t cycles, busy, stall;
  };
  const Rec recs[] = {{"4x4", 0.35, 77, 21, 9, 7, 217, 205, 49}, {"8x8", 0.20, 5, 70, 20, 13, 1157, 1145, 651}};
  std::vector<std::unique_ptr<tensor::TensorTlm>> duts;
  std::vector<std::unique_ptr<TensorTb>> tbs;
  for (const Rec& r : recs) {
    duts.push_back(std::make_unique<tensor::TensorTlm>((std::string("tensor_") + r.geo).c_str(), geometry(r.geo)));
    tbs.push_back(std::make_unique<TensorTb>((std::string("tb_") + r.geo).c_str(), *duts.back()));
    auto ready = std::make_shared<std::vector<char>>();
    auto rng = std::make_shared<std::mt19937_64>(r.seed);
    tbs.back()->set_stop_when_done(false);
    tbs.back()->set_body([r, ready, rng](TensorTb& t) {
      t.set_result_ready([r, ready, rng](uint64_t c) {
        while (ready->size() <= c) {
          std::uniform_real_distribution<double> u(0.0, 1.0);
          ready->push_back(u(*rng) < r.p);
        }
        return (*ready)[c] != 0;
      });
      std::mt19937_64 orng(r.seed);
      const auto a = trnsim::tb::random_matrix(nm::Dtype::kBf16, r.m * r.k, orng, 0.05);
      const auto b = trnsim::tb::random_matrix(nm::Dtype::kFp8E4m3, r.k * r.n, orng, 0.05);
      const auto run = t.gemm(r.m, r.k, r.n, nm::Dtype::kBf16, a, nm::Dtype::kFp8E4m3, b);
      INFO("config " << r.geo << " p " << r.p << " seed " << r.seed);
      CHECK(run.c == trnsim::tb::golden_gemm(r.m, r.k, r.n, geometry(r.geo).rows, nm::Dtype::kBf16, a,
                                             nm::Dtype::kFp8E4m3, b));
      CHECK(run.cycles == r.cycles);
      CHECK(run.busy_cycles == r.busy);
      CHECK(run.stall_cycles == r.stall);
    });
  }
  sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_MS), sc_core::SC_EXIT_ON_STARVATION);
  for (auto& t : tbs) {
    if (t->error()) std::rethrow_exception(t->error());
    CHECK(t->body_done());
  }
}
