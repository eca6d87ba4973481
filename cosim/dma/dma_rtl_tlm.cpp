#include "dma/dma_rtl_tlm.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "common/tlm_util.h"
#include "common/trace.h"
#include "dma_regs.hpp"

namespace trnsim::cosim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

std::unique_ptr<DmaRtl> make_checked(const dma::DmaBlockConfig& cfg, const char* name) {
  auto rtl = make_dma_rtl(cfg.rtl_config);
  const DmaConfig& r = rtl->config();
  if (r.num_queues != cfg.num_queues || r.data_bits != cfg.data_bits ||
      r.max_burst_beats != cfg.max_burst_beats || r.max_outstanding != cfg.max_outstanding) {
    std::ostringstream os;
    os << name << ": DMA configuration (num_queues " << cfg.num_queues << ", data_bits "
       << cfg.data_bits << ", max_burst_beats " << cfg.max_burst_beats << ", max_outstanding "
       << cfg.max_outstanding << ") does not match the Verilated configuration '" << r.name
       << "' (num_queues " << r.num_queues << ", data_bits " << r.data_bits
       << ", max_burst_beats " << r.max_burst_beats << ", max_outstanding " << r.max_outstanding
       << ")";
    throw std::invalid_argument(os.str());
  }
  if (cfg.period <= SC_ZERO_TIME)
    throw std::invalid_argument(std::string(name) + ": the clock period must be positive");
  return rtl;
}

Axi4TlmBridgeConfig bridge_config(const dma::DmaBlockConfig& cfg) {
  Axi4TlmBridgeConfig b;
  b.data_bytes = cfg.data_bytes();
  // Never the limit: the engine itself keeps at most max_outstanding data
  // bursts per channel (plus a descriptor fetch or completion record).
  b.max_reads = cfg.max_outstanding + 2;
  b.max_writes = cfg.max_outstanding + 2;
  return b;
}

}  // namespace

DmaRtlTlm::DmaRtlTlm(sc_core::sc_module_name name, const dma::DmaBlockConfig& cfg,
                     const WaveOptions& wave)
    : DmaBlock(name, cfg),
      rtl_(make_checked(cfg, this->name())),
      clock_(cfg.period),
      bridge_(bridge_config(cfg),
              [this](tlm::tlm_generic_payload& gp, uint64_t c) { return issue(gp, c); }) {
  // Reset before time 0 (not counted in cycle()).
  in_.rst_n = false;
  in_.mem.rdata.assign(cfg.data_bytes() / 4, 0);
  for (unsigned i = 0; i < kResetCycles; ++i) {
    rtl_->set_inputs(in_);
    rtl_->get_outputs(out_);
    rtl_->clock();
  }
  in_.rst_n = true;
  stats_.reset_cycles = kResetCycles;
  bridge_.reset_bus();
  irq_level_ = false;
  if (wave.enabled()) {
    const std::string rtl_name = cfg.rtl_config;
    wave_ = std::make_unique<WaveWindow<DmaRtl, DmaPinsIn, DmaPinsOut>>(
        this->name(), wave, cfg.period, *rtl_, [rtl_name] { return make_dma_rtl(rtl_name); },
        wave_pins());
  }

  SC_THREAD(engine_thread);
  SC_METHOD(irq_method);
  sensitive << irq_ev_;
  dont_initialize();
}

DmaRtlTlm::~DmaRtlTlm() {
  if (wave_) wave_->finish();
}

void DmaRtlTlm::end_of_simulation() {
  if (wave_) wave_->finish();
  if (tr_desc_.open) trace_desc_end();
}

