#include "dma/dma_tlm.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "common/tlm_util.h"
#include "common/trace.h"
#include "dma_regs.hpp"

namespace trnsim::dma {

namespace regs = trnsim::regs::dma;
using sc_core::sc_time;

namespace {

constexpr uint32_t kQStride = regs::Q1_CTRL_OFFSET - regs::Q0_CTRL_OFFSET;
constexpr uint32_t kMaxLen = 0x00FFFFFF;
constexpr unsigned kDqDepth = 4;  // dma_write's destination-beat FIFO

uint32_t get32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Splits rows into beat-aligned bursts exactly as dma_read/dma_write do.
struct Walker {
  uint64_t row_addr = 0, beat_addr = 0;
  uint32_t stride = 0, len = 0, rows_left = 0, beats_left = 0;
  unsigned B = 32, mbb = 16;
  void init(uint64_t base, uint32_t st, uint32_t l, uint32_t rows, unsigned bus, unsigned maxb) {
    B = bus;
    mbb = maxb;
    row_addr = base;
    stride = st;
    len = l;
    rows_left = rows;
    start_row();
  }
  void start_row() {
    beat_addr = row_addr & ~uint64_t(B - 1);
    beats_left = static_cast<uint32_t>(((row_addr & (B - 1)) + len + B - 1) / B);
  }
  bool done() const { return rows_left == 0; }
  // Next burst: address and beats.
  void next(uint64_t& addr, unsigned& beats) {
    const uint32_t to_boundary = static_cast<uint32_t>((4096 - (beat_addr & 0xFFF)) / B);
    uint32_t n = std::min<uint32_t>(beats_left, mbb);
    n = std::min(n, to_boundary);
    addr = beat_addr;
    beats = n;
    beat_addr += uint64_t{n} * B;
    beats_left -= n;
    if (beats_left == 0) {
      --rows_left;
      row_addr += stride;
      start_row();
    }
  }
};

}  // namespace

DmaTlm::DmaTlm(sc_core::sc_module_name name, const DmaBlockConfig& cfg, const DmaTlmTiming& timing)
    : DmaBlock(name, cfg), tim_(timing), B_(cfg.data_bytes()), regs_(regs::kRegisters) {
  if (cfg.data_bits != 64 && cfg.data_bits != 128 && cfg.data_bits != 256)
    throw std::invalid_argument(std::string(this->name()) + ": data_bits must be 64, 128 or 256 (got " +
                                std::to_string(cfg.data_bits) + ")");
  if (cfg.num_queues < 1 || cfg.num_queues > 4)
    throw std::invalid_argument(std::string(this->name()) + ": num_queues must be 1..4 (got " +
                                std::to_string(cfg.num_queues) + ")");
  if (cfg.max_burst_beats < 1 || cfg.max_burst_beats > 256)
    throw std::invalid_argument(std::string(this->name()) + ": max_burst_beats must be 1..256");
  if (cfg.max_outstanding < 1 || cfg.max_outstanding > 255)
    throw std::invalid_argument(std::string(this->name()) + ": max_outstanding must be 1..255");
  prev_.assign(B_, 0);
  regs_.set_hw_in([this](uint32_t off) { return hw_in(off); });
  regs_.set_on_write([this](uint32_t off, uint32_t v, uint32_t bytes) { on_csr_write(off, v, bytes); });
  const sc_time q = tlm::tlm_global_quantum::instance().get();
  if (q > sc_core::SC_ZERO_TIME) quantum_cycles_ = std::max<uint64_t>(1, cycles_ceil(q, cfg.period));
  SC_THREAD(engine);
  SC_METHOD(drive_irq);
  sensitive << irq_ev_;
}

void DmaTlm::drive_irq() { irq.write(irq_level_); }

void DmaTlm::inject_fault(uint64_t write_index, unsigned byte, uint8_t xor_mask) {
  faults_.push_back({write_index, byte, xor_mask});
}

// --------------------------------------------------------------------------
// CSRs
// --------------------------------------------------------------------------

uint32_t DmaTlm::qreg(unsigned q, uint32_t q0) const { return regs_.stored(q0 + q * kQStride); }

uint64_t DmaTlm::qreg64(unsigned q, uint32_t lo_q0) const {
  return uint64_t{qreg(q, lo_q0)} | uint64_t{qreg(q, lo_q0 + 4)} << 32;
}

uint32_t DmaTlm::hw_in(uint32_t off) const {
  switch (off) {
    case regs::CONFIG_OFFSET:
      return (cfg_.num_queues & regs::CONFIG_NUM_QUEUES_MASK) << regs::CONFIG_NUM_QUEUES_LSB |
             (2u << regs::CONFIG_NUM_WINDOWS_LSB) |
             ((B_ & regs::CONFIG_DATA_BYTES_MASK) << regs::CONFIG_DATA_BYTES_LSB) |
             ((cfg_.max_outstanding & regs::CONFIG_MAX_OUTSTANDING_MASK)
              << regs::CONFIG_MAX_OUTSTANDING_LSB) |
             (((cfg_.max_burst_beats - 1) & regs::CONFIG_MAX_BURST_BEATS_MASK)
              << regs::CONFIG_MAX_BURST_BEATS_LSB);
    case regs::STATUS_OFFSET:
      return uint32_t(busy_) << regs::STATUS_BUSY_LSB | (aq_ & 3) << regs::STATUS_ACTIVE_QUEUE_LSB;
    case regs::BYTES_MOVED_OFFSET: return bytes_moved_;
    case regs::DESCS_DONE_OFFSET: return descs_done_;
    case regs::BUSY_CYCLES_OFFSET: return busy_cycles_;
    case regs::STALL_CYCLES_OFFSET: return stall_cycles_;
    case regs::ERRORS_OFFSET: return errors_;
    default: break;
  }
  if (off >= regs::Q0_CTRL_OFFSET && off < regs::Q0_CTRL_OFFSET + 4 * kQStride) {
    const unsigned q = (off - regs::Q0_CTRL_OFFSET) / kQStride;
    const uint32_t rel = off - q * kQStride;
    const QueueState& s = qs_[q];
    switch (rel) {
      case regs::Q0_STATUS_OFFSET:
        return uint32_t(busy_ && aq_ == q) << regs::Q0_STATUS_BUSY_LSB |
               uint32_t(s.error) << regs::Q0_STATUS_ERROR_LSB |
               uint32_t(s.paused) << regs::Q0_STATUS_PAUSED_LSB |
               (s.code & regs::Q0_STATUS_CODE_MASK) << regs::Q0_STATUS_CODE_LSB;
      case regs::Q0_HEAD_OFFSET: return s.head;
      case regs::Q0_ERR_ADDR_LO_OFFSET: return static_cast<uint32_t>(s.err_addr);
      case regs::Q0_ERR_ADDR_HI_OFFSET: return static_cast<uint32_t>(s.err_addr >> 32);
      default: break;
    }
  }
  return 0;
}

void DmaTlm::on_csr_write(uint32_t off, uint32_t v, uint32_t bytes) {
  if (off < regs::Q0_CTRL_OFFSET || off >= regs::Q0_CTRL_OFFSET + 4 * kQStride) return;
  const unsigned q = (off - regs::Q0_CTRL_OFFSET) / kQStride;
  if (off - q * kQStride != regs::Q0_CTRL_OFFSET) return;
  QueueState& s = qs_[q];
  const uint32_t reset_bit = regs::Q0_CTRL_RESET_MASK << regs::Q0_CTRL_RESET_LSB;
  const uint32_t resume_bit = regs::Q0_CTRL_RESUME_MASK << regs::Q0_CTRL_RESUME_LSB;
  if (v & bytes & resume_bit) s.paused = false;
  if (v & bytes & reset_bit) {
    s.head = 0;
    s.error = false;
    s.paused = false;
    s.code = 0;
    s.err_addr = 0;
    ++s.reset_count;
  }
}

void DmaTlm::update_irq() {
  const uint32_t st = regs_.stored(regs::INTR_STATE_OFFSET);
  const uint32_t en = regs_.stored(regs::INTR_ENABLE_OFFSET);
  const bool level = (st & en) != 0;
  if (level != irq_level_) {
    irq_level_ = level;
    irq_ev_.notify(sc_core::SC_ZERO_TIME);  // one driver of irq: drive_irq()
    if (trace_) {
      const int tr = trace_->track(name(), "irq");
      trace_->instant(tr, level ? "irq rise" : "irq fall", sc_core::sc_time_stamp());
    }
  }
}

void DmaTlm::csr_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const CsrAccess a = decode_csr(gp, regs::ADDR_BITS);
  delay += cfg_.period * static_cast<double>(tim_.csr_latency);
  if (!a.ok) {
    gp.set_response_status(a.status);
    return;
  }
  bool ok;
  if (a.write) {
    ok = regs_.write(a.offset, a.wdata, a.wstrb);
    if (ok) {
      update_irq();
      wake_ev_.notify(delay);
    }
  } else {
    uint32_t v = 0;
    ok = regs_.read(a.offset, v);
    if (ok) std::memcpy(gp.get_data_ptr(), &v, 4);
  }
  gp.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
}

