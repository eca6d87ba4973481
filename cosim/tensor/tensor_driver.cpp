#include "tensor/tensor_driver.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "tensor_regs.hpp"

namespace trnsim::cosim {

namespace regs = trnsim::regs::tensor;

namespace {

std::vector<uint32_t> pack16(const std::vector<uint16_t>& lanes) {
  std::vector<uint32_t> w((lanes.size() + 1) / 2, 0);
  for (std::size_t i = 0; i < lanes.size(); ++i) w[i / 2] |= uint32_t{lanes[i]} << (16 * (i % 2));
  return w;
}

uint32_t field(uint32_t value, uint32_t lsb, uint32_t mask) { return (value & mask) << lsb; }

}  // namespace

TensorDriver::TensorDriver(std::unique_ptr<TensorRtl> rtl) : rtl_(std::move(rtl)) {
  if (!rtl_) throw std::invalid_argument("TensorDriver: no RTL model");
  reset();
}

TensorDriver::~TensorDriver() = default;

void TensorDriver::reset() {
  csr_.abort();
  w_queue_.clear();
  act_queue_.clear();
  w_hs_.clear();
  act_hs_.clear();
  results_.clear();
  cfg_cache_.reset();
  shape_cache_.reset();
  psum_cache_.reset();
  cmds_started_ = cmds_with_stream_started_ = 0;
  pending_rows_per_cmd_.clear();
  rows_left_in_stream_cmd_ = 0;
  in_reset_ = true;
  for (int i = 0; i < 4; ++i) tick();
  in_reset_ = false;
  tick();
}

void TensorDriver::set_result_backpressure(double p, uint64_t seed) {
  res_ready_p_ = p;
  res_rng_.seed(seed);
}

void TensorDriver::set_input_gaps(double p, uint64_t seed) {
  in_valid_p_ = p;
  in_rng_.seed(seed);
  w_offer_ = act_offer_ = true;
}

void TensorDriver::throw_timeout(const std::string& what) const {
  std::ostringstream os;
  os << "tensor engine (" << rtl_->config().name << "): no progress at cycle " << cycle_
     << " while " << what << " (queued weight rows " << w_queue_.size() << ", activation rows "
     << act_queue_.size() << ", commands started " << cmds_started_ << ")";
  throw std::runtime_error(os.str());
}

void TensorDriver::tick() {
  in_.rst_n = !in_reset_;
  csr_.drive(in_);
  in_.w_valid = !in_reset_ && !w_queue_.empty() && w_offer_;
  if (in_.w_valid) in_.w_words = w_queue_.front();
  in_.act_valid = !in_reset_ && !act_queue_.empty() && act_offer_;
  if (in_.act_valid) in_.act_words = act_queue_.front();
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  in_.res_ready = res_ready_p_ >= 1.0 || uni(res_rng_) < res_ready_p_;

  rtl_->set_inputs(in_);
  rtl_->get_outputs(out_);

  if (!in_reset_) csr_.observe(out_, cycle_);

  const bool w_hs = in_.w_valid && out_.w_ready;
  const bool act_hs = in_.act_valid && out_.act_ready;
  if (w_hs) {
    w_queue_.pop_front();
    w_hs_.push_back(cycle_);
  }
  if (act_hs) {
    act_queue_.pop_front();
    act_hs_.push_back(cycle_);
    if (rows_left_in_stream_cmd_ == 0 && !pending_rows_per_cmd_.empty()) {
      rows_left_in_stream_cmd_ = pending_rows_per_cmd_.front();
      pending_rows_per_cmd_.pop_front();
      ++cmds_with_stream_started_;
    }
    if (rows_left_in_stream_cmd_ > 0) --rows_left_in_stream_cmd_;
  }
  if (out_.res_valid && in_.res_ready && !in_reset_) {
    results_.push_back(ResultRow{cycle_, out_.res_addr, out_.res_words});
  }

  rtl_->clock();
  ++cycle_;

  // A valid once offered stays up until taken (stream protocol rule).
  if (in_valid_p_ < 1.0) {
    if (!(in_.w_valid && !w_hs)) w_offer_ = uni(in_rng_) < in_valid_p_;
    if (!(in_.act_valid && !act_hs)) act_offer_ = uni(in_rng_) < in_valid_p_;
  }
}

void TensorDriver::run_cycles(uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) tick();
}

