// Tensor engine control: PSUM accumulate/overwrite across commands, weight
// reuse, refused commands with their error codes, interrupts, waveforms.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tensor_regs.hpp"
#include "tensor_tb.h"

using namespace trnsim;
namespace nm = trnsim::numerics;
namespace tregs = trnsim::regs::tensor;

namespace {

uint32_t reg_field(uint32_t v, uint32_t lsb, uint32_t mask) { return (v >> lsb) & mask; }

// One tile as the engine computes it: A[m][k] x W[k][cols], k <= ROWS,
// added to (or overwriting) the PSUM rows in psum.
void golden_tile(const cosim::TensorConfig& cfg, uint32_t m, uint32_t k, nm::Dtype dta,
                 const std::vector<uint16_t>& a, nm::Dtype dtw, const std::vector<uint16_t>& w,
                 std::vector<uint32_t>& psum, uint32_t addr, bool accumulate) {
  nm::GemmShape s;
  s.m = m;
  s.k = k;
  s.n = cfg.cols;
  s.tile_rows = cfg.rows;
  std::vector<uint32_t> c(psum.begin() + addr * cfg.cols, psum.begin() + (addr + m) * cfg.cols);
  nm::gemm_ref(s, dta, a.data(), dtw, w.data(), c.data(), accumulate);
  std::copy(c.begin(), c.end(), psum.begin() + addr * cfg.cols);
}

}  // namespace

TEST_CASE("tensor engine: PSUM accumulate and overwrite with weight reuse across commands",
          "[tensor][psum]") {
  const uint64_t seed = 0xACC0'0017;
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name << " seed " << seed) {
      auto drv = tb::make_driver(cfg.name, "psum_reuse");
      std::mt19937_64 rng(seed + cfg.rows * 1000 + cfg.cols);
      std::vector<uint32_t> psum(cfg.psum_depth * cfg.cols, 0);  // reset value +0.0
      std::vector<uint16_t> w;
      nm::Dtype dtw = nm::Dtype::kBf16;
      uint32_t k = 0;
      for (int step = 0; step < 24; ++step) {
        cosim::TensorCmd cmd;
        cmd.load_w = step == 0 || rng() % 2;
        cmd.dtype_a = static_cast<nm::Dtype>(rng() % 3);
        if (cmd.load_w) {
          dtw = static_cast<nm::Dtype>(rng() % 3);
          k = 1 + rng() % cfg.rows;
          w = tb::random_matrix(dtw, k * cfg.cols, rng, 0.05);
          for (uint32_t r = 0; r < k; ++r)
            drv->queue_weights(std::vector<uint16_t>(w.begin() + r * cfg.cols,
                                                     w.begin() + (r + 1) * cfg.cols));
        }
        cmd.dtype_w = dtw;
        cmd.k_rows = k;
        cmd.m_rows = 1 + rng() % std::min<uint32_t>(cfg.psum_depth, 9);
        cmd.psum_addr = rng() % (cfg.psum_depth - cmd.m_rows + 1);
        cmd.accumulate = rng() % 3 != 0;
        cmd.emit = rng() % 4 != 0;
        const auto a = tb::random_matrix(cmd.dtype_a, cmd.m_rows * k, rng, 0.05);
        for (uint32_t r = 0; r < cmd.m_rows; ++r) {
          std::vector<uint16_t> row(cfg.rows, 0);
          std::copy(a.begin() + r * k, a.begin() + (r + 1) * k, row.begin());
          drv->queue_acts(row);
        }
        golden_tile(cfg, cmd.m_rows, k, cmd.dtype_a, a, dtw, w, psum, cmd.psum_addr,
                    cmd.accumulate);
        const std::size_t before = drv->results().size();
        drv->start_command(cmd);
        drv->run_until_idle();
        INFO("step " << step << " load_w " << cmd.load_w << " acc " << cmd.accumulate << " emit "
                     << cmd.emit << " addr " << cmd.psum_addr << " m " << cmd.m_rows << " k "
                     << k);
        REQUIRE(drv->results().size() == before + (cmd.emit ? cmd.m_rows : 0));
        for (uint32_t r = 0; cmd.emit && r < cmd.m_rows; ++r) {
          const auto& row = drv->results()[before + r];
          REQUIRE(row.addr == cmd.psum_addr + r);
          for (uint32_t c = 0; c < cfg.cols; ++c) {
            INFO("row " << r << " col " << c);
            REQUIRE(row.data[c] == psum[(cmd.psum_addr + r) * cfg.cols + c]);
          }
        }
      }
    }
  }
}