// --------------------------------------------------------------------------
// Engine
// --------------------------------------------------------------------------

uint64_t DmaTlm::now_cycle() const { return cycles_ceil(sc_core::sc_time_stamp(), cfg_.period); }

void DmaTlm::sync_to(uint64_t t) {
  const sc_time target = cfg_.period * static_cast<double>(t);
  if (target > sc_core::sc_time_stamp()) wait(target - sc_core::sc_time_stamp());
}

bool DmaTlm::queue_req(unsigned q) const {
  if (q >= cfg_.num_queues) return false;
  const bool en = (qreg(q, regs::Q0_CTRL_OFFSET) >> regs::Q0_CTRL_ENABLE_LSB) & 1;
  const uint32_t tail = qreg(q, regs::Q0_TAIL_OFFSET) & regs::Q0_TAIL_INDEX_MASK;
  const QueueState& s = qs_[q];
  return en && !s.error && !s.paused && s.head != tail;
}

bool DmaTlm::ring_ok(unsigned q) const {
  const uint64_t base = qreg64(q, regs::Q0_RING_BASE_LO_OFFSET);
  const uint32_t size = qreg(q, regs::Q0_RING_SIZE_OFFSET) & regs::Q0_RING_SIZE_ENTRIES_MASK;
  const uint32_t tail = qreg(q, regs::Q0_TAIL_OFFSET) & regs::Q0_TAIL_INDEX_MASK;
  return (base % regs::DESC_SIZE) == 0 && size != 0 && tail < size && qs_[q].head < size;
}

