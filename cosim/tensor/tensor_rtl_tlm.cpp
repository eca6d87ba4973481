#include "tensor/tensor_rtl_tlm.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>

#include "common/tlm_util.h"
#include "common/trace.h"
#include "tensor_regs.hpp"

namespace trnsim::cosim {

namespace {

std::string describe(const TensorConfig& c) {
  std::ostringstream os;
  os << c.rows << "x" << c.cols << ", psum_depth " << c.psum_depth << ", cmd_depth "
     << c.cmd_depth;
  return os.str();
}

}  // namespace

TensorRtlTlm::TensorRtlTlm(sc_core::sc_module_name name, const tensor::TensorBlockConfig& cfg,
                           const TensorRtlTlmOptions& opt)
    : TensorBlock(name, cfg), opt_(opt), clock_(cfg.period) {
  if (cfg.period <= sc_core::SC_ZERO_TIME)
    throw std::invalid_argument(std::string(this->name()) + ": the clock period must be positive");
  rtl_ = make_tensor_rtl(cfg.rtl_config);
  const TensorConfig& rc = rtl_->config();
  if (rc.rows != cfg.rows || rc.cols != cfg.cols || rc.psum_depth != cfg.psum_depth ||
      rc.cmd_depth != cfg.cmd_depth) {
    std::ostringstream os;
    os << this->name() << ": block configuration (" << cfg.rows << "x" << cfg.cols
       << ", psum_depth " << cfg.psum_depth << ", cmd_depth " << cfg.cmd_depth
       << ") does not match RTL configuration '" << cfg.rtl_config << "' (" << describe(rc)
       << ")";
    throw std::invalid_argument(os.str());
  }
  if (opt_.wave.enabled()) {
    const std::string rtl_name = cfg.rtl_config;
    wave_ = std::make_unique<WaveWindow<TensorRtl, TensorPinsIn, TensorPinsOut>>(
        this->name(), opt_.wave, cfg.period, *rtl_,
        [rtl_name] { return make_tensor_rtl(rtl_name); }, wave_pins());
  }
  tr_cfg_ = regs::tensor::CMD_CFG_RESET;
  tr_shape_ = regs::tensor::CMD_SHAPE_RESET;
  in_.w_words.assign((rc.cols + 1) / 2, 0);
  in_.act_words.assign((rc.rows + 1) / 2, 0);
  res_buf_.assign(std::size_t{rc.cols} * 4, 0);

  SC_THREAD(run_thread);
  SC_METHOD(irq_method);
  sensitive << irq_event_;
  dont_initialize();
}

TensorRtlTlm::~TensorRtlTlm() {
  if (wave_) wave_->finish();
}

void TensorRtlTlm::end_of_simulation() {
  if (wave_) wave_->finish();
}

std::vector<WavePin<TensorPinsOut>> TensorRtlTlm::wave_pins() {
  return {
      {"irq_o", [](const TensorPinsOut& o) -> uint64_t { return o.irq; }},
      {"idle_o", [](const TensorPinsOut& o) -> uint64_t { return o.idle; }},
      {"res_valid_o", [](const TensorPinsOut& o) -> uint64_t { return o.res_valid; }},
      {"res_addr_o", [](const TensorPinsOut& o) -> uint64_t { return o.res_addr; }},
      {"w_ready_o", [](const TensorPinsOut& o) -> uint64_t { return o.w_ready; }},
      {"act_ready_o", [](const TensorPinsOut& o) -> uint64_t { return o.act_ready; }},
      {"s_axil_bvalid_o", [](const TensorPinsOut& o) -> uint64_t { return o.bvalid; }},
      {"s_axil_bresp_o", [](const TensorPinsOut& o) -> uint64_t { return o.bresp; }},
      {"s_axil_rvalid_o", [](const TensorPinsOut& o) -> uint64_t { return o.rvalid; }},
      {"s_axil_rresp_o", [](const TensorPinsOut& o) -> uint64_t { return o.rresp; }},
  };
}

bool TensorRtlTlm::wave_trigger(const std::string& reason) {
  return wave_ && wave_->trigger(clock_.cycle() ? clock_.cycle() - 1 : 0, reason);
}

// ---------------------------------------------------------------------------
// Cycles
// ---------------------------------------------------------------------------

void TensorRtlTlm::lock() {
  while (busy_) sc_core::wait(free_event_);
  busy_ = true;
}

void TensorRtlTlm::unlock() {
  busy_ = false;
  free_event_.notify();
}

uint64_t TensorRtlTlm::quiet_limit() const {
  // Longest chain of internal progress without a visible sign: a row's trip
  // through the array, the PSUM write, the bank release and the next pop.
  return 2 * (uint64_t{cfg_.rows} + cfg_.cols) + 32;
}

sc_core::sc_time TensorRtlTlm::offset_at(uint64_t c) const {
  const sc_core::sc_time t = clock_.period() * static_cast<double>(c);
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  return t > now ? t - now : sc_core::SC_ZERO_TIME;
}

bool TensorRtlTlm::may_skip() const {
  return opt_.skip_idle && !(wave_ && wave_->holds_clock());
}

void TensorRtlTlm::ensure_reset() {
  if (reset_done_) return;
  reset_done_ = true;
  in_reset_ = true;
  for (uint64_t i = 0; i < kResetCycles; ++i) step(false);
  in_reset_ = false;
}

TensorRtlTlm::Step TensorRtlTlm::step(bool stop_if_frozen) {
  lock();
  try {
    present();
    if (trace_ && out_.idle && csrs_.empty() && !tr_cmds_.empty()) trace_idle(clock_.cycle());
    if (stop_if_frozen && !in_reset_ && frozen()) {
      unlock();
      return Step::kFrozen;
    }
    commit();
  } catch (...) {
    unlock();
    throw;
  }
  unlock();
  return Step::kClocked;
}

void TensorRtlTlm::present() {
  in_.rst_n = !in_reset_;
  in_.awvalid = in_.wvalid = in_.bready = in_.arvalid = in_.rready = false;
  in_.w_valid = in_.act_valid = false;
  if (!in_reset_) {
    if (!csrs_.empty()) {
      const CsrReq& op = *csrs_.front();
      if (op.write) {
        in_.awvalid = !op.aw_done;
        in_.wvalid = !op.w_done;
        in_.bready = op.aw_done && op.w_done;
        in_.awaddr = op.addr;
        in_.wdata = op.wdata;
        in_.wstrb = op.wstrb;
      } else {
        in_.arvalid = !op.a_done;
        in_.rready = op.a_done;
        in_.araddr = op.addr;
      }
    }
    if (!w_reqs_.empty()) {
      const StreamReq& r = *w_reqs_.front();
      if (w_shown_id_ != r.id || w_shown_row_ != r.next) {
        const auto first = r.words.begin() + static_cast<std::ptrdiff_t>(r.next * r.words_per_row);
        std::copy(first, first + static_cast<std::ptrdiff_t>(r.words_per_row), in_.w_words.begin());
        w_shown_id_ = r.id;
        w_shown_row_ = r.next;
      }
      in_.w_valid = true;
    }
    if (!act_reqs_.empty()) {
      const StreamReq& r = *act_reqs_.front();
      if (act_shown_id_ != r.id || act_shown_row_ != r.next) {
        const auto first = r.words.begin() + static_cast<std::ptrdiff_t>(r.next * r.words_per_row);
        std::copy(first, first + static_cast<std::ptrdiff_t>(r.words_per_row),
                  in_.act_words.begin());
        act_shown_id_ = r.id;
        act_shown_row_ = r.next;
      }
      in_.act_valid = true;
    }
  }
  in_.res_ready = clock_.cycle() >= res_ready_cycle_;
  rtl_->set_inputs(in_);
  rtl_->get_outputs(out_);
  if (out_.res_valid && !res_issued_ && !in_reset_) {
    // A new row at the head of the result FIFO: offer it to the target now;
    // its returned delay says when it is taken (ready low until then).
    emit_result(clock_.cycle());
    const bool ready = clock_.cycle() >= res_ready_cycle_;
    if (ready != in_.res_ready) {
      in_.res_ready = ready;
      rtl_->set_inputs(in_);
      rtl_->get_outputs(out_);
    }
  }
}

void TensorRtlTlm::commit() {
  const uint64_t c = clock_.cycle();
  if (wave_) wave_->on_cycle(c, in_, out_);
  bool progress = false;
  if (out_.irq != irq_level_) {
    irq_level_ = out_.irq;
    schedule_irq(c, irq_level_);
    progress = true;
  }
  if (!in_reset_) {
    if (!csrs_.empty()) {
      CsrReq& op = *csrs_.front();
      if (op.write) {
        if (in_.awvalid && out_.awready) op.aw_done = progress = true;
        if (in_.wvalid && out_.wready) op.w_done = progress = true;
        if (in_.bready && out_.bvalid) {
          op.resp = out_.bresp;
          op.done = progress = true;
          csrs_.pop_front();
        }
      } else {
        if (in_.arvalid && out_.arready) op.a_done = progress = true;
        if (in_.rready && out_.rvalid) {
          op.rdata = out_.rdata;
          op.resp = out_.rresp;
          op.done = progress = true;
          csrs_.pop_front();
        }
      }
    }
    if (in_.w_valid && out_.w_ready) {
      StreamReq& r = *w_reqs_.front();
      if (++r.next == r.rows) {
        r.done = true;
        w_reqs_.pop_front();
      }
      progress = true;
    }
    if (in_.act_valid && out_.act_ready) {
      StreamReq& r = *act_reqs_.front();
      if (++r.next == r.rows) {
        r.done = true;
        act_reqs_.pop_front();
      }
      progress = true;
    }
    if (out_.res_valid) {
      if (in_.res_ready) res_issued_ = false;  // taken: the next row is offered anew
      progress = true;  // a row leaves, or waits on our own back-pressure
    }
  }
  rtl_->clock();
  clock_.advance();
  ++stats_.cycles_clocked;
  quiet_ = progress ? 0 : quiet_ + 1;
}

void TensorRtlTlm::emit_result(uint64_t c) {
  const unsigned cols = cfg_.cols;
  for (unsigned i = 0; i < cols; ++i) {
    const uint32_t v = out_.res_words[i];
    for (unsigned b = 0; b < 4; ++b) res_buf_[4 * i + b] = static_cast<unsigned char>(v >> (8 * b));
  }
  const uint16_t row = out_.res_addr;
  set_payload(res_gp_, tlm::TLM_WRITE_COMMAND, uint64_t{row} * cols * 4, res_buf_.data(),
              cols * 4);
  sc_core::sc_time d = offset_at(c);
  result->b_transport(res_gp_, d);
  ++stats_.result_rows;
  recheck_ = true;
  res_issued_ = true;
  res_ready_cycle_ = std::max(c, clock_.cycle_at(sc_core::sc_time_stamp() + d));
  if (trace_) trace_row(c, res_ready_cycle_);
  if (res_gp_.is_response_error()) {
    std::ostringstream os;
    os << "result row for PSUM row " << row << " (cycle " << c << ", address 0x" << std::hex
       << res_gp_.get_address() << std::dec << ") got " << res_gp_.get_response_string()
       << "; the engine's result stream has no error path";
    if (wave_) wave_->trigger(c, os.str());
    SC_REPORT_ERROR(name(), os.str().c_str());
  }
}

void TensorRtlTlm::schedule_irq(uint64_t c, bool level) {
  const bool was_empty = irq_changes_.empty();
  irq_changes_.emplace_back(clock_.period() * static_cast<double>(c), level);
  recheck_ = true;
  if (was_empty) irq_event_.notify(offset_at(c));
}

void TensorRtlTlm::irq_method() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  while (!irq_changes_.empty() && irq_changes_.front().first <= now) {
    if (trace_ && tr_irq_ >= 0)
      trace_->instant(tr_irq_, irq_changes_.front().second ? "irq rise" : "irq fall", now);
    irq.write(irq_changes_.front().second);
    irq_changes_.pop_front();
  }
  if (!irq_changes_.empty()) irq_event_.notify(irq_changes_.front().first - now);
}

