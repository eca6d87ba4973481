// A host for any form of the tensor engine behind the TensorBlock interface
// (TensorTlm, the RTL wrapper, the lockstep pair): the TLM counterpart of
// cosim::TensorDriver. Used by the tests (testbenches/tensor/tensor_tlm_tb.h
// forwards here) and by `trnsim gemm` (systemc/app).
//
//   TensorTb       initiator of the CSR and stream sockets, collector of the
//                  result stream (optional seeded random back-pressure), irq
//                  monitor, background feeders for the two streams, GEMM
//                  tiling like TensorDriver::gemm.
//   run_tb(dut, body)  elaborates a TensorTb around `dut`, runs `body` in an
//                  SC_THREAD, sc_start()s, and throws std::runtime_error with
//                  what the body was blocked in if it did not finish (nothing
//                  left to simulate, or the time limit), instead of hanging.
//                  Exceptions from the body (including Catch2 REQUIRE
//                  failures) come out of run_tb.
//
// Time: every tb method syncs (wait()s for the annotated delay) after each
// transaction, so the calling thread's SystemC time is the transaction's end
// time; the DUT may decouple internally. Methods that block must be called
// from the body (or another SC_THREAD). One SystemC world per process: call
// run_tb once per test case.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/tlm_util.h"
#include "numerics/numerics.h"
#include "tensor/tensor_block.h"
#include "tensor/tensor_gemm_plan.h"
#include "tensor_regs.hpp"