std::vector<WavePin<DmaPinsOut>> DmaRtlTlm::wave_pins() {
  return {
      {"irq_o", [](const DmaPinsOut& o) -> uint64_t { return o.irq; }},
      {"idle_o", [](const DmaPinsOut& o) -> uint64_t { return o.idle; }},
      {"m_axi_arvalid_o", [](const DmaPinsOut& o) -> uint64_t { return o.mem.arvalid; }},
      {"m_axi_awvalid_o", [](const DmaPinsOut& o) -> uint64_t { return o.mem.awvalid; }},
      {"m_axi_wvalid_o", [](const DmaPinsOut& o) -> uint64_t { return o.mem.wvalid; }},
      {"s_axil_bvalid_o", [](const DmaPinsOut& o) -> uint64_t { return o.bvalid; }},
      {"s_axil_rvalid_o", [](const DmaPinsOut& o) -> uint64_t { return o.rvalid; }},
  };
}

bool DmaRtlTlm::wave_trigger(const std::string& reason) {
  return wave_ && wave_->trigger(clock_.cycle() ? clock_.cycle() - 1 : 0, reason);
}

DmaRtlTlmStats DmaRtlTlm::stats() const {
  DmaRtlTlmStats s = stats_;
  const auto& b = bridge_.stats();
  s.read_payloads = b.read_payloads;
  s.write_payloads = b.write_payloads;
  s.read_errors = b.read_errors;
  s.write_errors = b.write_errors;
  return s;
}

// --- one cycle -----------------------------------------------------------------

DmaRtlTlm::Seen DmaRtlTlm::prepare() {
  csr_agent_.drive(in_);
  bridge_.drive(in_.mem);
  rtl_->set_inputs(in_);
  rtl_->get_outputs(out_);
  Seen s;
  if (out_.irq != irq_level_) {
    irq_level_ = out_.irq;
    schedule_irq(clock_.cycle(), irq_level_);
    s.irq_changed = true;
  }
  s.idle = engine_idle();
  if (s.idle && tr_desc_.open) trace_desc_end();
  return s;
}

void DmaRtlTlm::edge() {
  if (wave_) wave_->on_cycle(clock_.cycle(), in_, out_);
  bridge_.observe(out_.mem);
  csr_agent_.observe(out_, clock_.cycle());
  rtl_->clock();
  clock_.advance(1);
  ++stats_.cycles_clocked;
}

// The one place that decides "nothing will change until an input arrives":
// the engine's idle_o, with no CSR access running and nothing in flight on
// its AXI4 port (so no R or B is about to arrive).
bool DmaRtlTlm::engine_idle() const {
  return out_.idle && !csr_agent_.busy() && bridge_.idle();
}

void DmaRtlTlm::skip_idle(uint64_t n) {
  if (n == 0) return;
  if (skip_idle_) {
    // An open waveform window may hold the clock (time mode): skip only up
    // to its limit, clock the rest.
    const uint64_t c = clock_.cycle();
    uint64_t k = n;
    if (wave_) {
      const uint64_t lim = wave_->skip_limit(c);
      k = lim > c ? std::min(n, lim - c) : 0;
      if (k) wave_->on_skip(c, k, in_);
    }
    clock_.advance(k);
    bridge_.skip(k);
    stats_.cycles_skipped += k;
    n -= k;
  }
  for (uint64_t i = 0; i < n; ++i) {
    const Seen s = prepare();
    if (!s.idle || s.irq_changed) {
      std::ostringstream os;
      os << name() << ": idle_o was high but the engine changed while clocked idle (cycle "
         << clock_.cycle() << ", irq " << out_.irq << ", idle " << out_.idle << ")";
      throw std::logic_error(os.str());
    }
    edge();
  }
}

// Clocks (or skips, while idle) until cycle() == target.
void DmaRtlTlm::bring_to(uint64_t target) {
  while (clock_.cycle() < target) {
    const Seen s = prepare();
    if (s.idle) {
      skip_idle(target - clock_.cycle());
      return;
    }
    edge();
  }
}

// --- interrupt -------------------------------------------------------------------

void DmaRtlTlm::schedule_irq(uint64_t cycle, bool level) {
  irq_q_.push_back({cycle, level});
  const sc_time t = clock_.period() * static_cast<double>(cycle);
  const sc_time now = sc_core::sc_time_stamp();
  irq_ev_.notify(t > now ? t - now : SC_ZERO_TIME);
}