void TensorRtlTlm::advance_to(uint64_t target) {
  while (clock_.cycle() < target) {
    if (step(may_skip()) == Step::kClocked) continue;
    // Frozen: nothing can change before `target` (no CSR access pending).
    const uint64_t c = clock_.cycle();
    uint64_t n = target - c;
    if (wave_) {
      const uint64_t lim = wave_->skip_limit(c);
      n = lim > c ? std::min(n, lim - c) : 0;
    }
    if (n == 0) {
      step(false);
      continue;
    }
    if (wave_) wave_->on_skip(c, n, in_);
    clock_.advance(n);
    stats_.cycles_skipped += n;
  }
}

// Cycle up to which a burst may run: the quantum from now; at least one
// cycle if the block is not ahead of SystemC time (so quantum 0 advances).
static uint64_t burst_end(const RtlClock& clk) {
  const sc_core::sc_time q = tlm::tlm_global_quantum::instance().get();
  const uint64_t end = clk.cycle_at(sc_core::sc_time_stamp() + q);
  return end > clk.cycle() || clk.offset() > sc_core::SC_ZERO_TIME ? end : clk.cycle() + 1;
}

void TensorRtlTlm::run_thread() {
  ensure_reset();
  sc_core::sc_time yield_at = sc_core::sc_max_time();
  int yields = 0;
  for (;;) {
    if (quiet_ > quiet_limit()) {
      sc_core::wait(work_event_);
      continue;
    }
    // How far to run: the quantum from now (at least one cycle), but never
    // into the time of the next activity of any other process: an initiator
    // woken then may send input, and the model must not have passed it.
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const sc_core::sc_time q = tlm::tlm_global_quantum::instance().get();
    uint64_t end = burst_end(clock_);
    sc_core::sc_time horizon = sc_core::sc_max_time();
    if (sc_core::sc_pending_activity_at_current_time()) {
      // Others run first at this time (a bounded number of times, so that
      // two such blocks do not wait for each other forever).
      yields = now == yield_at ? yields + 1 : 1;
      yield_at = now;
      if (yields <= kMaxYields) {
        sc_core::wait(sc_core::SC_ZERO_TIME);
        continue;
      }
    } else {
      horizon = sc_core::sc_time_to_pending_activity();  // sc_max_time() - now: none
      if (horizon < q + clock_.period())
        end = std::min(end, clock_.cycle_at(now + horizon));
    }
    if (clock_.cycle() >= end) {
      ++stats_.syncs;
      sc_core::wait(std::min(clock_.offset(), horizon));
      continue;
    }
    bool park = false;
    recheck_ = false;  // set when an output may have woken another process
    while (clock_.cycle() < end && !park && !recheck_)
      park = step(true) == Step::kFrozen || quiet_ > quiet_limit();
    if (park) sc_core::wait(work_event_);
  }
}