int DmaTlm::arbitrate() {
  int lo = -1, hi = -1;
  for (int k = 3; k >= 0; --k) {
    if (!queue_req(static_cast<unsigned>(k))) continue;
    lo = k;
    if (static_cast<unsigned>(k) >= arb_ptr_) hi = k;
  }
  if (lo < 0) return -1;
  const int idx = hi >= 0 ? hi : lo;
  arb_ptr_ = (idx == 3) ? 0 : static_cast<unsigned>(idx) + 1;
  return idx;
}

void DmaTlm::engine() {
  uint64_t ready_at = 0;  // earliest cycle of the next pick
  for (;;) {
    const uint64_t t = std::max({now_cycle(), engine_free_, ready_at});
    sync_to(t);
    const int q = arbitrate();
    if (q < 0) {
      wait(wake_ev_);
      ready_at = now_cycle() + tim_.csr_to_pick;
      continue;
    }
    engine_free_ = run_descriptor(static_cast<unsigned>(q), std::max(now_cycle(), t));
    last_idle_cycle_ = engine_free_;
  }
}

uint64_t DmaTlm::mem_access(tlm::tlm_command cmd, uint64_t addr, uint8_t* data, unsigned len,
                            const uint8_t* be, bool& ok, uint64_t t) {
  const sc_time now = sc_core::sc_time_stamp();
  sc_time at = cfg_.period * static_cast<double>(t);
  if (at < now) at = now;
  sc_time delay = at - now;
  set_payload(gp_, cmd, addr, data, len, const_cast<uint8_t*>(be), be ? len : 0);
  mem->b_transport(gp_, delay);
  ok = gp_.get_response_status() == tlm::TLM_OK_RESPONSE;
  if (cmd == tlm::TLM_READ_COMMAND) ++n_reads_;
  else ++n_writes_;
  const uint64_t resp = cycles_ceil(now + delay, cfg_.period);
  return std::max(resp, t + 1);
}

bool DmaTlm::in_windows(unsigned q, uint64_t addr, uint32_t rows, uint32_t stride,
                        uint32_t len) const {
  // The RTL computes the end in 66 bits, so a range wrapping past 2^64 fails.
  const uint64_t rows_m1 = (rows - 1) & 0xFFFF;
  const uint64_t end1 = addr + rows_m1 * uint64_t{stride};
  const uint64_t end = end1 + len;
  const bool wraps = end1 < addr || end < end1;
  const uint32_t wstride = regs::Q0_WIN1_BASE_LO_OFFSET - regs::Q0_WIN0_BASE_LO_OFFSET;
  for (unsigned w = 0; w < 2; ++w) {
    const uint64_t base = qreg64(q, regs::Q0_WIN0_BASE_LO_OFFSET + w * wstride);
    const uint64_t limit = qreg64(q, regs::Q0_WIN0_LIMIT_LO_OFFSET + w * wstride);
    if (limit > base && addr >= base && !wraps && end <= limit) return true;
  }
  return false;
}