void DmaRtlTlm::irq_method() {
  const sc_time now = sc_core::sc_time_stamp();
  while (!irq_q_.empty() &&
         clock_.period() * static_cast<double>(irq_q_.front().cycle) <= now) {
    if (trace_ && tr_irq_ >= 0)
      trace_->instant(tr_irq_, irq_q_.front().level ? "irq rise" : "irq fall", now);
    irq.write(irq_q_.front().level);
    irq_q_.pop_front();
  }
  if (!irq_q_.empty())
    irq_ev_.notify(clock_.period() * static_cast<double>(irq_q_.front().cycle) - now);
}

// --- engine thread -------------------------------------------------------------------

void DmaRtlTlm::engine_thread() {
  for (;;) {
    const Seen s = prepare();
    if (s.irq_changed) {
      // Let SystemC reach the edge and its reactors run before going on.
      ++stats_.syncs;
      clock_.sync();
      sc_core::wait(SC_ZERO_TIME);
      sc_core::wait(SC_ZERO_TIME);
      continue;
    }
    if (s.idle) {
      sc_core::wait(wake_ev_);
      bring_to(clock_.cycle_at(sc_core::sc_time_stamp()));
      continue;
    }
    edge();
    if (clock_.quantum_reached()) {
      ++stats_.syncs;
      clock_.sync();
    }
  }
}

// --- sockets -----------------------------------------------------------------------------

uint64_t DmaRtlTlm::issue(tlm::tlm_generic_payload& gp, uint64_t issue_cycle) {
  sc_time delay = clock_.offset();
  const sc_time t_req = sc_core::sc_time_stamp() + delay;
  mem->b_transport(gp, delay);
  const sc_time t_resp = sc_core::sc_time_stamp() + delay;
  if (trace_) trace_burst(gp, t_req, t_resp);
  return Axi4TlmBridge::response_cycle(issue_cycle, t_resp > t_req ? t_resp - t_req : SC_ZERO_TIME,
                                       clock_.period());
}

void DmaRtlTlm::csr_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const CsrAccess a = decode_csr(gp, regs::dma::ADDR_BITS);
  if (!a.ok) {
    gp.set_response_status(a.status);
    return;
  }
  ++stats_.csr_accesses;
  bring_to(clock_.cycle_at(sc_core::sc_time_stamp() + delay));
  const uint64_t start = clock_.cycle();
  csr_agent_.start(a.write, a.offset, a.wdata, a.wstrb);
  while (!csr_agent_.done()) {
    if (clock_.cycle() - start > kCsrTimeoutCycles) {
      std::ostringstream os;
      os << name() << ": CSR " << (a.write ? "write" : "read") << " at 0x" << std::hex
         << a.offset << std::dec << " got no response within " << kCsrTimeoutCycles
         << " cycles (cycle " << clock_.cycle() << ")";
      csr_agent_.abort();
      throw std::runtime_error(os.str());
    }
    prepare();
    edge();
  }
  if (!a.write) {
    const uint32_t v = csr_agent_.rdata();
    std::memcpy(gp.get_data_ptr(), &v, 4);
  }
  gp.set_response_status(axi_to_tlm(csr_agent_.resp()));
  if (trace_)
    trace_csr(a.write, a.offset, a.write ? a.wdata : csr_agent_.rdata(), csr_agent_.resp(), start);
  delay = clock_.now() - sc_core::sc_time_stamp();
  wake_ev_.notify(SC_ZERO_TIME);
}

// --- timeline ------------------------------------------------------------------------------