void TensorRtlTlm::finish_request() {
  work_event_.notify();
}

// ---------------------------------------------------------------------------
// Sockets
// ---------------------------------------------------------------------------

void TensorRtlTlm::csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const CsrAccess a = decode_csr(gp, kCsrAddrBits);
  if (!a.ok) {
    gp.set_response_status(a.status);
    return;
  }
  ensure_reset();
  advance_to(clock_.cycle_at(sc_core::sc_time_stamp() + delay));
  CsrReq req;
  req.write = a.write;
  req.addr = a.offset;
  req.wdata = a.wdata;
  req.wstrb = a.wstrb;
  csrs_.push_back(&req);
  quiet_ = 0;  // new input: progress may follow
  input_event_.notify();
  const uint64_t first_cycle = clock_.cycle();
  const uint64_t limit = clock_.cycle() + 10000;
  while (!req.done) {
    if (clock_.cycle() >= limit) {
      csrs_.erase(std::find(csrs_.begin(), csrs_.end(), &req));
      std::ostringstream os;
      os << "CSR " << (a.write ? "write" : "read") << " at offset 0x" << std::hex << a.offset
         << std::dec << " got no AXI4-Lite response in 10000 cycles (cycle " << clock_.cycle()
         << ")";
      if (wave_) wave_->trigger(clock_.cycle() - 1, os.str());
      SC_REPORT_ERROR(name(), os.str().c_str());
      gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    step(false);
  }
  ++stats_.csr_transactions;
  if (!a.write) std::memcpy(gp.get_data_ptr(), &req.rdata, 4);
  gp.set_response_status(axi_to_tlm(req.resp));
  if (trace_) trace_csr(req, first_cycle, !gp.is_response_error());
  delay = clock_.offset();
  finish_request();
}