namespace trnsim::tb {

// One command as programmed through CMD_CFG / CMD_SHAPE / CMD_PSUM
// (tensor/tensor_gemm_plan.h).
using TensorCommand = tensor::TensorCommand;

// A result row as the collector received it.
struct TbResultRow {
  uint64_t addr = 0;
  uint32_t psum_row = 0;       // addr / (COLS x 4)
  std::vector<uint32_t> data;  // COLS FP32 lanes
  sc_core::sc_time time;       // accepted: sc_time_stamp() + delay incl. back-pressure
  uint64_t cycle = 0;          // time in DUT cycles (rounded up)
};

struct TbIrqEdge {
  sc_core::sc_time time;
  uint64_t cycle = 0;
  bool level = false;
};

// One stream transaction the tb made.
struct TbStreamCall {
  static constexpr std::size_t kDirect = static_cast<std::size_t>(-1);
  bool weights = false;
  std::size_t item = kDirect;  // index of the queue_*() item (per stream), or kDirect
  uint32_t first_row = 0;      // first row of the item in this call
  uint32_t rows = 0;
  uint64_t request_cycle = 0;
  uint64_t end_cycle = 0;  // the DUT's answer: the cycle after the last row's handshake
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
};

struct TbGemmRun {
  std::vector<uint32_t> c;    // M x N FP32 bits
  uint64_t cycles = 0;        // gemm() entry to the cycle after the last result row
  uint64_t commands = 0;
  uint64_t busy_cycles = 0;   // BUSY_CYCLES, STALL_CYCLES, MACS read at the end
  uint64_t stall_cycles = 0;
  uint64_t macs = 0;
};

class TensorTb : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TensorTb);
  using Rows = std::vector<std::vector<uint16_t>>;

  tlm_utils::simple_initiator_socket<TensorTb> csr_socket;
  tlm_utils::simple_initiator_socket<TensorTb> stream_socket;
  tlm_utils::simple_target_socket<TensorTb> result_socket;
  sc_core::sc_signal<bool> irq_signal;

  TensorTb(sc_core::sc_module_name name, tensor::TensorBlock& dut)
      : sc_module(name),
        csr_socket("csr_socket"),
        stream_socket("stream_socket"),
        result_socket("result_socket"),
        irq_signal("irq_signal"),
        dut_(dut) {
    csr_socket.bind(dut.csr);
    stream_socket.bind(dut.stream);
    dut.result.bind(result_socket);
    dut.irq.bind(irq_signal);
    result_socket.register_b_transport(this, &TensorTb::result_b_transport);
    SC_THREAD(body_thread);
    SC_THREAD(weight_feeder);
    SC_THREAD(act_feeder);
    SC_METHOD(irq_monitor);
    sensitive << irq_signal.value_changed_event();
    dont_initialize();
  }

  // ---- setup and observation (any time) -----------------------------------
  tensor::TensorBlock& dut() { return dut_; }
  const tensor::TensorBlockConfig& config() const { return dut_.config(); }
  const sc_core::sc_time& period() const { return dut_.config().period; }
  // SystemC time in DUT cycles, rounded up.
  uint64_t cycle() const { return cycles_ceil(sc_core::sc_time_stamp(), period()); }

  void set_body(std::function<void(TensorTb&)> body) { body_ = std::move(body); }
  // Default true: sc_stop() when the body returns. Set false to run several
  // testbenches in one world (sc_start() then ends when nothing is left).
  void set_stop_when_done(bool stop) { stop_when_done_ = stop; }
  bool body_done() const { return body_done_; }
  std::exception_ptr error() const { return error_; }
  // What the body (and the feeders) are doing, for error messages.
  std::string activity() const {
    std::ostringstream os;
    os << "body: " << (activity_.empty() ? "(not started)" : activity_);
    if (!feed_[0].activity.empty()) os << "; weight feeder: " << feed_[0].activity;
    if (!feed_[1].activity.empty()) os << "; activation feeder: " << feed_[1].activity;
    return os.str();
  }

  // Result back-pressure: each row, with probability `probability`, is held
  // for 1..max_cycles extra cycles (uniform), from a generator seeded `seed`.
  void set_result_backpressure(double probability, unsigned max_cycles, uint64_t seed) {
    bp_prob_ = probability;
    bp_max_ = std::max(1u, max_cycles);
    bp_rng_.seed(seed);
  }
  // Exact ready pattern instead: ready(cycle) says whether the collector is
  // ready in that cycle; a row offered in cycle v is taken in the first cycle
  // >= v that is ready (e.g. to replay TensorDriver's seeded pattern).
  // An empty function switches it off.
  void set_result_ready(std::function<bool(uint64_t cycle)> ready) { ready_fn_ = std::move(ready); }
  const std::vector<TbResultRow>& results() const { return results_; }
  void clear_results() { results_.clear(); }
  bool irq() const { return irq_signal.read(); }
  const std::vector<TbIrqEdge>& irq_edges() const { return irq_edges_; }
  const std::vector<TbStreamCall>& stream_calls() const { return stream_calls_; }
  // Results the collector could not take (wrong length, read, ...).
  uint64_t bad_results() const { return bad_results_; }

  // ---- blocking operations (from the body thread) ---------------------------
  void wait_cycles(uint64_t n) {
    activity_ = "wait_cycles(" + std::to_string(n) + ")";
    sc_core::wait(period() * static_cast<double>(n));
  }

  // A prepared payload through the CSR socket; syncs to its end time.
  tlm::tlm_response_status csr_transport(tlm::tlm_generic_payload& gp) {
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    const sc_core::sc_time t0 = sc_core::sc_time_stamp();
    csr_socket->b_transport(gp, d);
    sc_core::wait(d);
    last_csr_cycles_ = cycles_ceil(sc_core::sc_time_stamp() - t0, period());
    return gp.get_response_status();
  }
  tlm::tlm_response_status csr_read(uint32_t addr, uint32_t& value) {
    activity_ = "csr_read(" + TensorTb::hex(addr) + ")";
    tlm::tlm_generic_payload gp;
    uint32_t v = 0;
    set_payload(gp, tlm::TLM_READ_COMMAND, addr, reinterpret_cast<unsigned char*>(&v), 4);
    const auto st = csr_transport(gp);
    value = v;
    return st;
  }
  // Throws std::runtime_error if the access is answered with an error.
  uint32_t csr_read(uint32_t addr) {
    uint32_t v = 0;
    const auto st = csr_read(addr, v);
    if (st != tlm::TLM_OK_RESPONSE)
      throw std::runtime_error("tensor tb: CSR read of " + TensorTb::hex(addr) + " answered " +
                               status_name(st));
    return v;
  }
  tlm::tlm_response_status csr_write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    activity_ = "csr_write(" + TensorTb::hex(addr) + ", " + TensorTb::hex(data) + ")";
    tlm::tlm_generic_payload gp;
    unsigned char be[4];
    for (int i = 0; i < 4; ++i) be[i] = (strb >> i) & 1 ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
    set_payload(gp, tlm::TLM_WRITE_COMMAND, addr, reinterpret_cast<unsigned char*>(&data), 4,
                strb == 0xF ? nullptr : be, 4);
    // Writes outside start_command make its register cache stale.
    if (addr == regs::tensor::CMD_CFG_OFFSET) cfg_cache_.reset();
    if (addr == regs::tensor::CMD_SHAPE_OFFSET) shape_cache_.reset();
    if (addr == regs::tensor::CMD_PSUM_OFFSET) psum_cache_.reset();
    return csr_transport(gp);
  }
  // Cycles the last CSR access took (request to end of response).
  uint64_t last_csr_cycles() const { return last_csr_cycles_; }

  // Programs the CMD registers that changed and writes CTRL.START. Returns
  // the cycle of the START write's request (its AW/W handshake); the engine
  // sees it kStartDelay = 2 cycles later. Throws on a bus error.
  uint64_t start_command(const TensorCommand& cmd) {
    namespace r = regs::tensor;
    const uint32_t dta = cmd.raw_dtype_a.value_or(static_cast<uint32_t>(cmd.dtype_a));
    const uint32_t dtw = cmd.raw_dtype_w.value_or(static_cast<uint32_t>(cmd.dtype_w));
    const uint32_t cfg = fld(dta, r::CMD_CFG_DTYPE_A_LSB, r::CMD_CFG_DTYPE_A_MASK) |
                         fld(dtw, r::CMD_CFG_DTYPE_W_LSB, r::CMD_CFG_DTYPE_W_MASK) |
                         fld(cmd.load_w, r::CMD_CFG_LOAD_W_LSB, r::CMD_CFG_LOAD_W_MASK) |
                         fld(cmd.accumulate, r::CMD_CFG_ACCUMULATE_LSB, r::CMD_CFG_ACCUMULATE_MASK) |
                         fld(cmd.emit, r::CMD_CFG_EMIT_LSB, r::CMD_CFG_EMIT_MASK) |
                         fld(cmd.irq, r::CMD_CFG_IRQ_LSB, r::CMD_CFG_IRQ_MASK);
    const uint32_t shape = fld(cmd.m_rows, r::CMD_SHAPE_M_ROWS_LSB, r::CMD_SHAPE_M_ROWS_MASK) |
                           fld(cmd.k_rows, r::CMD_SHAPE_K_ROWS_LSB, r::CMD_SHAPE_K_ROWS_MASK);
    const uint32_t psum = fld(cmd.psum_addr, r::CMD_PSUM_ADDR_LSB, r::CMD_PSUM_ADDR_MASK);
    if (cfg_cache_ != cfg) {
      must_write(r::CMD_CFG_OFFSET, cfg);
      cfg_cache_ = cfg;
    }
    if (shape_cache_ != shape) {
      must_write(r::CMD_SHAPE_OFFSET, shape);
      shape_cache_ = shape;
    }
    if (psum_cache_ != psum) {
      must_write(r::CMD_PSUM_OFFSET, psum);
      psum_cache_ = psum;
    }
    const uint64_t t = cycle();
    must_write(r::CTRL_OFFSET, fld(1, r::CTRL_START_LSB, r::CTRL_START_MASK));
    ++commands_started_;
    return t;
  }

  // Streams from the calling thread (one transaction; rows are COLS lanes
  // for weights, ROWS lanes for activations).
  tlm::tlm_response_status stream_weights(const Rows& rows) {
    activity_ = "stream_weights(" + std::to_string(rows.size()) + " rows)";
    return stream_rows(true, pack(rows, config().cols, "stream_weights"), TbStreamCall::kDirect, 0);
  }
  tlm::tlm_response_status stream_acts(const Rows& rows) {
    activity_ = "stream_acts(" + std::to_string(rows.size()) + " rows)";
    return stream_rows(false, pack(rows, config().rows, "stream_acts"), TbStreamCall::kDirect, 0);
  }
  // A prepared payload through the stream socket; syncs to its end time.
  tlm::tlm_response_status stream_transport(tlm::tlm_generic_payload& gp) {
    activity_ = "stream_transport(" + TensorTb::hex(gp.get_address()) + ")";
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    stream_socket->b_transport(gp, d);
    sc_core::wait(d);
    return gp.get_response_status();
  }

  // Streams in the background, in order, one feeder thread per stream (so
  // weights of the next command load while activations stream, as on the
  // RTL's independent streams). With split_first the first row goes alone,
  // then the rest (the tb then knows when a command started streaming).
  // Returns the item index (per stream) used in stream_calls().
  std::size_t queue_weights(const Rows& rows) { return enqueue(0, pack(rows, config().cols, "queue_weights"), false); }
  std::size_t queue_acts(const Rows& rows, bool split_first = false) {
    return enqueue(1, pack(rows, config().rows, "queue_acts"), split_first);
  }
  // Until both feeders have delivered everything queued.
  void wait_streams() {
    while (!feed_[0].idle() || !feed_[1].idle()) {
      activity_ = "wait_streams (weights: " + std::to_string(feed_[0].pending()) +
                  " items left, activations: " + std::to_string(feed_[1].pending()) + " items left)";
      sc_core::wait(feed_done_ev_);
    }
  }
  // Activation items whose first row has been taken (split_first items only).
  uint64_t act_items_started() const { return act_items_started_; }

  // Feeders drained, then STATUS.BUSY polled until clear. Throws
  // std::runtime_error if still busy after max_cycles.
  void wait_idle(uint64_t max_cycles = 1000000) {
    wait_streams();
    const uint64_t limit = cycle() + max_cycles;
    for (;;) {
      const uint32_t st = csr_read(regs::tensor::STATUS_OFFSET);
      if (!((st >> regs::tensor::STATUS_BUSY_LSB) & regs::tensor::STATUS_BUSY_MASK)) return;
      if (cycle() > limit)
        throw std::runtime_error("tensor tb: " + std::string(dut_.name()) + " still busy after " +
                                 std::to_string(max_cycles) + " cycles (STATUS " + TensorTb::hex(st) + ")");
      wait_cycles(8);
    }
  }

  // C[M][N] = A[M][K] x B[K][N] through the sockets, tiled by
  // tensor::plan_gemm (N in tiles of COLS, M in chunks of the PSUM depth,
  // K in passes of ROWS: first overwrites, later accumulate, last emits).
  // Commands are started as the queue has room, so weight loads overlap
  // streaming. Throws std::invalid_argument for bad sizes and
  // std::runtime_error if the rows that come back do not fit.
  TbGemmRun gemm(std::size_t m, std::size_t k, std::size_t n, numerics::Dtype dta,
                 const std::vector<uint16_t>& a, numerics::Dtype dtb, const std::vector<uint16_t>& b) {
    const tensor::GemmShape shape{m, k, n};
    tensor::check_gemm_operands(shape, a.size(), b.size());
    wait_streams();
    const std::size_t R = config().rows, C = config().cols;
    const std::vector<tensor::GemmStep> steps = tensor::plan_gemm(shape, dta, dtb, R, C, config().psum_depth);
    const uint64_t c0 = cycle();
    const uint64_t started0 = act_items_started_;
    for (const tensor::GemmStep& st : steps) {
      Rows w(st.cmd.k_rows, std::vector<uint16_t>(C));
      for (std::size_t j = 0; j < w.size(); ++j) tensor::gemm_weight_row(st, j, shape, b.data(), C, w[j].data());
      queue_weights(w);
      Rows act(st.cmd.m_rows, std::vector<uint16_t>(R));
      for (std::size_t i = 0; i < act.size(); ++i) tensor::gemm_act_row(st, i, shape, a.data(), R, act[i].data());
      queue_acts(act, true);
    }
    const std::size_t first_result = results_.size();
    TbGemmRun run;
    for (std::size_t j = 0; j < steps.size(); ++j) {
      // Room in the queue: every command but cmd_depth - 1 has started streaming.
      while (j - (act_items_started_ - started0) >= config().cmd_depth) {
        activity_ = "gemm: waiting for room in the command queue (command " + std::to_string(j) + ")";
        sc_core::wait(act_started_ev_);
      }
      start_command(steps[j].cmd);
      ++run.commands;
    }
    wait_idle();
    run.c.assign(m * n, 0);
    std::size_t r = first_result;
    for (const tensor::GemmStep& st : steps) {
      if (!st.cmd.emit) continue;
      for (std::size_t i = 0; i < st.cmd.m_rows; ++i, ++r) {
        if (r >= results_.size()) throw std::runtime_error("gemm: the engine returned too few rows");
        const TbResultRow& row = results_[r];
        if (row.psum_row != i)
          throw std::runtime_error("gemm: result row " + std::to_string(r) + " has PSUM row " +
                                   std::to_string(row.psum_row) + ", expected " + std::to_string(i));
        tensor::gemm_place_result(st, i, shape, row.data.data(), C, run.c.data());
      }
    }
    if (r != results_.size()) throw std::runtime_error("gemm: the engine returned extra rows");
    run.cycles = (results_.size() > first_result ? results_.back().cycle + 1 : cycle()) - c0;
    run.busy_cycles = csr_read(regs::tensor::BUSY_CYCLES_OFFSET);
    run.stall_cycles = csr_read(regs::tensor::STALL_CYCLES_OFFSET);
    run.macs = csr_read(regs::tensor::MACS_OFFSET);
    return run;
  }

  static std::string hex(uint64_t v) {
    std::ostringstream os;
    os << "0x" << std::hex << v;
    return os.str();
  }
  static std::string status_name(tlm::tlm_response_status st) {
    tlm::tlm_generic_payload gp;
    gp.set_response_status(st);
    return gp.get_response_string();
  }

 private:
  struct FeedItem {
    std::vector<unsigned char> bytes;
    uint32_t rows = 0;
    bool split_first = false;
    std::size_t index = 0;
  };
  struct Feeder {
    std::deque<FeedItem> queue;
    bool active = false;
    std::size_t next_index = 0;
    std::string activity;
    sc_core::sc_event ev;
    bool idle() const { return queue.empty() && !active; }
    std::size_t pending() const { return queue.size() + (active ? 1 : 0); }
  };

  static uint32_t fld(uint32_t v, uint32_t lsb, uint32_t mask) { return (v & mask) << lsb; }

  void must_write(uint32_t addr, uint32_t data) {
    const auto st = csr_write(addr, data);
    if (st != tlm::TLM_OK_RESPONSE)
      throw std::runtime_error("tensor tb: CSR write of " + TensorTb::hex(addr) + " answered " + status_name(st));
  }

  static std::vector<unsigned char> pack(const Rows& rows, unsigned lanes, const char* what) {
    std::vector<unsigned char> out(rows.size() * lanes * 2);
    unsigned char* p = out.data();
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (rows[r].size() != lanes)
        throw std::invalid_argument(std::string(what) + ": row " + std::to_string(r) + " has " +
                                    std::to_string(rows[r].size()) + " lanes, the engine takes " +
                                    std::to_string(lanes));
      const uint16_t* v = rows[r].data();
      for (unsigned i = 0; i < lanes; ++i, p += 2) {  // little endian, lane 0 first
        p[0] = static_cast<unsigned char>(v[i] & 0xFF);
        p[1] = static_cast<unsigned char>(v[i] >> 8);
      }
    }
    return out;
  }

  tlm::tlm_response_status stream_rows(bool weights, const std::vector<unsigned char>& bytes,
                                       std::size_t item, uint32_t first_row) {
    const unsigned row_bytes = 2 * (weights ? config().cols : config().rows);
    tlm::tlm_generic_payload gp;
    std::vector<unsigned char> buf(bytes);
    set_payload(gp, tlm::TLM_WRITE_COMMAND, weights ? tensor::kWeightStreamAddr : tensor::kActStreamAddr,
                buf.data(), static_cast<unsigned>(buf.size()));
    TbStreamCall rec;
    rec.weights = weights;
    rec.item = item;
    rec.first_row = first_row;
    rec.rows = static_cast<uint32_t>(buf.size() / row_bytes);
    rec.request_cycle = cycle();
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    stream_socket->b_transport(gp, d);
    sc_core::wait(d);
    rec.end_cycle = cycle();
    rec.status = gp.get_response_status();
    stream_calls_.push_back(rec);
    return rec.status;
  }

  std::size_t enqueue(int s, std::vector<unsigned char> bytes, bool split_first) {
    Feeder& f = feed_[s];
    FeedItem it;
    it.rows = static_cast<uint32_t>(bytes.size() / (2 * (s == 0 ? config().cols : config().rows)));
    it.bytes = std::move(bytes);
    it.split_first = split_first && it.rows > 0;
    it.index = f.next_index++;
    f.queue.push_back(std::move(it));
    f.ev.notify(sc_core::SC_ZERO_TIME);
    return f.queue.back().index;
  }

  void feeder(int s) {
    Feeder& f = feed_[s];
    const bool weights = s == 0;
    try {
      for (;;) {
        while (f.queue.empty()) sc_core::wait(f.ev);
        FeedItem it = std::move(f.queue.front());
        f.queue.pop_front();
        f.active = true;
        if (it.rows == 0) {
          f.active = false;
          feed_done_ev_.notify(sc_core::SC_ZERO_TIME);
          continue;
        }
        const std::size_t row_bytes = it.bytes.size() / it.rows;
        uint32_t first = 0;
        if (it.split_first) {
          f.activity = "item " + std::to_string(it.index) + " row 0 in transport";
          stream_rows(weights, std::vector<unsigned char>(it.bytes.begin(), it.bytes.begin() + row_bytes),
                      it.index, 0);
          first = 1;
          if (!weights) {
            ++act_items_started_;
            act_started_ev_.notify(sc_core::SC_ZERO_TIME);
          }
        }
        if (first < it.rows) {
          f.activity = "item " + std::to_string(it.index) + " rows " + std::to_string(first) + ".." +
                       std::to_string(it.rows - 1) + " in transport";
          stream_rows(weights, std::vector<unsigned char>(it.bytes.begin() + first * row_bytes, it.bytes.end()),
                      it.index, first);
        }
        f.activity.clear();
        f.active = false;
        feed_done_ev_.notify(sc_core::SC_ZERO_TIME);
      }
    } catch (...) {
      if (!error_) error_ = std::current_exception();
      sc_core::sc_stop();
    }
  }
  void weight_feeder() { feeder(0); }
  void act_feeder() { feeder(1); }

  void body_thread() {
    try {
      if (body_) body_(*this);
      body_done_ = true;
      activity_ = "finished";
    } catch (...) {
      if (!error_) error_ = std::current_exception();
      sc_core::sc_stop();
      return;
    }
    if (stop_when_done_) sc_core::sc_stop();
  }

  void result_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const unsigned cols = config().cols;
    if (!gp.is_write() || gp.get_data_length() != cols * 4 || gp.get_address() % (cols * 4) != 0) {
      ++bad_results_;
      gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
      return;
    }
    if (ready_fn_) {
      const uint64_t v = cycles_ceil(sc_core::sc_time_stamp() + delay, period());
      uint64_t h = v;
      while (!ready_fn_(h)) {
        if (h - v > 1000000) throw std::runtime_error("tensor tb: result ready pattern never ready");
        ++h;
      }
      delay += period() * static_cast<double>(h - v);
    } else if (bp_prob_ > 0) {
      std::uniform_real_distribution<double> uni(0.0, 1.0);
      if (uni(bp_rng_) < bp_prob_) delay += period() * static_cast<double>(1 + bp_rng_() % bp_max_);
    }
    TbResultRow row;
    row.addr = gp.get_address();
    row.psum_row = static_cast<uint32_t>(row.addr / (cols * 4));
    row.data.resize(cols);
    std::memcpy(row.data.data(), gp.get_data_ptr(), cols * 4);
    row.time = sc_core::sc_time_stamp() + delay;
    row.cycle = cycles_ceil(row.time, period());
    results_.push_back(std::move(row));
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }

  void irq_monitor() {
    TbIrqEdge e;
    e.time = sc_core::sc_time_stamp();
    e.cycle = cycles_ceil(e.time, period());
    e.level = irq_signal.read();
    irq_edges_.push_back(e);
  }

  tensor::TensorBlock& dut_;
  std::function<void(TensorTb&)> body_;
  bool body_done_ = false;
  bool stop_when_done_ = true;
  std::exception_ptr error_;
  std::string activity_;

  std::optional<uint32_t> cfg_cache_, shape_cache_, psum_cache_;
  uint64_t commands_started_ = 0;
  uint64_t last_csr_cycles_ = 0;

  Feeder feed_[2];  // 0: weights, 1: activations
  sc_core::sc_event feed_done_ev_, act_started_ev_;
  uint64_t act_items_started_ = 0;
  std::vector<TbStreamCall> stream_calls_;

  double bp_prob_ = 0;
  unsigned bp_max_ = 1;
  std::mt19937_64 bp_rng_;
  std::function<bool(uint64_t)> ready_fn_;
  std::vector<TbResultRow> results_;
  uint64_t bad_results_ = 0;
  std::vector<TbIrqEdge> irq_edges_;
};