void DmaRtlTlm::set_trace(TraceWriter* t) {
  DmaBlock::set_trace(t);
  tr_csr_ = tr_rd_ = tr_wr_ = tr_irq_ = -1;
  tr_queue_.clear();
  tr_rings_.assign(cfg_.num_queues, TraceRing{});
  if (!t) return;
  tr_csr_ = t->track(name(), "csr");
  tr_rd_ = t->track(name(), "mem reads");
  tr_wr_ = t->track(name(), "mem writes");
  for (unsigned q = 0; q < cfg_.num_queues; ++q)
    tr_queue_.push_back(t->track(name(), "queue" + std::to_string(q)));
  tr_irq_ = t->track(name(), "irq");
}

void DmaRtlTlm::trace_csr(bool write, uint32_t offset, uint32_t data, uint8_t resp,
                          uint64_t first_cycle) {
  namespace r = regs::dma;
  trace_->slice(tr_csr_, std::string(write ? "write " : "read ") + TraceWriter::hex(offset),
                clock_.period() * static_cast<double>(first_cycle), clock_.now(),
                "\"addr\":\"" + TraceWriter::hex(offset) + "\",\"data\":\"" +
                    TraceWriter::hex(data) + "\",\"resp\":" + std::to_string(resp));
  if (!write || resp != 0) return;
  // The rings, to recognise descriptor fetches (the engine reads only whole
  // registers' worth here: the firmware writes all 32 bits).
  const uint32_t stride = r::Q1_CTRL_OFFSET - r::Q0_CTRL_OFFSET;
  for (unsigned q = 0; q < tr_rings_.size(); ++q) {
    TraceRing& ring = tr_rings_[q];
    if (offset == r::Q0_RING_BASE_LO_OFFSET + q * stride)
      ring.base = (ring.base & ~uint64_t{0xFFFFFFFF}) | data;
    else if (offset == r::Q0_RING_BASE_HI_OFFSET + q * stride)
      ring.base = (ring.base & 0xFFFFFFFFull) | (uint64_t{data} << 32);
    else if (offset == r::Q0_RING_SIZE_OFFSET + q * stride)
      ring.entries = data & r::Q0_RING_SIZE_ENTRIES_MASK;
  }
}

void DmaRtlTlm::trace_burst(const tlm::tlm_generic_payload& gp, const sc_time& start,
                            const sc_time& end) {
  const uint64_t addr = gp.get_address();
  const unsigned len = gp.get_data_length();
  const std::string args = "\"addr\":\"" + TraceWriter::hex(addr) + "\",\"len\":" +
                           std::to_string(len) + ",\"resp\":" +
                           std::to_string(tlm_to_axi(gp.get_response_status()));
  trace_->slice(gp.is_read() ? tr_rd_ : tr_wr_,
                std::string(gp.is_read() ? "R " : "W ") + TraceWriter::hex(addr), start, end, args);
  // A descriptor fetch: a read of max(32, bus) bytes inside a queue's ring.
  const unsigned fetch_len = std::max(32u, cfg_.data_bytes());
  if (gp.is_read() && len == fetch_len) {
    for (unsigned q = 0; q < tr_rings_.size(); ++q) {
      const TraceRing& ring = tr_rings_[q];
      if (ring.entries == 0 || addr < ring.base ||
          addr >= ring.base + uint64_t{ring.entries} * regs::dma::DESC_SIZE)
        continue;
      if (tr_desc_.open) trace_desc_end();
      tr_desc_.open = true;
      tr_desc_.queue = q;
      tr_desc_.index = static_cast<uint32_t>((addr - ring.base) / regs::dma::DESC_SIZE);
      tr_desc_.start = start;
      tr_desc_.last = end;
      return;
    }
  }
  if (tr_desc_.open && end > tr_desc_.last) tr_desc_.last = end;
}

void DmaRtlTlm::trace_desc_end() {
  tr_desc_.open = false;
  if (!trace_ || tr_desc_.queue >= tr_queue_.size()) return;
  trace_->slice(tr_queue_[tr_desc_.queue], "desc " + std::to_string(tr_desc_.index), tr_desc_.start,
                tr_desc_.last, "\"index\":" + std::to_string(tr_desc_.index));
}

}  // namespace trnsim::cosim