void TensorRtlTlm::stream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (gp.get_command() != tlm::TLM_WRITE_COMMAND) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  const uint64_t addr = gp.get_address();
  const bool weights = addr == tensor::kWeightStreamAddr;
  if (!weights && addr != tensor::kActStreamAddr) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (gp.get_byte_enable_ptr()) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const std::size_t lanes = weights ? cfg_.cols : cfg_.rows;
  const std::size_t len = gp.get_data_length();
  if (len == 0 || len % (2 * lanes) != 0) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  ensure_reset();
  advance_to(clock_.cycle_at(sc_core::sc_time_stamp() + delay));

  StreamReq req;
  req.id = ++next_req_id_;
  req.rows = len / (2 * lanes);
  req.words_per_row = (lanes + 1) / 2;
  req.words.assign(req.rows * req.words_per_row, 0);
  const unsigned char* p = gp.get_data_ptr();
  for (std::size_t r = 0; r < req.rows; ++r)
    for (std::size_t i = 0; i < lanes; ++i) {
      const std::size_t k = r * lanes + i;
      const uint32_t lane = p[2 * k] | (uint32_t{p[2 * k + 1]} << 8);
      req.words[r * req.words_per_row + i / 2] |= lane << (16 * (i % 2));
    }
  auto& queue = weights ? w_reqs_ : act_reqs_;
  const uint64_t first_cycle = clock_.cycle();
  queue.push_back(&req);
  quiet_ = 0;  // new input: progress may follow
  input_event_.notify();

  uint64_t end = burst_end(clock_);
  while (!req.done) {
    if (clock_.cycle() >= end) {
      // The quantum ran out: let SystemC time (and other initiators) catch up.
      ++stats_.syncs;
      clock_.sync();
      end = burst_end(clock_);
      continue;
    }
    // Parked: nothing can take the rows until some initiator sends
    // something (for an idle engine: a CSR write that queues a command).
    // The checks do not clock, so waking up moves the model no further.
    if (quiet_ > quiet_limit() || step(true) == Step::kFrozen) {
      sc_core::wait(input_event_);
      end = burst_end(clock_);
    }
  }
  ++stats_.stream_transactions;
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  if (trace_) {
    const int tr = weights ? tr_w_ : tr_act_;
    trace_->slice(tr, (weights ? "weights x" : "activations x") + std::to_string(req.rows),
                  at_cycle(first_cycle), clock_.now(),
                  "\"rows\":" + std::to_string(req.rows) + ",\"len\":" + std::to_string(len));
  }
  delay = clock_.offset();
  finish_request();
}