void TensorDriver::start_csr(bool write, uint32_t addr, uint32_t data, uint8_t strb) {
  wait_csr_idle(100000);
  csr_.start(write, addr, data, strb);
}

void TensorDriver::wait_csr_idle(uint64_t max_cycles) {
  const uint64_t limit = cycle_ + max_cycles;
  while (csr_busy()) {
    if (cycle_ >= limit) throw_timeout("waiting for an AXI4-Lite response");
    tick();
  }
}

uint32_t TensorDriver::csr_read(uint32_t addr, uint8_t* resp) {
  start_csr(false, addr);
  wait_csr_idle(100000);
  if (resp) *resp = csr_.resp();
  return csr_.rdata();
}

uint8_t TensorDriver::csr_write(uint32_t addr, uint32_t data, uint8_t strb) {
  start_csr(true, addr, data, strb);
  wait_csr_idle(100000);
  return csr_.resp();
}

void TensorDriver::queue_weights(const std::vector<uint16_t>& row) {
  if (row.size() != config().cols)
    throw std::invalid_argument("queue_weights: a weight row needs " +
                                std::to_string(config().cols) + " lanes");
  w_queue_.push_back(pack16(row));
}

void TensorDriver::queue_acts(const std::vector<uint16_t>& row) {
  if (row.size() != config().rows)
    throw std::invalid_argument("queue_acts: an activation row needs " +
                                std::to_string(config().rows) + " lanes");
  act_queue_.push_back(pack16(row));
}

uint64_t TensorDriver::start_command(const TensorCmd& cmd, bool expect_accept) {
  const uint32_t dta = cmd.raw_dtype_a.value_or(static_cast<uint32_t>(cmd.dtype_a));
  const uint32_t dtw = cmd.raw_dtype_w.value_or(static_cast<uint32_t>(cmd.dtype_w));
  const uint32_t cfg =
      field(dta, regs::CMD_CFG_DTYPE_A_LSB, regs::CMD_CFG_DTYPE_A_MASK) |
      field(dtw, regs::CMD_CFG_DTYPE_W_LSB, regs::CMD_CFG_DTYPE_W_MASK) |
      field(cmd.load_w, regs::CMD_CFG_LOAD_W_LSB, regs::CMD_CFG_LOAD_W_MASK) |
      field(cmd.accumulate, regs::CMD_CFG_ACCUMULATE_LSB, regs::CMD_CFG_ACCUMULATE_MASK) |
      field(cmd.emit, regs::CMD_CFG_EMIT_LSB, regs::CMD_CFG_EMIT_MASK) |
      field(cmd.irq, regs::CMD_CFG_IRQ_LSB, regs::CMD_CFG_IRQ_MASK);
  const uint32_t shape =
      field(cmd.m_rows, regs::CMD_SHAPE_M_ROWS_LSB, regs::CMD_SHAPE_M_ROWS_MASK) |
      field(cmd.k_rows, regs::CMD_SHAPE_K_ROWS_LSB, regs::CMD_SHAPE_K_ROWS_MASK);
  const uint32_t psum = field(cmd.psum_addr, regs::CMD_PSUM_ADDR_LSB, regs::CMD_PSUM_ADDR_MASK);
  if (cfg_cache_ != cfg) {
    csr_write(regs::CMD_CFG_OFFSET, cfg);
    cfg_cache_ = cfg;
  }
  if (shape_cache_ != shape) {
    csr_write(regs::CMD_SHAPE_OFFSET, shape);
    shape_cache_ = shape;
  }
  if (psum_cache_ != psum) {
    csr_write(regs::CMD_PSUM_OFFSET, psum);
    psum_cache_ = psum;
  }
  start_csr(true, regs::CTRL_OFFSET, field(1, regs::CTRL_START_LSB, regs::CTRL_START_MASK));
  wait_csr_idle(100000);
  if (expect_accept) {
    ++cmds_started_;
    pending_rows_per_cmd_.push_back(cmd.m_rows);
  }
  return csr_.handshake_cycle();
}