TEST_CASE("tensor engine: illegal commands are refused with a code and never queued",
          "[tensor][errors]") {
  for (const auto& cfg : tb::test_configs()) {
    DYNAMIC_SECTION("config " << cfg.name) {
      auto drv = tb::make_driver(cfg.name, "errors");
      drv->csr_write(tregs::INTR_ENABLE_OFFSET,
                     (1u << tregs::INTR_ENABLE_ERROR_LSB) | (1u << tregs::INTR_ENABLE_DONE_LSB));
      uint32_t expected_count = 0;
      auto refused = [&](const cosim::TensorCmd& cmd, uint32_t code) {
        drv->start_command(cmd, false);
        drv->run_cycles(2);
        ++expected_count;
        const uint32_t err = drv->csr_read(tregs::ERR_CODE_OFFSET);
        CHECK(reg_field(err, tregs::ERR_CODE_CODE_LSB, tregs::ERR_CODE_CODE_MASK) == code);
        CHECK(reg_field(err, tregs::ERR_CODE_COUNT_LSB, tregs::ERR_CODE_COUNT_MASK) ==
              expected_count);
        const uint32_t intr = drv->csr_read(tregs::INTR_STATE_OFFSET);
        CHECK(reg_field(intr, tregs::INTR_STATE_ERROR_LSB, tregs::INTR_STATE_ERROR_MASK) == 1);
        CHECK(drv->irq());
        drv->csr_write(tregs::INTR_STATE_OFFSET, 1u << tregs::INTR_STATE_ERROR_LSB);  // W1C
        drv->run_cycles(1);
        CHECK_FALSE(drv->irq());
      };
      auto code = [](tregs::ErrCode c) { return static_cast<uint32_t>(c); };

      cosim::TensorCmd reuse_first;
      reuse_first.load_w = false;
      reuse_first.m_rows = 1;
      refused(reuse_first, code(tregs::ErrCode::NO_WEIGHTS));

      cosim::TensorCmd bad_dtype;
      bad_dtype.raw_dtype_a = 3;
      refused(bad_dtype, code(tregs::ErrCode::BAD_DTYPE));
      bad_dtype.raw_dtype_a.reset();
      bad_dtype.raw_dtype_w = 3;
      refused(bad_dtype, code(tregs::ErrCode::BAD_DTYPE));

      cosim::TensorCmd bad_k;
      bad_k.k_rows = 0;
      refused(bad_k, code(tregs::ErrCode::BAD_K));
      bad_k.k_rows = cfg.rows + 1;
      refused(bad_k, code(tregs::ErrCode::BAD_K));

      cosim::TensorCmd bad_m;
      bad_m.m_rows = 0;
      refused(bad_m, code(tregs::ErrCode::BAD_M));

      cosim::TensorCmd range;
      range.psum_addr = cfg.psum_depth - 1;
      range.m_rows = 2;
      refused(range, code(tregs::ErrCode::PSUM_RANGE));
      range.psum_addr = 0xFFFF;
      range.m_rows = 0xFFFF;
      refused(range, code(tregs::ErrCode::PSUM_RANGE));

      // Nothing was queued by any of those.
      uint32_t st = drv->csr_read(tregs::STATUS_OFFSET);
      CHECK(reg_field(st, tregs::STATUS_QUEUE_COUNT_LSB, tregs::STATUS_QUEUE_COUNT_MASK) == 0);
      CHECK(reg_field(st, tregs::STATUS_BUSY_LSB, tregs::STATUS_BUSY_MASK) == 0);

      // Fill the queue while no weights arrive, then one more is refused.
      cosim::TensorCmd ok;
      ok.k_rows = 1;
      ok.m_rows = 1;
      ok.irq = false;
      for (unsigned i = 0; i < cfg.cmd_depth; ++i) drv->start_command(ok);
      st = drv->csr_read(tregs::STATUS_OFFSET);
      CHECK(reg_field(st, tregs::STATUS_QUEUE_FULL_LSB, tregs::STATUS_QUEUE_FULL_MASK) == 1);
      CHECK(reg_field(st, tregs::STATUS_WEIGHTS_LOADING_LSB, tregs::STATUS_WEIGHTS_LOADING_MASK) ==
            1);
      refused(ok, code(tregs::ErrCode::QUEUE_FULL));

      // The queued work completes once data arrives, and the engine goes on.
      for (unsigned i = 0; i < cfg.cmd_depth; ++i) {
        drv->queue_weights(std::vector<uint16_t>(cfg.cols, 0x3F80));  // 1.0
        drv->queue_acts(std::vector<uint16_t>(cfg.rows, 0x4000));     // 2.0
      }
      const std::size_t before = drv->results().size();
      drv->run_until_idle();
      REQUIRE(drv->results().size() == before + cfg.cmd_depth);
      CHECK(drv->results().back().data[0] == 0x40000000u);  // 1 row: 2.0 * 1.0
      CHECK(drv->csr_read(tregs::CMDS_DONE_OFFSET) == cfg.cmd_depth);
      std::mt19937_64 rng(99);
      const auto a = tb::random_matrix(nm::Dtype::kBf16, 3 * cfg.rows, rng);
      const auto b = tb::random_matrix(nm::Dtype::kBf16, cfg.rows * cfg.cols, rng);
      std::vector<uint32_t> c;
      drv->gemm(3, cfg.rows, cfg.cols, nm::Dtype::kBf16, a, nm::Dtype::kBf16, b, c, false);
      CHECK(c == tb::golden_gemm(3, cfg.rows, cfg.cols, cfg.rows, nm::Dtype::kBf16, a,
                                 nm::Dtype::kBf16, b));
    }
  }
}