// ---------------------------------------------------------------------------
// Timeline
// ---------------------------------------------------------------------------

void TensorRtlTlm::set_trace(TraceWriter* t) {
  TensorBlock::set_trace(t);
  tr_csr_ = tr_w_ = tr_act_ = tr_res_ = tr_cmd_ = tr_irq_ = -1;
  if (!t) return;
  tr_cmd_ = t->track(name(), "commands");
  tr_csr_ = t->track(name(), "csr");
  tr_w_ = t->track(name(), "weights");
  tr_act_ = t->track(name(), "activations");
  tr_res_ = t->track(name(), "results");
  tr_irq_ = t->track(name(), "irq");
}

void TensorRtlTlm::trace_csr(const CsrReq& req, uint64_t first_cycle, bool ok) {
  namespace r = regs::tensor;
  const uint32_t data = req.write ? req.wdata : req.rdata;
  trace_->slice(tr_csr_, std::string(req.write ? "write " : "read ") + TraceWriter::hex(req.addr),
                at_cycle(first_cycle), clock_.now(),
                "\"addr\":\"" + TraceWriter::hex(req.addr) + "\",\"data\":\"" +
                    TraceWriter::hex(data) + "\",\"resp\":" + std::to_string(req.resp));
  if (!req.write || !ok) return;
  uint32_t mask = 0;
  for (int b = 0; b < 4; ++b)
    if ((req.wstrb >> b) & 1) mask |= 0xFFu << (8 * b);
  const auto merge = [&](uint32_t& reg) { reg = (reg & ~mask) | (req.wdata & mask); };
  if (req.addr == r::CMD_CFG_OFFSET) merge(tr_cfg_);
  if (req.addr == r::CMD_SHAPE_OFFSET) merge(tr_shape_);
  if (req.addr == r::CTRL_OFFSET && (req.wstrb & 1) &&
      ((req.wdata >> r::CTRL_START_LSB) & r::CTRL_START_MASK)) {
    // START reaches the engine two cycles after the request (docs/tensor.md).
    TraceCmd c;
    c.seq = tr_seq_++;
    c.start = first_cycle + 2;
    c.m = (tr_shape_ >> r::CMD_SHAPE_M_ROWS_LSB) & r::CMD_SHAPE_M_ROWS_MASK;
    c.k = (tr_shape_ >> r::CMD_SHAPE_K_ROWS_LSB) & r::CMD_SHAPE_K_ROWS_MASK;
    c.emit = (tr_cfg_ >> r::CMD_CFG_EMIT_LSB) & r::CMD_CFG_EMIT_MASK;
    c.load_w = (tr_cfg_ >> r::CMD_CFG_LOAD_W_LSB) & r::CMD_CFG_LOAD_W_MASK;
    c.acc = (tr_cfg_ >> r::CMD_CFG_ACCUMULATE_LSB) & r::CMD_CFG_ACCUMULATE_MASK;
    tr_cmds_.push_back(c);
  }
}