void TensorDriver::run_until_idle(uint64_t max_idle) {
  uint64_t last_progress = cycle_;
  std::size_t seen = w_hs_.size() + act_hs_.size() + results_.size();
  for (;;) {
    wait_csr_idle(max_idle);
    const uint32_t status = csr_read(regs::STATUS_OFFSET);
    const bool busy = (status >> regs::STATUS_BUSY_LSB) & regs::STATUS_BUSY_MASK;
    if (!busy && w_queue_.empty() && act_queue_.empty()) return;
    const std::size_t now = w_hs_.size() + act_hs_.size() + results_.size();
    if (now != seen) {
      seen = now;
      last_progress = cycle_;
    }
    if (cycle_ - last_progress > max_idle) throw_timeout("waiting for the engine to go idle");
    run_cycles(8);
  }
}

GemmRun TensorDriver::gemm(std::size_t m, std::size_t k, std::size_t n, numerics::Dtype dta,
                           const std::vector<uint16_t>& a, numerics::Dtype dtb,
                           const std::vector<uint16_t>& b, std::vector<uint32_t>& c,
                           bool accumulate) {
  const tensor::GemmShape shape{m, k, n};
  tensor::check_gemm_operands(shape, a.size(), b.size());
  if (accumulate)
    throw std::invalid_argument(
        "gemm: accumulating into a caller's C needs it in PSUM first; the engine has no PSUM "
        "load path (accumulate across commands with TensorCmd::accumulate instead)");
  const TensorConfig& cfg = config();
  const std::size_t R = cfg.rows, C = cfg.cols;
  c.assign(m * n, 0);

  const std::vector<tensor::GemmStep> steps = tensor::plan_gemm(shape, dta, dtb, R, C, cfg.psum_depth);
  std::vector<uint16_t> row;
  for (const tensor::GemmStep& st : steps) {
    row.resize(C);
    for (std::size_t j = 0; j < st.cmd.k_rows; ++j) {
      tensor::gemm_weight_row(st, j, shape, b.data(), C, row.data());
      queue_weights(row);
    }
    row.resize(R);
    for (std::size_t i = 0; i < st.cmd.m_rows; ++i) {
      tensor::gemm_act_row(st, i, shape, a.data(), R, row.data());
      queue_acts(row);
    }
  }

  const std::size_t first_result = results_.size();
  GemmRun run;
  const uint64_t c0 = cycle_;
  for (const tensor::GemmStep& st : steps) {
    const uint64_t limit = cycle_ + 1000000;
    while (cmds_started_ - cmds_with_stream_started_ >= cfg.cmd_depth) {
      if (cycle_ > limit) throw_timeout("waiting for room in the command queue");
      tick();
    }
    start_command(st.cmd);
    ++run.commands;
  }
  run_until_idle();

  std::size_t r = first_result;
  for (const tensor::GemmStep& st : steps) {
    if (!st.cmd.emit) continue;
    for (std::size_t i = 0; i < st.cmd.m_rows; ++i, ++r) {
      if (r >= results_.size()) throw std::runtime_error("gemm: the engine returned too few rows");
      const ResultRow& res = results_[r];
      if (res.addr != i)
        throw std::runtime_error("gemm: result row " + std::to_string(r) + " has PSUM address " +
                                 std::to_string(res.addr) + ", expected " + std::to_string(i));
      tensor::gemm_place_result(st, i, shape, res.data.data(), C, c.data());
    }
  }
  if (r != results_.size()) throw std::runtime_error("gemm: the engine returned extra rows");
  run.cycles = (results_.empty() ? cycle_ : results_.back().cycle + 1) - c0;
  run.busy_cycles = csr_read(regs::BUSY_CYCLES_OFFSET);
  run.stall_cycles = csr_read(regs::STALL_CYCLES_OFFSET);
  run.macs = csr_read(regs::MACS_OFFSET);
  return run;
}

}  // namespace trnsim::cosim