// Elaborates a TensorTb around `dut`, runs `body(tb)` as an SC_THREAD and
// simulates until it returns (then sc_stop()). Rethrows what the body threw;
// throws std::runtime_error naming what the body was blocked in if it did not
// finish: nothing left to simulate (a transaction that can never complete)
// or `limit` of simulated time reached.
inline void run_tb(tensor::TensorBlock& dut, std::function<void(TensorTb&)> body,
                   const sc_core::sc_time& limit = sc_core::sc_time(100, sc_core::SC_MS)) {
  TensorTb tb("tensor_tb", dut);
  tb.set_body(std::move(body));
  sc_core::sc_start(limit, sc_core::SC_EXIT_ON_STARVATION);
  if (tb.error()) std::rethrow_exception(tb.error());
  if (!tb.body_done()) {
    std::ostringstream os;
    os << "tensor tb: the test body did not finish on " << dut.name() << " (" << dut.fidelity()
       << "): " << (sc_core::sc_time_stamp() >= limit ? "time limit " + limit.to_string() + " reached"
                                                      : std::string("nothing left to simulate"))
       << " at " << sc_core::sc_time_stamp().to_string() << " (cycle " << tb.cycle() << "); "
       << tb.activity();
    throw std::runtime_error(os.str());
  }
}

}  // namespace trnsim::tb