void TensorRtlTlm::trace_cmd_end(const TraceCmd& c, uint64_t end_cycle) {
  std::ostringstream args;
  args << "\"m\":" << c.m << ",\"k\":" << c.k << ",\"load_w\":" << (c.load_w ? 1 : 0)
       << ",\"accumulate\":" << (c.acc ? 1 : 0) << ",\"emit\":" << (c.emit ? 1 : 0);
  trace_->slice(tr_cmd_, "cmd " + std::to_string(c.seq), at_cycle(c.start),
                at_cycle(std::max(end_cycle, c.start)), args.str());
}

void TensorRtlTlm::trace_row(uint64_t valid_cycle, uint64_t taken_cycle) {
  const uint64_t addr = res_gp_.get_address();
  trace_->slice(tr_res_, "row " + std::to_string(addr / (uint64_t{cfg_.cols} * 4)),
                at_cycle(valid_cycle), at_cycle(taken_cycle + 1),
                "\"addr\":\"" + TraceWriter::hex(addr) + "\",\"len\":" +
                    std::to_string(res_gp_.get_data_length()));
  // The row belongs to the oldest emitting command still owed rows; the
  // commands before it without emit are over by now.
  while (!tr_cmds_.empty() && !(tr_cmds_.front().emit && tr_cmds_.front().m > 0)) {
    trace_cmd_end(tr_cmds_.front(), valid_cycle);
    tr_cmds_.pop_front();
  }
  if (tr_cmds_.empty()) return;
  TraceCmd& c = tr_cmds_.front();
  if (++c.rows >= c.m) {
    trace_cmd_end(c, taken_cycle + 1);
    tr_cmds_.pop_front();
  }
}

void TensorRtlTlm::trace_idle(uint64_t c) {
  // Idle with no CSR access pending: every command started so far is done
  // (or was refused).
  while (!tr_cmds_.empty() && tr_cmds_.front().start <= c) {
    trace_cmd_end(tr_cmds_.front(), c);
    tr_cmds_.pop_front();
  }
}

}  // namespace trnsim::cosim
