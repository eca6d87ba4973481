#include "tensor/tensor_tlm.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/tlm_util.h"
#include "common/trace.h"
#include "numerics/numerics.h"
#include "tensor_regs.hpp"

namespace trnsim::tensor {

namespace regs = trnsim::regs::tensor;
namespace nm = trnsim::numerics;

namespace {

constexpr bool kHostLittleEndian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

// "No such event yet": far enough below every real cycle that +1/+drain stays below.
constexpr int64_t kNever = std::numeric_limits<int64_t>::min() / 4;
constexpr int64_t kForever = std::numeric_limits<int64_t>::max() / 4;

uint32_t get_field(uint32_t v, uint32_t lsb, uint32_t mask) { return (v >> lsb) & mask; }
uint32_t put_field(uint32_t v, uint32_t lsb, uint32_t mask) { return (v & mask) << lsb; }

bool dtype_ok(unsigned code) { return nm::dtype_valid(code); }

}  // namespace

// ---------------------------------------------------------------------------
// detail::ValueHistory
// ---------------------------------------------------------------------------
namespace detail {

void ValueHistory::add(int64_t cycle, uint32_t clear, uint32_t set) {
  if (cycle <= folded_) {  // late news about the folded past: apply now (approximation)
    base_ = (base_ & ~clear) | set;
    return;
  }
  const Change ch{cycle, set ? 1 : 0, seq_++, clear, set};
  auto pos = std::upper_bound(changes_.begin(), changes_.end(), ch, [](const Change& a, const Change& b) {
    if (a.cycle != b.cycle) return a.cycle < b.cycle;
    if (a.order != b.order) return a.order < b.order;
    return a.seq < b.seq;
  });
  changes_.insert(pos, ch);
}

uint32_t ValueHistory::at(int64_t cycle) const {
  uint32_t v = base_;
  for (const Change& ch : changes_) {
    if (ch.cycle > cycle) break;
    v = (v & ~ch.clear) | ch.set;
  }
  return v;
}

void ValueHistory::fold(int64_t cycle) {
  std::size_t n = 0;
  while (n < changes_.size() && changes_[n].cycle <= cycle) {
    base_ = (base_ & ~changes_[n].clear) | changes_[n].set;
    ++n;
  }
  changes_.erase(changes_.begin(), changes_.begin() + static_cast<std::ptrdiff_t>(n));
  folded_ = std::max(folded_, cycle);
}

void StallSet::add(int64_t lo, int64_t hi) {
  if (hi < lo) return;
  if (!iv_.empty() && lo <= iv_.back().second + 1) {
    iv_.back().second = std::max(iv_.back().second, hi);  // (only ever appended in order)
    return;
  }
  iv_.emplace_back(lo, hi);
}

int64_t StallSet::next_free(int64_t c) const {
  auto it = std::lower_bound(iv_.begin(), iv_.end(), c,
                             [](const std::pair<int64_t, int64_t>& iv, int64_t x) { return iv.second < x; });
  while (it != iv_.end() && it->first <= c) {
    c = it->second + 1;
    ++it;
  }
  return c;
}

int64_t StallSet::advance(int64_t c, int64_t n) const {
  auto it = std::lower_bound(iv_.begin(), iv_.end(), c + 1,
                             [](const std::pair<int64_t, int64_t>& iv, int64_t x) { return iv.second < x; });
  for (; it != iv_.end(); ++it) {
    if (it->first > c) {
      const int64_t gap = it->first - 1 - c;  // free cycles in (c, lo)
      if (gap >= n) return c + n;
      n -= gap;
    }
    c = std::max(c, it->second);
  }
  return c + n;
}

uint64_t StallSet::count_below(int64_t c) const {
  uint64_t n = folded_cycles_;
  for (const auto& iv : iv_) {
    if (iv.first >= c) break;
    n += static_cast<uint64_t>(std::min(iv.second, c - 1) - iv.first + 1);
  }
  return n;
}

void StallSet::fold(int64_t c) {
  while (!iv_.empty() && iv_.front().second < c) {
    folded_cycles_ += static_cast<uint64_t>(iv_.front().second - iv_.front().first + 1);
    iv_.pop_front();
  }
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Construction
// ---------------------------------------------------------------------------
TensorTlm::TensorTlm(sc_core::sc_module_name name, const TensorBlockConfig& cfg)
    : TensorBlock(name, cfg), regs_(regs::kRegisters) {
  auto bad = [&](const std::string& what) {
    throw std::invalid_argument(std::string("tensor engine '") + this->name() + "': " + what);
  };
  if (cfg_.rows < 1 || cfg_.rows > 1023) bad("rows must be 1..1023, got " + std::to_string(cfg_.rows));
  if (cfg_.cols < 1 || cfg_.cols > 1023) bad("cols must be 1..1023, got " + std::to_string(cfg_.cols));
  if (cfg_.psum_depth < 1 || cfg_.psum_depth > 65536 || (cfg_.psum_depth & (cfg_.psum_depth - 1)))
    bad("psum_depth must be a power of two up to 65536, got " + std::to_string(cfg_.psum_depth));
  if (cfg_.cmd_depth < 1) bad("cmd_depth must be at least 1");
  if (cfg_.period <= sc_core::SC_ZERO_TIME) bad("period must be positive");
  // The RTL's PsumAddrBits: clog2(depth), at least 1.
  psum_log2_ = 1;
  while ((1u << psum_log2_) < cfg_.psum_depth) ++psum_log2_;

  retired_pop_ = retired_last_act_ = kNever;
  bank_free_at_[0] = bank_free_at_[1] = kNever;
  last_w_hs_ = last_act_hs_ = kNever;
  last_emit_h_ = kNever;
  busy_retired_hi_ = kNever;
  bank_w_[0].assign(std::size_t{cfg_.rows} * cfg_.cols, 0);
  bank_w_[1].assign(std::size_t{cfg_.rows} * cfg_.cols, 0);
  psum_.assign(std::size_t{cfg_.psum_depth} * cfg_.cols, 0);  // +0.0 after reset
  result_buf_.resize(std::size_t{cfg_.cols} * 4);

  regs_.set_hw_in([this](uint32_t off) { return hw_in(off); });
  regs_.set_on_write([this](uint32_t off, uint32_t v, uint32_t mask) { on_csr_write(off, v, mask); });

  SC_METHOD(irq_update);
  sensitive << irq_ev_;
  dont_initialize();
}

TensorTlm::~TensorTlm() = default;

void TensorTlm::set_trace(TraceWriter* t) {
  TensorBlock::set_trace(t);
  trace_cmds_ = trace_irq_ = -1;
  if (t) {
    trace_cmds_ = t->track(name(), "commands");
    trace_irq_ = t->track(name(), "irq");
  }
}

void TensorTlm::inject_fault(uint64_t result_row_index, unsigned lane, uint32_t xor_mask) {
  if (lane >= cfg_.cols)
    throw std::invalid_argument(std::string("tensor engine '") + name() + "': inject_fault lane " +
                                std::to_string(lane) + " is not below COLS = " + std::to_string(cfg_.cols));
  faults_[result_row_index].emplace_back(lane, xor_mask);
}

int64_t TensorTlm::cycle_at(const sc_core::sc_time& t) const {
  return static_cast<int64_t>(cycles_ceil(t, cfg_.period));
}

sc_core::sc_time TensorTlm::delay_to(int64_t cycle) const {
  const sc_core::sc_time at = cfg_.period * static_cast<double>(std::max<int64_t>(cycle, 0));
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  return at > now ? at - now : sc_core::SC_ZERO_TIME;
}

// ---------------------------------------------------------------------------
// CSRs
// ---------------------------------------------------------------------------
void TensorTlm::csr_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const CsrAccess a = decode_csr(gp, regs::ADDR_BITS);
  if (!a.ok) {
    gp.set_response_status(a.status);  // never reaches the AXI port
    return;
  }
  retire();
  const int64_t t = cycle_at(sc_core::sc_time_stamp() + delay);
  sample_cycle_ = t + kCsrRegBusDelay;
  bool ok = false;
  if (a.write) {
    ok = regs_.write(a.offset, a.wdata, a.wstrb);
  } else {
    uint32_t v = 0;
    ok = regs_.read(a.offset, v);
    if (ok && a.offset == regs::INTR_STATE_OFFSET) v |= intr_.at(sample_cycle_);
    if (!ok) v = 0;  // SLVERR reads return 0
    std::memcpy(gp.get_data_ptr(), &v, 4);
  }
  const int64_t end = t + kCsrAccessCycles;
  local_cycle_ = std::max(local_cycle_, end);
  delay = delay_to(end);
  gp.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
}

void TensorTlm::on_csr_write(uint32_t offset, uint32_t value, uint32_t byte_mask) {
  // The write lands at the end of the register-bus cycle: visible one later.
  const int64_t visible = sample_cycle_ + 1;
  if (offset == regs::CTRL_OFFSET) {
    // A WO pulse fires when a byte of the field is written; START needs the 1.
    if ((byte_mask & (regs::CTRL_START_MASK << regs::CTRL_START_LSB)) &&
        get_field(value, regs::CTRL_START_LSB, regs::CTRL_START_MASK))
      start_command(visible);
  } else if (offset == regs::INTR_STATE_OFFSET) {
    const uint32_t clear = value & regs::kRegisters[4].w1c_mask;
    if (clear) {
      intr_.add(visible, clear, 0);
      schedule_irq(visible);
    }
  } else if (offset == regs::INTR_ENABLE_OFFSET) {
    const uint32_t en = regs_.stored(regs::INTR_ENABLE_OFFSET);
    enable_.add(visible, ~0u, en);
    schedule_irq(visible);
  }
}

uint32_t TensorTlm::hw_in(uint32_t offset) const {
  const int64_t r = sample_cycle_;
  switch (offset) {
    case regs::GEOMETRY_OFFSET:
      return put_field(cfg_.rows, regs::GEOMETRY_ROWS_LSB, regs::GEOMETRY_ROWS_MASK) |
             put_field(cfg_.cols, regs::GEOMETRY_COLS_LSB, regs::GEOMETRY_COLS_MASK) |
             put_field(psum_log2_, regs::GEOMETRY_LOG2_PSUM_DEPTH_LSB, regs::GEOMETRY_LOG2_PSUM_DEPTH_MASK);
    case regs::STATUS_OFFSET: return status_at(r);
    case regs::ERR_CODE_OFFSET:
      return put_field(err_code_, regs::ERR_CODE_CODE_LSB, regs::ERR_CODE_CODE_MASK) |
             put_field(err_count_, regs::ERR_CODE_COUNT_LSB, regs::ERR_CODE_COUNT_MASK);
    case regs::CMDS_DONE_OFFSET: return static_cast<uint32_t>(done_below(r));
    case regs::BUSY_CYCLES_OFFSET: return static_cast<uint32_t>(busy_cycles_below(r));
    case regs::STALL_CYCLES_OFFSET: return static_cast<uint32_t>(stalls_.count_below(r));
    case regs::MACS_OFFSET: return static_cast<uint32_t>(macs_below(r));
    default: return 0;
  }
}

void TensorTlm::start_command(int64_t s) {
  const uint32_t cfgw = regs_.stored(regs::CMD_CFG_OFFSET);
  const uint32_t shape = regs_.stored(regs::CMD_SHAPE_OFFSET);
  Cmd c;
  c.dta = get_field(cfgw, regs::CMD_CFG_DTYPE_A_LSB, regs::CMD_CFG_DTYPE_A_MASK);
  c.dtw = get_field(cfgw, regs::CMD_CFG_DTYPE_W_LSB, regs::CMD_CFG_DTYPE_W_MASK);
  c.load_w = get_field(cfgw, regs::CMD_CFG_LOAD_W_LSB, regs::CMD_CFG_LOAD_W_MASK);
  c.acc = get_field(cfgw, regs::CMD_CFG_ACCUMULATE_LSB, regs::CMD_CFG_ACCUMULATE_MASK);
  c.emit = get_field(cfgw, regs::CMD_CFG_EMIT_LSB, regs::CMD_CFG_EMIT_MASK);
  c.irq = get_field(cfgw, regs::CMD_CFG_IRQ_LSB, regs::CMD_CFG_IRQ_MASK);
  c.m = get_field(shape, regs::CMD_SHAPE_M_ROWS_LSB, regs::CMD_SHAPE_M_ROWS_MASK);
  c.k = get_field(shape, regs::CMD_SHAPE_K_ROWS_LSB, regs::CMD_SHAPE_K_ROWS_MASK);
  c.psum = get_field(regs_.stored(regs::CMD_PSUM_OFFSET), regs::CMD_PSUM_ADDR_LSB, regs::CMD_PSUM_ADDR_MASK);
  c.s = s;

  // Queue occupancy in cycle s: pushed before s, not popped before s.
  unsigned queued = 0;
  for (const Cmd& x : cmds_)
    if (x.s < s && !(x.pop && *x.pop < s)) ++queued;

  // The RTL's checks, in its order.
  regs::ErrCode err = regs::ErrCode::NONE;
  if (!dtype_ok(c.dta) || !dtype_ok(c.dtw))
    err = regs::ErrCode::BAD_DTYPE;
  else if (c.load_w && (c.k == 0 || c.k > cfg_.rows))
    err = regs::ErrCode::BAD_K;
  else if (c.m == 0)
    err = regs::ErrCode::BAD_M;
  else if (uint64_t{c.psum} + c.m > cfg_.psum_depth)
    err = regs::ErrCode::PSUM_RANGE;
  else if (!c.load_w && !ever_loaded_)
    err = regs::ErrCode::NO_WEIGHTS;
  else if (queued >= cfg_.cmd_depth)
    err = regs::ErrCode::QUEUE_FULL;

  if (err != regs::ErrCode::NONE) {
    err_code_ = static_cast<uint32_t>(err);
    if (err_count_ != 0xFFFF) ++err_count_;
    ++refused_;
    const uint32_t bit = regs::INTR_STATE_ERROR_MASK << regs::INTR_STATE_ERROR_LSB;
    intr_.add(s + 1, 0, bit);
    schedule_irq(s + 1);
    return;
  }

  if (c.load_w) {
    c.bank = 1 - assign_bank_;
    assign_bank_ = c.bank;
    assign_krows_[c.bank] = c.k;
    c.krows = c.k;
    ever_loaded_ = true;
  } else {
    c.bank = assign_bank_;  // LOAD_W = 0 reuses the last loaded bank
    c.krows = assign_krows_[c.bank];
  }
  c.seq = accepted_++;
  cmds_.push_back(std::move(c));
  resolve();
  progress_ev_.notify(sc_core::SC_ZERO_TIME);
}

// ---------------------------------------------------------------------------
// Command progress
// ---------------------------------------------------------------------------
TensorTlm::Cmd* TensorTlm::find(uint64_t seq) {
  if (seq < retired_ || seq >= retired_ + cmds_.size()) return nullptr;
  return &cmds_[static_cast<std::size_t>(seq - retired_)];
}

// Works out queue-head and pop cycles as far as the streams allow:
//   head_j = max(s_j + 1, pop_(j-1) + 1)
//   pop_j  = max(ready_j, E_(j-1)), ready_j = last weight handshake or head_j
void TensorTlm::resolve() {
  int64_t prev_pop = retired_pop_;
  int64_t prev_last = retired_last_act_;
  bool prev_acts_in = true;
  for (Cmd& c : cmds_) {
    if (!c.pop) {
      if (!c.head) c.head = std::max(c.s + 1, prev_pop + 1);
      if (!c.weights_in() || !prev_acts_in) return;
      const int64_t ready = c.load_w ? c.load_last : *c.head;
      c.pop = std::max(ready, prev_last);
    }
    prev_pop = *c.pop;
    prev_acts_in = c.acts_in();
    prev_last = c.act_cycles.empty() ? kNever : c.act_cycles.back();
  }
}

// Drops commands that are complete and entirely in the past of SystemC time
// (no query can reach them any more), folding them into the counters.
void TensorTlm::retire() {
  const int64_t now = now_cycle();
  while (!cmds_.empty()) {
    Cmd& c = cmds_.front();
    if (!c.pop || !c.weights_in() || !c.acts_in() || c.end >= now) break;
    retired_pop_ = *c.pop;
    retired_last_act_ = c.act_cycles.back();
    macs_retired_ += uint64_t{c.m} * c.krows * cfg_.cols;
    const int64_t lo = c.s + 1, hi = c.end;
    if (hi >= lo) {
      const int64_t from = std::max(lo, busy_retired_hi_ + 1);
      if (hi >= from) busy_retired_ += static_cast<uint64_t>(hi - from + 1);
      busy_retired_hi_ = std::max(busy_retired_hi_, hi);
    }
    cmds_.pop_front();
    ++retired_;
  }
  w_seq_ = std::max(w_seq_, retired_);
  a_seq_ = std::max(a_seq_, retired_);
  stalls_.fold(std::min(now, last_act_hs_ + 1));
  intr_.fold(now - 1);
  enable_.fold(now - 1);
}

bool TensorTlm::wait_progress(const char* what) {
  const auto kind = sc_core::sc_get_current_process_handle().proc_kind();
  if (kind != sc_core::SC_THREAD_PROC_ && kind != sc_core::SC_CTHREAD_PROC_) {
    std::ostringstream os;
    os << what << ", and the caller is not a thread (it cannot wait): call the stream from an SC_THREAD";
    SC_REPORT_ERROR(name(), os.str().c_str());
    return false;
  }
  sc_core::wait(progress_ev_);
  return true;
}

void TensorTlm::stream_b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const bool weights = addr == kWeightStreamAddr;
  if (!gp.is_write()) {
    gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  if (!weights && addr != kActStreamAddr) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const unsigned lanes = weights ? cfg_.cols : cfg_.rows;
  const unsigned row_bytes = lanes * 2;
  const unsigned len = gp.get_data_length();
  if (len == 0 || len % row_bytes != 0 || gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  if (!byte_enables(gp).empty()) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const uint32_t n = len / row_bytes;
  const int64_t q = cycle_at(sc_core::sc_time_stamp() + delay);
  const unsigned char* data = gp.get_data_ptr();

  bool& busy = weights ? w_busy_ : a_busy_;
  while (busy) {
    if (!wait_progress("a second initiator writes the same stream")) {
      gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
  }
  busy = true;
  struct Release {
    bool& b;
    sc_core::sc_event& ev;
    ~Release() {
      b = false;
      ev.notify(sc_core::SC_ZERO_TIME);
    }
  } release{busy, progress_ev_};

  retire();
  int64_t last = q - 1;
  uint32_t i = 0;
  while (i < n) {
    Cmd* c = nullptr;
    if (weights) {
      // Weights go to the next command (in queue order) that loads some.
      for (uint64_t seq = w_seq_; (c = find(seq)) != nullptr; ++seq) {
        if (c->load_w && !c->weights_in()) break;
        w_seq_ = seq + 1;
      }
      if (!c || !c->head) {
        if (!wait_progress("weight rows wait for their command to reach the queue head")) {
          gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
          return;
        }
        continue;
      }
      const uint32_t take = std::min(n - i, c->k - c->w_rows);
      last = take_weights(*c, data + std::size_t{i} * row_bytes, take, q);
      i += take;
    } else {
      c = find(a_seq_);
      if (!c || !c->pop) {
        if (!wait_progress("activation rows wait for their command to reach the stream slot")) {
          gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
          return;
        }
        continue;
      }
      const uint32_t take = std::min(n - i, c->m - c->a_rows);
      last = take_acts(*c, data + std::size_t{i} * row_bytes, take, q);
      i += take;
      if (c->acts_in()) ++a_seq_;
    }
    resolve();
    progress_ev_.notify(sc_core::SC_ZERO_TIME);
  }
  local_cycle_ = std::max(local_cycle_, last + 1);
  delay = delay_to(last + 1);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

int64_t TensorTlm::take_weights(Cmd& c, const unsigned char* data, uint32_t n, int64_t q) {
  const std::size_t cols = cfg_.cols;
  int64_t t = std::max(q, last_w_hs_ + 1);  // one row per cycle on the stream
  if (n > 0) packed_w_[c.bank].valid = false;
  for (uint32_t i = 0; i < n; ++i) {
    if (c.w_rows == 0) {
      // The first beat needs the command at the head and its bank drained.
      t = std::max({t, *c.head, bank_free_at_[c.bank]});
      c.load_first = t;
    }
    uint16_t* row = &bank_w_[c.bank][c.w_rows * cols];
    for (std::size_t x = 0; x < cols; ++x)
      row[x] = static_cast<uint16_t>(data[(i * cols + x) * 2] | (data[(i * cols + x) * 2 + 1] << 8));
    c.load_last = t;
    last_w_hs_ = t;
    ++c.w_rows;
    ++t;
  }
  return last_w_hs_;
}

int64_t TensorTlm::take_acts(Cmd& c, const unsigned char* data, uint32_t n, int64_t q) {
  const std::size_t rows = cfg_.rows, cols = cfg_.cols, kr = c.krows;
  // The numbers: the tile sums of the n rows, then the PSUM overwrite or add,
  // computed in place in the PSUM rows the command owns (gemm_fast reads
  // them only if it accumulates). Stream lanes are little-endian codes.
  scratch_a_.resize(n * kr);
  if (kHostLittleEndian && kr == rows) {
    std::memcpy(scratch_a_.data(), data, std::size_t{n} * kr * 2);
  } else {
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t y = 0; y < kr; ++y)
        scratch_a_[i * kr + y] =
            static_cast<uint16_t>(data[(i * rows + y) * 2] | (data[(i * rows + y) * 2 + 1] << 8));
  }
  uint32_t* prow = &psum_[std::size_t{c.psum + c.a_rows} * cols];
  nm::GemmShape shape;
  shape.m = n;
  shape.k = kr;
  shape.n = cols;
  shape.tile_rows = rows;
  nm::GemmPackedB& pw = packed_w_[c.bank];
  if (!pw.valid || pw.k != kr || pw.n != cols || pw.dt != static_cast<nm::Dtype>(c.dtw))
    nm::gemm_pack_b(kr, cols, static_cast<nm::Dtype>(c.dtw), bank_w_[c.bank].data(), pw);
  nm::gemm_fast_packed(shape, static_cast<nm::Dtype>(c.dta), scratch_a_.data(), pw, prow, c.acc);

  // The times: handshake when offered, in the stream slot, and not stalled;
  // PSUM stage ROWS + COLS advancing cycles later.
  const int64_t drain = int64_t{cfg_.rows} + cfg_.cols;
  int64_t t = std::max({q, last_act_hs_ + 1, *c.pop + 1});
  for (uint32_t i = 0; i < n; ++i) {
    const int64_t a = stalls_.next_free(t);
    c.act_cycles.push_back(a);
    last_act_hs_ = a;
    const int64_t p = stalls_.advance(a, drain);
    bank_free_at_[c.bank] = p + 1;
    c.end = std::max(c.end, p);
    if (c.emit) {
      const int64_t v = std::max(p + 1, last_emit_h_ + 1);
      const int64_t h = emit_row(c.psum + c.a_rows, prow + i * cols, v);
      // Two rows in the result FIFO hold the datapath: from the cycle after
      // this row's PSUM write until the previous row leaves.
      if (have_emit_ && p + 1 <= last_emit_h_) stalls_.add(p + 1, last_emit_h_);
      have_emit_ = true;
      last_emit_h_ = h;
      c.end = std::max(c.end, h);
    }
    ++c.a_rows;
    if (c.acts_in()) {
      c.done = p;
      complete(c);
    }
    t = a + 1;
  }
  return last_act_hs_;
}

int64_t TensorTlm::emit_row(uint32_t psum_row, const uint32_t* lanes, int64_t v) {
  const std::size_t cols = cfg_.cols;
  std::memcpy(result_buf_.data(), lanes, cols * 4);
  if (!faults_.empty()) {
    if (auto it = faults_.find(results_emitted_); it != faults_.end()) {
      for (const auto& f : it->second) {
        uint32_t x;
        std::memcpy(&x, result_buf_.data() + f.first * 4, 4);
        x ^= f.second;
        std::memcpy(result_buf_.data() + f.first * 4, &x, 4);
      }
      faults_.erase(it);
    }
  }
  tlm::tlm_generic_payload gp;
  set_payload(gp, tlm::TLM_WRITE_COMMAND, uint64_t{psum_row} * cols * 4, result_buf_.data(),
              static_cast<unsigned>(cols * 4));
  sc_core::sc_time d = delay_to(v);
  result->b_transport(gp, d);
  if (gp.is_response_error()) {
    std::ostringstream os;
    os << "result row " << results_emitted_ << " (PSUM row " << psum_row
       << ") was answered with " << gp.get_response_string()
       << ": the engine's result stream has no error path";
    SC_REPORT_ERROR(name(), os.str().c_str());
  }
  ++results_emitted_;
  const int64_t h = std::max(v, cycle_at(sc_core::sc_time_stamp() + d));
  local_cycle_ = std::max(local_cycle_, h + 1);
  return h;
}

void TensorTlm::complete(Cmd& c) {
  ++completed_;
  if (c.irq) {
    intr_.add(c.done + 1, 0, regs::INTR_STATE_DONE_MASK << regs::INTR_STATE_DONE_LSB);
    schedule_irq(c.done + 1);
  }
  if (trace_ && trace_cmds_ >= 0) {
    std::ostringstream args;
    args << "\"m\":" << c.m << ",\"k\":" << c.krows << ",\"load_w\":" << (c.load_w ? 1 : 0)
         << ",\"accumulate\":" << (c.acc ? 1 : 0);
    trace_->slice(trace_cmds_, "cmd " + std::to_string(c.seq), cfg_.period * static_cast<double>(c.s),
                  cfg_.period * static_cast<double>(c.done + 1), args.str());
  }
}

// ---------------------------------------------------------------------------
// What software reads in cycle r
// ---------------------------------------------------------------------------
bool TensorTlm::busy_at(int64_t r) const {
  // A command keeps BUSY from s + 1 until its last row is through the PSUM
  // stage and the result FIFO has drained: one contiguous span per command.
  for (const Cmd& c : cmds_) {
    const int64_t hi = c.acts_in() ? c.end : kForever;
    if (c.s + 1 <= r && r <= hi) return true;
  }
  return false;
}

uint32_t TensorTlm::status_at(int64_t r) const {
  unsigned outstanding = 0, queued = 0;
  bool loading = false, streaming = false, head_seen = false;
  for (const Cmd& c : cmds_) {
    if (c.s >= r) continue;
    if (!(c.acts_in() && c.done < r)) ++outstanding;
    const bool in_queue = !(c.pop && *c.pop < r);
    if (in_queue) {
      ++queued;
      if (!head_seen) loading = c.load_w;
      head_seen = true;
    } else if (!c.acts_in() || c.act_cycles.back() >= r) {
      streaming = true;
    }
  }
  return put_field(busy_at(r), regs::STATUS_BUSY_LSB, regs::STATUS_BUSY_MASK) |
         put_field(queued >= cfg_.cmd_depth, regs::STATUS_QUEUE_FULL_LSB, regs::STATUS_QUEUE_FULL_MASK) |
         put_field(std::min(outstanding, 15u), regs::STATUS_QUEUE_COUNT_LSB, regs::STATUS_QUEUE_COUNT_MASK) |
         put_field(loading, regs::STATUS_WEIGHTS_LOADING_LSB, regs::STATUS_WEIGHTS_LOADING_MASK) |
         put_field(streaming, regs::STATUS_STREAMING_LSB, regs::STATUS_STREAMING_MASK);
}

uint64_t TensorTlm::busy_cycles_below(int64_t r) const {
  uint64_t n = busy_retired_;
  int64_t covered = busy_retired_hi_;  // cycles up to here are counted
  for (const Cmd& c : cmds_) {
    const int64_t lo = std::max(c.s + 1, covered + 1);
    const int64_t hi = std::min(c.acts_in() ? c.end : kForever, r - 1);
    if (hi >= lo) {
      n += static_cast<uint64_t>(hi - lo + 1);
      covered = hi;
    }
  }
  return n;
}

uint64_t TensorTlm::macs_below(int64_t r) const {
  uint64_t n = macs_retired_;
  for (const Cmd& c : cmds_) {
    const auto rows = std::lower_bound(c.act_cycles.begin(), c.act_cycles.end(), r) - c.act_cycles.begin();
    n += static_cast<uint64_t>(rows) * c.krows * cfg_.cols;
  }
  return n;
}

uint64_t TensorTlm::done_below(int64_t r) const {
  uint64_t n = retired_;
  for (const Cmd& c : cmds_)
    if (c.acts_in() && c.done < r) ++n;
  return n;
}

// ---------------------------------------------------------------------------
// Interrupt line
// ---------------------------------------------------------------------------
void TensorTlm::schedule_irq(int64_t cycle) {
  irq_updates_.insert(cycle);
  irq_ev_.notify(delay_to(cycle));
}

void TensorTlm::irq_update() {
  const int64_t c = static_cast<int64_t>(sc_core::sc_time_stamp().value() / cfg_.period.value());
  irq_updates_.erase(irq_updates_.begin(), irq_updates_.upper_bound(c));
  const bool level = (intr_.at(c) & enable_.at(c)) != 0;
  if (level != irq_level_) {
    irq_level_ = level;
    irq.write(level);
    if (trace_ && trace_irq_ >= 0)
      trace_->instant(trace_irq_, level ? "irq rise" : "irq fall", sc_core::sc_time_stamp());
  }
  if (!irq_updates_.empty()) irq_ev_.notify(delay_to(*irq_updates_.begin()));
}

}  // namespace trnsim::tensor