TEST_CASE("tensor engine: completion interrupt and CSR bus errors", "[tensor][irq]") {
  const auto cfg = tb::test_configs().front();
  auto drv = tb::make_driver(cfg.name, "irq");
  drv->csr_write(tregs::INTR_ENABLE_OFFSET, 1u << tregs::INTR_ENABLE_DONE_LSB);
  cosim::TensorCmd cmd;
  cmd.k_rows = 1;
  cmd.m_rows = 2;
  cmd.irq = false;
  drv->queue_weights(std::vector<uint16_t>(cfg.cols, 0x3F80));
  for (int i = 0; i < 2; ++i) drv->queue_acts(std::vector<uint16_t>(cfg.rows, 0x3F80));
  drv->start_command(cmd);
  drv->run_until_idle();
  CHECK_FALSE(drv->irq());  // IRQ flag clear: no DONE
  cmd.load_w = false;
  cmd.irq = true;
  for (int i = 0; i < 2; ++i) drv->queue_acts(std::vector<uint16_t>(cfg.rows, 0x3F80));
  drv->start_command(cmd);
  drv->run_until_idle();
  CHECK(drv->irq());
  CHECK(reg_field(drv->csr_read(tregs::INTR_STATE_OFFSET), tregs::INTR_STATE_DONE_LSB,
                  tregs::INTR_STATE_DONE_MASK) == 1);
  drv->csr_write(tregs::INTR_STATE_OFFSET, 1u << tregs::INTR_STATE_DONE_LSB);
  drv->run_cycles(1);
  CHECK_FALSE(drv->irq());

  uint8_t resp = 0;
  drv->csr_read(0xFC, &resp);  // no register there
  CHECK(resp == 2);            // SLVERR
  CHECK(drv->csr_write(0xFC, 1) == 2);
  CHECK(drv->csr_write(tregs::CMD_PSUM_OFFSET + 1, 1) == 2);  // misaligned
}

TEST_CASE("tensor engine: FST waveform on request", "[tensor][wave]") {
  const auto cfg = tb::test_configs().front();
  const auto path = std::filesystem::temp_directory_path() / "trnsim_tensor_wave_test.fst";
  std::filesystem::remove(path);
  {
    auto rtl = cosim::make_tensor_rtl(cfg.name);
    rtl->open_wave(path.string());
    cosim::TensorDriver drv(std::move(rtl));
    std::mt19937_64 rng(5);
    const auto a = tb::random_matrix(nm::Dtype::kFp8E5m2, 2 * cfg.rows, rng);
    const auto b = tb::random_matrix(nm::Dtype::kFp8E5m2, cfg.rows * cfg.cols, rng);
    std::vector<uint32_t> c;
    drv.gemm(2, cfg.rows, cfg.cols, nm::Dtype::kFp8E5m2, a, nm::Dtype::kFp8E5m2, b, c, false);
  }
  REQUIRE(std::filesystem::exists(path));
  CHECK(std::filesystem::file_size(path) > 1000);
  std::filesystem::remove(path);

  auto rtl = cosim::make_tensor_rtl(cfg.name);
  CHECK_THROWS_WITH(rtl->open_wave("/nonexistent-dir/x.fst"), Catch::Contains("cannot open"));
  CHECK_THROWS_WITH(cosim::make_tensor_rtl("3x5"), Catch::Contains("unknown tensor engine"));
}