uint64_t DmaTlm::run_descriptor(unsigned q, uint64_t pick) {
  busy_ = true;
  aq_ = q;
  run_reset_count_ = qs_[q].reset_count;
  const uint32_t head = qs_[q].head;
  const uint64_t desc_addr = qreg64(q, regs::Q0_RING_BASE_LO_OFFSET) + (uint64_t{head} << 5);
  Desc d;
  uint32_t code = 0;
  uint64_t err_addr = 0, end = 0;
  bool abandon = false, done = false;

  if (!ring_ok(q)) {
    code = static_cast<uint32_t>(regs::ErrCode::RING_CONFIG);
    err_addr = qreg64(q, regs::Q0_RING_BASE_LO_OFFSET);
    end = pick + 2;
  } else {
    // Descriptor fetch: one AR of max(32, bus) bytes.
    const unsigned desc_beats = B_ >= 32 ? 1 : 32 / B_;
    std::vector<uint8_t> buf(desc_beats * B_);
    bool ok = true;
    const uint64_t t_ar = pick + tim_.pick_to_fetch;
    const uint64_t first = mem_access(tlm::TLM_READ_COMMAND, desc_addr & ~uint64_t(B_ - 1), buf.data(),
                                      static_cast<unsigned>(buf.size()), nullptr, ok, t_ar);
    const uint64_t rlast = first + desc_beats - 1;
    const uint64_t s = rlast + tim_.fetch_to_start;  // StCheck / job_start
    if (!ok) {
      code = static_cast<uint32_t>(regs::ErrCode::DESC_READ);
      err_addr = desc_addr;
      end = rlast + 2;
    } else {
      const uint8_t* p = buf.data() + (desc_addr & (B_ - 1));
      d.src = get32(p + regs::DESC_SRC_LO_OFFSET) | uint64_t{get32(p + regs::DESC_SRC_HI_OFFSET)} << 32;
      d.dst = get32(p + regs::DESC_DST_LO_OFFSET) | uint64_t{get32(p + regs::DESC_DST_HI_OFFSET)} << 32;
      d.len = get32(p + regs::DESC_LEN_OFFSET);
      const uint32_t ctrl = get32(p + regs::DESC_CTRL_OFFSET);
      d.rows = (ctrl >> regs::DESC_CTRL_ROWS_LSB) & regs::DESC_CTRL_ROWS_MASK;
      d.irq = (ctrl >> regs::DESC_CTRL_IRQ_LSB) & 1;
      d.last = (ctrl >> regs::DESC_CTRL_LAST_LSB) & 1;
      d.cpl = (ctrl >> regs::DESC_CTRL_CPL_LSB) & 1;
      d.src_stride = get32(p + regs::DESC_SRC_STRIDE_OFFSET);
      d.dst_stride = get32(p + regs::DESC_DST_STRIDE_OFFSET);
      if (s > now_cycle() + quantum_cycles_) sync_to(s);
      err_addr = desc_addr;
      if (abandoned(q)) {
        abandon = true;
        end = s + 1;
      } else if (d.len == 0 || d.rows == 0) {
        code = static_cast<uint32_t>(regs::ErrCode::ZERO_LEN);
      } else if (d.len > kMaxLen) {
        code = static_cast<uint32_t>(regs::ErrCode::LEN_TOO_BIG);
      } else if (!in_windows(q, d.src, d.rows, d.src_stride, d.len)) {
        code = static_cast<uint32_t>(regs::ErrCode::SRC_WINDOW);
        err_addr = d.src;
      } else if (!in_windows(q, d.dst, d.rows, d.dst_stride, d.len)) {
        code = static_cast<uint32_t>(regs::ErrCode::DST_WINDOW);
        err_addr = d.dst;
      }
      if (!abandon && code != 0) end = s + 2;
      if (!abandon && code == 0) {
        const RunResult r = run_data(q, d, s);
        end = r.end;
        code = r.code;
        err_addr = r.err_addr;
        abandon = r.abandoned;
        done = code == 0 && !abandon;
      }
    }
  }

  sync_to(end);
  if (abandoned(q)) abandon = true;
  if (!abandon) {
    if (done) {
      QueueState& s = qs_[q];
      const uint32_t size = qreg(q, regs::Q0_RING_SIZE_OFFSET) & regs::Q0_RING_SIZE_ENTRIES_MASK;
      s.head = (s.head + 1 >= size) ? 0 : s.head + 1;
      s.paused = d.last;
      if (d.irq) regs_.hw_set(regs::INTR_STATE_OFFSET, 1u << (regs::INTR_STATE_DONE_LSB + q));
      bytes_moved_ += static_cast<uint32_t>(uint64_t{d.len} * d.rows);
      ++descs_done_;
    } else {
      QueueState& s = qs_[q];
      s.error = true;
      s.code = code;
      s.err_addr = err_addr;
      regs_.hw_set(regs::INTR_STATE_OFFSET, 1u << (regs::INTR_STATE_ERROR_LSB + q));
      ++errors_;
    }
    update_irq();
  }
  busy_cycles_ += static_cast<uint32_t>(end > pick + 1 ? end - pick - 1 : 0);
  busy_ = false;
  if (trace_) {
    const int tr = trace_->track(name(), "queue" + std::to_string(q));
    std::string args = "\"src\":\"" + TraceWriter::hex(d.src) + "\",\"dst\":\"" +
                       TraceWriter::hex(d.dst) + "\",\"len\":" + std::to_string(d.len) +
                       ",\"rows\":" + std::to_string(d.rows);
    if (code) args += ",\"error\":" + std::to_string(code);
    trace_->slice(tr, "desc " + std::to_string(head), cfg_.period * static_cast<double>(pick),
                  cfg_.period * static_cast<double>(end), args);
  }
  return end;
}

// The data phase: read bursts, realigner, write bursts, completion record, as
// a schedule in cycles; memory payloads are issued in time order.
DmaTlm::RunResult DmaTlm::run_data(unsigned q, const Desc& d, uint64_t s) {
  const unsigned B = B_;
  const unsigned MO = cfg_.max_outstanding;
  const uint64_t cap = uint64_t{cfg_.max_burst_beats} * MO;
  constexpr uint64_t kNone = ~uint64_t{0};
  RunResult res;

  // --- read side ---
  Walker rw;
  rw.init(d.src, d.src_stride, d.len, d.rows, B, cfg_.max_burst_beats);
  struct RdBurst {
    uint64_t last;  // cycle of the last R beat
  };
  std::vector<RdBurst> rd;
  // The per-beat buffers are members, cleared here: kept between
  // descriptors, so a large one does not page-fault fresh memory each time.
  std::vector<uint8_t>& src_data = buf_.src_data;  // every source beat, in order
  std::vector<uint64_t>& src_avail = buf_.src_avail;  // cycle the beat can leave the read FIFO
  std::vector<uint64_t>& src_pop = buf_.src_pop;      // cycle the realigner consumed it
  src_data.clear();
  src_avail.clear();
  src_pop.clear();
  uint64_t last_ar = 0, last_rbeat = 0;
  bool reads_stopped = false;
  uint64_t src_issued = 0;
  std::vector<uint64_t>& slot_arrive = buf_.slot_arrive;  // per issued beat: arrival cycle
  std::vector<int64_t>& slot_src = buf_.slot_src;         // ... and its source-beat index, -1 if dropped
  slot_arrive.clear();
  slot_src.clear();

  // --- realigner ---
  uint32_t row = 0;
  uint64_t row_src = d.src, row_dst = d.dst;
  unsigned ni = 0, no = 0, step = 0, nb = 0;
  bool lead = false, row_setup = true;
  unsigned rot = 0, dst_off = 0, last_lane = 0;
  uint64_t row_min = s + 2, last_step = 0;
  uint64_t src_k = 0;  // next source beat
  bool realign_done = false;

  // --- write side ---
  Walker ww;
  ww.init(d.dst, d.dst_stride, d.len, d.rows, B, cfg_.max_burst_beats);
  struct WrBurst {
    uint64_t addr;
    unsigned beats;
    uint64_t first_beat;  // global destination-beat index
    uint64_t aw = kNone;
    uint64_t b = kNone;
    bool sent = false;
  };
  std::vector<WrBurst> wr;
  uint64_t dst_generated = 0;  // destination beats covered by wr
  std::vector<uint8_t>& dst_data = buf_.dst_data;
  std::vector<uint8_t>& dst_strb = buf_.dst_strb;
  std::vector<uint64_t>& dst_load = buf_.dst_load;
  std::vector<uint8_t>& dst_full = buf_.dst_full;  // per beat: every strobe set
  dst_full.clear();
  // (dst_data and dst_strb are not cleared: beat k is at k x B, below
  // dst_load.size() x B; they only grow, so no per-beat zero fill.)
  dst_load.clear();
  size_t next_send = 0;
  bool writes_stopped = false;
  uint64_t last_b = 0;
  uint64_t last_load_sent = 0;  // load cycle of the last W beat of the bursts sent

  uint64_t abort_cycle = kNone;  // first cycle abort_i is high
  auto set_abort = [&](uint64_t err_cycle, uint32_t code, uint64_t addr) {
    if (abort_cycle != kNone && err_cycle + 1 >= abort_cycle) return;
    abort_cycle = err_cycle + 1;
    res.code = code;
    res.err_addr = addr;
  };

  auto gen_wr_until = [&](uint64_t beat) {
    while (dst_generated <= beat && !ww.done()) {
      WrBurst b;
      ww.next(b.addr, b.beats);
      b.first_beat = dst_generated;
      dst_generated += b.beats;
      wr.push_back(b);
    }
  };
  // Burst index holding destination beat k (bursts are generated in order).
  size_t wr_hint = 0;
  auto burst_of = [&](uint64_t k) -> size_t {
    gen_wr_until(k);
    while (wr_hint + 1 < wr.size() && wr[wr_hint + 1].first_beat <= k) ++wr_hint;
    while (wr_hint > 0 && wr[wr_hint].first_beat > k) --wr_hint;
    return wr_hint;
  };
  // AW cycle of burst j, or kNone if it depends on a B not yet known.
  auto aw_of = [&](size_t j) -> uint64_t {
    if (wr[j].aw != kNone) return wr[j].aw;
    uint64_t t = s + tim_.start_to_ar;
    if (j > 0) {
      if (wr[j - 1].aw == kNone) return kNone;
      t = std::max(t, wr[j - 1].aw + 1);
    }
    if (j >= MO) {
      if (!wr[j - MO].sent) return kNone;
      t = std::max(t, wr[j - MO].b + 1);
    }
    wr[j].aw = t;
    return t;
  };

  // One realigner step (an input beat or a flush); false if blocked.
  auto realign_step = [&]() -> bool {
    if (realign_done) return false;
    if (row_setup) {
      const unsigned so = static_cast<unsigned>(row_src & (B - 1));
      dst_off = static_cast<unsigned>(row_dst & (B - 1));
      ni = static_cast<unsigned>((so + uint64_t{d.len} + B - 1) / B);
      no = static_cast<unsigned>((dst_off + uint64_t{d.len} + B - 1) / B);
      lead = dst_off < so;
      rot = (dst_off - so) & (B - 1);
      last_lane = static_cast<unsigned>((dst_off + uint64_t{d.len} - 1) & (B - 1));
      step = 0;
      nb = 0;
      row_setup = false;
    }
    const bool input = step < ni;
    const bool emit = input ? !(lead && step == 0) : true;
    uint64_t p = std::max(row_min, last_step + 1);
    if (input) {
      if (src_k >= src_issued) return false;
      p = std::max(p, src_avail[src_k]);
    }
    size_t j = 0;
    const uint64_t k = dst_load.size();
    if (emit) {
      if (k >= kDqDepth) p = std::max(p, dst_load[k - kDqDepth] + 1);
      j = burst_of(k);
      if (aw_of(j) == kNone) return false;
    }
    if (abort_cycle != kNone && p >= abort_cycle) {
      realign_done = true;
      return false;
    }
    // Data: window {cur, prev} >> (B - rot) bytes.
    const uint8_t* cur = input ? &src_data[src_k * B] : nullptr;
    if (emit) {
      const size_t o = static_cast<size_t>(k) * B;
      if (dst_data.size() < o + B) {
        dst_data.resize(std::max<size_t>(2 * dst_data.size(), o + B));
        dst_strb.resize(dst_data.size());
      }
      // Lane l takes {prev, cur}[l + B - rot]: lanes below rot the top of
      // prev, the rest the bottom of cur (zeros on a flush).
      std::memcpy(&dst_data[o], prev_.data() + (B - rot), rot);
      if (cur)
        std::memcpy(&dst_data[o + rot], cur, B - rot);
      else
        std::memset(&dst_data[o + rot], 0, B - rot);
      const unsigned lo = nb == 0 ? dst_off : 0;
      const unsigned hi = nb == no - 1 ? last_lane : B - 1;
      dst_full.push_back(lo == 0 && hi == B - 1);
      if (lo == 0 && hi == B - 1) {
        std::memset(&dst_strb[o], 0xFF, B);
      } else {
        std::memset(&dst_strb[o], 0x00, B);
        if (lo <= hi) std::memset(&dst_strb[o + lo], 0xFF, hi - lo + 1);
      }
      uint64_t load = std::max(p + 1, wr[j].aw + 1);
      if (k > 0) load = std::max(load, dst_load[k - 1] + 1);
      dst_load.push_back(load);
      ++nb;
    }
    if (input) {
      std::memcpy(prev_.data(), cur, B);
      src_pop.push_back(p);
      ++src_k;
    }
    last_step = p;
    ++step;
    if (step >= ni && nb >= no) {
      ++row;
      row_src += d.src_stride;
      row_dst += d.dst_stride;
      row_setup = true;
      row_min = p + 2;
      if (row == d.rows) realign_done = true;
    }
    return true;
  };

  auto read_candidate = [&](unsigned& beats, uint64_t& addr) -> uint64_t {
    if (reads_stopped || rw.done()) return kNone;
    Walker peek = rw;
    peek.next(addr, beats);
    uint64_t t = std::max(s + tim_.start_to_ar, rd.empty() ? 0 : last_ar + 1);
    const size_t i = rd.size();
    if (i >= MO) t = std::max(t, rd[i - MO].last + 1);
    // FIFO space: inflight + queued beats counted per issued beat; a beat
    // frees its slot when the realigner pops it, or on arrival if dropped.
    if (slot_src.size() + beats > cap) {
      const uint64_t m = slot_src.size() + beats - cap - 1;
      uint64_t freed;
      if (slot_src[m] < 0) {
        freed = slot_arrive[m];
      } else {
        if (static_cast<uint64_t>(slot_src[m]) >= src_pop.size()) return kNone;
        freed = src_pop[slot_src[m]];
      }
      t = std::max(t, freed + 1);
    }
    return t;
  };

  // Write burst next_send is ready: its send cycle (last W handshake), or kNone.
  auto write_candidate = [&]() -> uint64_t {
    if (writes_stopped) return kNone;
    if (next_send >= wr.size()) {
      if (ww.done()) return kNone;
      gen_wr_until(dst_generated);
    }
    if (next_send >= wr.size()) return kNone;
    const WrBurst& b = wr[next_send];
    const uint64_t aw = aw_of(next_send);
    if (aw == kNone) return kNone;
    if (abort_cycle != kNone && aw >= abort_cycle) return aw;  // will be dropped
    const uint64_t last = b.first_beat + b.beats - 1;
    if (last < dst_load.size()) return dst_load[last] + 1;
    if (realign_done || (abort_cycle != kNone)) {
      // Beats that will never come (abort): loaded empty, one per cycle.
      if (abort_cycle == kNone) return kNone;
      uint64_t t = std::max(last_load_sent, dst_load.empty() ? 0 : dst_load.back());
      for (uint64_t k = dst_load.size(); k <= last; ++k) t = std::max({t + 1, abort_cycle, aw + 1});
      return t + 1;
    }
    return kNone;
  };

  for (;;) {
    while (realign_step()) {
    }
    unsigned rbeats = 0;
    uint64_t raddr = 0;
    const uint64_t tr = read_candidate(rbeats, raddr);
    const uint64_t tw = write_candidate();
    if (tr == kNone && tw == kNone) {
      const bool reads_left = !reads_stopped && !rw.done();
      const bool writes_left = !writes_stopped && (next_send < wr.size() || !ww.done());
      if (!reads_left && !writes_left) break;
      if (abort_cycle != kNone) {
        // Nothing more can be issued.
        break;
      }
      throw std::logic_error(std::string(name()) + ": internal scheduling deadlock (descriptor src " +
                             TraceWriter::hex(d.src) + " dst " + TraceWriter::hex(d.dst) + ")");
    }
    const bool do_read = tr != kNone && (tw == kNone || tr <= tw);
    const uint64_t t = do_read ? tr : tw;
    if (t > now_cycle() + quantum_cycles_) {
      sync_to(t);
      if (abandoned(q) && abort_cycle == kNone) {
        abort_cycle = now_cycle();
        res.abandoned = true;
      }
    }
    if (do_read) {
      if (abort_cycle != kNone && t >= abort_cycle) {
        reads_stopped = true;
        continue;
      }
      rw.next(raddr, rbeats);
      const size_t o = src_data.size();
      src_data.resize(o + size_t{rbeats} * B);
      bool ok = true;
      const uint64_t resp = mem_access(tlm::TLM_READ_COMMAND, raddr, &src_data[o], rbeats * B, nullptr, ok, t);
      const uint64_t first = std::max(resp, last_rbeat + 1);
      last_rbeat = first + rbeats - 1;
      last_ar = t;
      rd.push_back({last_rbeat});
      if (!ok) set_abort(first, static_cast<uint32_t>(regs::ErrCode::READ_ERR), raddr);
      // Beats of a failed burst, and beats arriving once abort_i is high, are
      // dropped (dma_read: push needs an OKAY beat and !abort).
      unsigned kept = 0;
      for (unsigned b = 0; b < rbeats; ++b) {
        const bool keep = ok && kept == b && (abort_cycle == kNone || first + b < abort_cycle);
        slot_arrive.push_back(first + b);
        slot_src.push_back(keep ? static_cast<int64_t>(src_issued + kept) : -1);
        if (keep) {
          src_avail.push_back(first + b + 1);
          ++kept;
        }
      }
      src_data.resize(o + size_t{kept} * B);
      src_issued += kept;
      continue;
    }
    // Write burst next_send.
    WrBurst& b = wr[next_send];
    if (abort_cycle != kNone && b.aw >= abort_cycle) {
      writes_stopped = true;
      continue;
    }
    const uint64_t first = b.first_beat, last = first + b.beats - 1;
    bool faulted = false;  // a fault injection hits this write: send a copy
    for (const Fault& f : faults_) faulted = faulted || f.index == n_writes_;
    if (!faulted && abort_cycle == kNone && last < dst_load.size()) {
      // The common case: every beat loaded, no abort, no fault. The beats are
      // contiguous in dst_data/dst_strb (beat k at k x B), so the burst goes
      // out from there, without the copy into the burst buffers below (same
      // data, byte enables and cycles).
      bool all = true;
      for (uint64_t k = first; k <= last && all; ++k) all = dst_full[k] != 0;
      const uint64_t send = dst_load[last] + 1;
      last_load_sent = dst_load[last];
      bool ok = true;
      const uint64_t resp = mem_access(tlm::TLM_WRITE_COMMAND, b.addr, &dst_data[first * B], b.beats * B,
                                       all ? nullptr : &dst_strb[first * B], ok, std::max(send, t));
      b.b = std::max(resp, last_b + 1);
      last_b = b.b;
      b.sent = true;
      ++next_send;
      if (!ok) set_abort(b.b, static_cast<uint32_t>(regs::ErrCode::WRITE_ERR), b.addr);
      continue;
    }
    // Fill beats that never came (abort) and apply the abort to late loads.
    std::vector<uint8_t>& data = buf_.wdata;
    std::vector<uint8_t>& be = buf_.wstrb;
    data.resize(size_t{b.beats} * B);  // every beat is written below
    be.resize(size_t{b.beats} * B);
    uint64_t prev_load = last_load_sent;
    bool all = true;  // every byte enable of the burst set (then none are sent)
    for (uint64_t k = first; k <= last; ++k) {
      uint64_t load;
      const size_t o = (k - first) * B;
      if (k < dst_load.size() && (abort_cycle == kNone || dst_load[k] < abort_cycle)) {
        load = dst_load[k];
        std::memcpy(&data[o], &dst_data[k * B], B);
        std::memcpy(&be[o], &dst_strb[k * B], B);
        all = all && dst_full[k];
      } else {
        all = false;
        load = std::max({prev_load + 1, abort_cycle, b.aw + 1});
        std::memset(&be[o], 0, B);
        if (k < dst_load.size())
          std::memcpy(&data[o], &dst_data[k * B], B);
        else
          std::memset(&data[o], 0, B);
        if (k < dst_load.size()) dst_load[k] = load;
      }
      prev_load = load;
    }
    last_load_sent = prev_load;
    const uint64_t send = prev_load + 1;
    for (const Fault& f : faults_)
      if (f.index == n_writes_ && f.byte < data.size()) data[f.byte] ^= f.mask;
    bool ok = true;
    const uint64_t resp = mem_access(tlm::TLM_WRITE_COMMAND, b.addr, data.data(), b.beats * B,
                                     all ? nullptr : be.data(), ok, std::max(send, t));
    b.b = std::max(resp, last_b + 1);
    last_b = b.b;
    b.sent = true;
    ++next_send;
    if (!ok) set_abort(b.b, static_cast<uint32_t>(regs::ErrCode::WRITE_ERR), b.addr);
  }

  // End of the data phase: everything issued has its last R beat / its B.
  uint64_t x = s + 1;
  if (!rd.empty()) x = std::max(x, last_rbeat + 1);
  if (last_b) x = std::max(x, last_b + 1);
  if (last_step) x = std::max(x, last_step + 1);
  if (abort_cycle != kNone) x = std::max(x, abort_cycle);
  if (res.code != 0 || res.abandoned || !d.cpl) {
    res.end = x + tim_.end_to_idle;
    return res;
  }
  // Completion record: StCpl at x+1, AW at x+2, W beat loaded x+3, on the bus x+4.
  const uint64_t cpl_addr = qreg64(q, regs::Q0_CPL_BASE_LO_OFFSET) + (uint64_t{qs_[q].head} << 2);
  const uint32_t cpl_data = (qs_[q].head << regs::CPL_WORD_INDEX_LSB) |
                            (uint32_t(d.last) << regs::CPL_WORD_LAST_LSB) |
                            (1u << regs::CPL_WORD_DONE_LSB);
  std::vector<uint8_t> data(B), be(B);
  for (unsigned l = 0; l < B; ++l) {
    data[l] = static_cast<uint8_t>(cpl_data >> (8 * (l & 3)));
    be[l] = ((l >> 2) == ((cpl_addr & (B - 1)) >> 2)) ? 0xFF : 0x00;
  }
  for (const Fault& f : faults_)
    if (f.index == n_writes_ && f.byte < data.size()) data[f.byte] ^= f.mask;
  const uint64_t send = x + 4;
  if (send > now_cycle() + quantum_cycles_) sync_to(send);
  bool ok = true;
  const uint64_t resp =
      mem_access(tlm::TLM_WRITE_COMMAND, cpl_addr & ~uint64_t(B - 1), data.data(), B, be.data(), ok, send);
  const uint64_t bcyc = std::max(resp, last_b + 1);
  if (!ok) {
    res.code = static_cast<uint32_t>(regs::ErrCode::CPL_WRITE_ERR);
    res.err_addr = cpl_addr & ~uint64_t(B - 1);
  }
  res.end = bcyc + 1 + tim_.end_to_idle;
  return res;
}

}  // namespace trnsim::dma
