// NeuronCore: see neuron_core.h and docs/chip.md ("NeuronCore", "Engine timing").
#include "chip/neuron_core.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "chip/chip_map.h"
#include "common/tlm_util.h"
#include "common/trace.h"
#include "dma_regs.hpp"
#include "tensor_regs.hpp"

namespace trnsim::chip {

namespace creg = regs::core;
namespace treg = regs::tensor;
namespace dreg = regs::dma;
using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
constexpr unsigned kTensor = unsigned(isa::Engine::TENSOR);
constexpr uint32_t kCtrlAddrBits = 12;
constexpr uint32_t kDmaQueueStride = dreg::Q1_CTRL_OFFSET - dreg::Q0_CTRL_OFFSET;

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}
uint64_t cycles_of(const sc_time& t, const sc_time& period) { return cycles_ceil(t, period); }

const char* resp_name(tlm::tlm_response_status s) {
  switch (s) {
    case tlm::TLM_OK_RESPONSE: return "OK";
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: return "ADDRESS_ERROR";
    case tlm::TLM_COMMAND_ERROR_RESPONSE: return "COMMAND_ERROR";
    case tlm::TLM_BURST_ERROR_RESPONSE: return "BURST_ERROR";
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: return "BYTE_ENABLE_ERROR";
    case tlm::TLM_INCOMPLETE_RESPONSE: return "INCOMPLETE";
    default: return "GENERIC_ERROR";
  }
}

const char* dma_err_name(uint32_t code) {
  static const char* const names[] = {"NONE",         "RING_CONFIG", "DESC_READ",
                                      "ZERO_LEN",     "LEN_TOO_BIG", "SRC_WINDOW",
                                      "DST_WINDOW",   "READ_ERR",    "WRITE_ERR",
                                      "CPL_WRITE_ERR"};
  return code < sizeof(names) / sizeof(names[0]) ? names[code] : "?";
}

const char* tensor_err_name(uint32_t code) {
  static const char* const names[] = {"NONE",       "BAD_DTYPE",  "BAD_K",     "BAD_M",
                                      "PSUM_RANGE", "NO_WEIGHTS", "QUEUE_FULL"};
  return code < sizeof(names) / sizeof(names[0]) ? names[code] : "?";
}

bool contiguous(const isa::Operand& o) { return o.s0 == 1 && (o.n1 <= 1 || o.s1 == int32_t(o.n0)); }

// Element 0 of partition p of a contiguous tensor operand: its element i is
// at + i x dtype bytes (check_dynamic has range-checked the whole operand).
// For the MATMUL operand gathers, which would otherwise pay a checked
// CoreState::read per element.
const uint8_t* row_ptr(isa::CoreState& st, const isa::Operand& o, unsigned p) {
  return o.kind == isa::Kind::PSUM ? st.psum(o.bank, o.start + p, o.offset) : st.sbuf(o.start + p, o.offset);
}
}  // namespace

const char* err_code_name(ErrCode c) {
  switch (c) {
    case ErrCode::NONE: return "NONE";
    case ErrCode::BAD_ENCODING: return "BAD_ENCODING";
    case ErrCode::UNKNOWN_OPCODE: return "UNKNOWN_OPCODE";
    case ErrCode::BAD_INSTRUCTION: return "BAD_INSTRUCTION";
    case ErrCode::SBUF_RANGE: return "SBUF_RANGE";
    case ErrCode::PSUM_RANGE: return "PSUM_RANGE";
    case ErrCode::DEADLOCK: return "DEADLOCK";
    case ErrCode::DMA_ERROR: return "DMA_ERROR";
    case ErrCode::TENSOR_ERROR: return "TENSOR_ERROR";
    case ErrCode::FETCH_ERROR: return "FETCH_ERROR";
    case ErrCode::NO_END: return "NO_END";
    case ErrCode::BAD_PROGRAM: return "BAD_PROGRAM";
  }
  return "?";
}

// --- configuration ---------------------------------------------------------------

NeuronCoreConfig NeuronCoreConfig::trn2_defaults() {
  NeuronCoreConfig c;
  c.core.partitions = 128;
  c.core.sbuf_partition_bytes = 224 * 1024;
  c.core.pe_rows = c.core.pe_cols = 128;
  c.num_dma = 16;
  c.core.dma_queues = 64;  // 16 blocks x 4 queues
  auto ghz = [](double f) { return sc_time(1.0 / f, sc_core::SC_NS); };
  c.tensor.period = ghz(2.4);
  c.dma.period = ghz(1.4);
  // VectorE 0.96 GHz: 512 elem/cycle BF16 (perf mode), 256 other = 4 / 2 per partition.
  c.engines[1] = {ghz(0.96), 60, 4.0, 2.0, 1, 1};
  // ScalarE 1.2 GHz, 128 lanes: 1 element per partition per cycle.
  c.engines[2] = {ghz(1.2), 60, 1.0, 1.0, 1, 1};
  // GpSimdE 1.2 GHz, 128 elem/cycle.
  c.engines[3] = {ghz(1.2), 60, 1.0, 1.0, 1, 1};
  // Sync engine: clock not published; taken as 1.2 GHz (estimate).
  c.engines[4] = {ghz(1.2), 60, 1.0, 1.0, 1, 1};
  c.engines[0] = {c.tensor.period, 60, 1.0, 1.0, 1, 1};
  // MATMUL: II ~ max(N, 64) [K1]; FP8 2, BF16 1, FP32 0.25 MACs/PE/cycle [K1, K2].
  c.matmul_min_cycles = 64;
  c.matmul_rate_fp8 = 2.0;
  c.matmul_rate_bf16 = 1.0;
  c.matmul_rate_fp32 = 0.25;
  c.dma_fixed_latency = sc_time(1300, sc_core::SC_NS);  // K4, K5
  return c;
}

double NeuronCoreConfig::matmul_rate(isa::Dtype a, isa::Dtype b) const {
  auto of = [this](isa::Dtype d) {
    switch (d) {
      case isa::Dtype::FP8E4M3:
      case isa::Dtype::FP8E5M2: return matmul_rate_fp8;
      case isa::Dtype::BF16: return matmul_rate_bf16;
      case isa::Dtype::FP32: return matmul_rate_fp32;
      default: return 0.0;
    }
  };
  return std::min(of(a), of(b));
}

double NeuronCoreConfig::block_speedup() const { return std::max({1.0, matmul_rate_fp8, matmul_rate_bf16}); }

void NeuronCoreConfig::validate() const {
  auto bad = [](const std::string& what) { throw std::invalid_argument("NeuronCoreConfig: " + what); };
  try {
    core.validate();
  } catch (const std::invalid_argument& e) {
    bad(std::string("core: ") + e.what());
  }
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    const EngineTiming& t = engines[e];
    const std::string n = std::string("engines[") + isa::engine_name(isa::Engine(e)) + "]";
    if (t.period <= SC_ZERO_TIME) bad(n + ".period must be positive");
    if (!(t.narrow_rate > 0) || !(t.wide_rate > 0)) bad(n + ": narrow_rate and wide_rate must be positive");
  }
  if (num_dma < 1 || num_dma > 16) bad("num_dma must be 1..16");
  if (dma.num_queues < 1 || dma.num_queues > 4) bad("dma.num_queues must be 1..4");
  if (core.dma_queues != num_dma * dma.num_queues)
    bad("core.dma_queues (" + std::to_string(core.dma_queues) + ") must equal num_dma x dma.num_queues (" +
        std::to_string(num_dma * dma.num_queues) + ")");
  if (tensor.cmd_depth < 2) bad("tensor.cmd_depth must be at least 2");
  for (const auto& [n, r] : {std::pair<const char*, double>{"matmul_rate_fp8", matmul_rate_fp8},
                             {"matmul_rate_bf16", matmul_rate_bf16}, {"matmul_rate_fp32", matmul_rate_fp32}})
    if (!(r >= 0) || !std::isfinite(r) || r > 64) bad(std::string(n) + " must be in 0..64 (rows per tensor cycle)");
  if (!(matmul_rate_bf16 > 0)) bad("matmul_rate_bf16 must be positive");
  if (dma_fixed_latency < SC_ZERO_TIME) bad("dma_fixed_latency must not be negative");
  if (tensor.period <= SC_ZERO_TIME || dma.period <= SC_ZERO_TIME) bad("tensor.period and dma.period must be positive");
  if (fetch_chunk < 1) bad("fetch_chunk must be at least 1");
  if (dma_poll_cycles < 1) bad("dma_poll_cycles must be at least 1");
  if (core.partitions * uint64_t(kSbufPartitionStride) > kPsumOffset) bad("core.partitions too large for the map");
  if (uint64_t(core.psum_banks) * core.psum_bank_bytes > kPsumPartitionStride)
    bad("core.psum_banks x core.psum_bank_bytes exceeds kPsumPartitionStride");
  if (core.psum_bank_bytes % 4) bad("core.psum_bank_bytes must be a multiple of 4");
}

// --- construction -------------------------------------------------------------------

NeuronCore::NeuronCore(sc_core::sc_module_name name, const NeuronCoreConfig& cfg,
                       const TensorFactory& make_tensor, const DmaFactory& make_dma)
    : sc_module(name),
      fetch("fetch"),
      local("local"),
      irq("irq"),
      cfg_(cfg),
      st_((cfg.validate(), cfg.core)),
      tensor_csr_("tensor_csr"),
      tensor_stream_("tensor_stream"),
      tensor_result_("tensor_result"),
      sport_in_("mgmt_stream_in"),
      sport_out_("mgmt_stream_out"),
      tensor_irq_("tensor_irq"),
      regs_(creg::kRegisters) {
  // The tensor block: the core's array, and a PSUM deep enough for every bank.
  tensor::TensorBlockConfig tc = cfg_.tensor;
  tc.rows = cfg_.core.pe_rows;
  tc.cols = cfg_.core.pe_cols;
  psum_rows_ = cfg_.core.psum_banks * (cfg_.core.psum_bank_bytes / 4);
  unsigned depth = 1;
  while (depth < psum_rows_) depth <<= 1;
  // The block's PSUM must hold every bank: raise psum_depth to the next power of two.
  tc.psum_depth = std::max({tc.psum_depth, depth, 2u});
  cfg_.tensor = tc;
  // The block runs block_speedup() times faster than the tensor engine's
  // clock (rounded down to the time resolution), so that its one moving row
  // per cycle never limits the fastest dtype of the issue-time model.
  block_period_ = sc_time::from_value(
      sc_dt::uint64(std::floor(double(cfg_.tensor.period.value()) / cfg_.block_speedup())));
  tc.period = block_period_;
  if (cfg_.dma_windows[1].limit <= cfg_.dma_windows[1].base)
    cfg_.dma_windows[1] = {core_base(cfg_.core_index), core_base(cfg_.core_index) + kCoreStride};
  psum_coherent_.assign(std::size_t(psum_rows_) * tc.cols, 1);

  tensor_ = make_tensor("tensor", tc);
  if (!tensor_) throw std::invalid_argument(std::string(this->name()) + ": the tensor factory returned null");
  tensor_csr_.bind(tensor_->csr);
  tensor_stream_.bind(tensor_->stream);
  tensor_->result.bind(tensor_result_);
  tensor_->irq.bind(tensor_irq_);
  tensor_result_.register_b_transport(this, &NeuronCore::result_b_transport);
  // The management core's stream port: its rows go to the block through sport_b_transport.
  sport_ = std::make_unique<mgmt::TensorStreamPort>("mgmt_stream_port", tc.rows, tc.cols);
  sport_in_.bind(sport_->target);
  sport_->out.bind(sport_out_);
  sport_out_.register_b_transport(this, &NeuronCore::sport_b_transport);
  mgmt_results_.assign(kMgmtResultBytes, 0);

  for (unsigned d = 0; d < cfg_.num_dma; ++d) {
    const std::string n = "dma" + std::to_string(d);
    dmas_.push_back(make_dma(n.c_str(), cfg_.dma));
    if (!dmas_.back()) throw std::invalid_argument(std::string(this->name()) + ": the DMA factory returned null");
    dma_csr_.push_back(std::make_unique<tlm_utils::simple_initiator_socket<NeuronCore>>(
        (n + "_csr").c_str()));
    dma_csr_.back()->bind(dmas_.back()->csr);
    dma_irq_.push_back(std::make_unique<sc_core::sc_signal<bool>>((n + "_irq").c_str()));
    dmas_.back()->irq.bind(*dma_irq_.back());
  }
  dq_.resize(cfg_.core.dma_queues);
  for (unsigned q = 0; q < dq_.size(); ++q) {
    dq_[q].block = q / cfg_.dma.num_queues;
    dq_[q].q = q % cfg_.dma.num_queues;
  }

  local.register_b_transport(this, &NeuronCore::local_b_transport);
  local.register_transport_dbg(this, &NeuronCore::local_dbg);
  regs_.set_hw_in([this](uint32_t off) { return hw_in(off); });
  regs_.set_on_write([this](uint32_t off, uint32_t v, uint32_t m) { on_ctrl_write(off, v, m); });

  SC_THREAD(tensor_thread);
  SC_THREAD(vector_thread);
  SC_THREAD(scalar_thread);
  SC_THREAD(gpsimd_thread);
  SC_THREAD(sync_thread);
  SC_THREAD(weight_feeder);
  SC_THREAD(dma_monitor);
  SC_THREAD(timed_thread);
  SC_METHOD(deadlock_method);
  sensitive << deadlock_ev_;
  dont_initialize();
  SC_METHOD(irq_method);
  sensitive << irq_ev_;
}

NeuronCore::~NeuronCore() = default;

tlm_utils::simple_initiator_socket<dma::DmaBlock>& NeuronCore::dma_mem(unsigned d) {
  return dma_block(d).mem;
}

dma::DmaBlock& NeuronCore::dma_block(unsigned d) {
  if (d >= dmas_.size())
    throw std::out_of_range(std::string(name()) + ": DMA block " + std::to_string(d) + " does not exist (" +
                            std::to_string(dmas_.size()) + ")");
  return *dmas_[d];
}

void NeuronCore::set_trace(TraceWriter* t) {
  trace_ = t;
  if (!t) return;
  const std::string proc = name();
  for (unsigned e = 0; e < isa::kNumEngines; ++e)
    eng_[e].track = t->track(proc, std::string(isa::engine_name(isa::Engine(e))) + " engine");
  for (unsigned q = 0; q < dq_.size(); ++q)
    dq_[q].track = t->track(proc, "dma" + std::to_string(dq_[q].block) + ".q" + std::to_string(dq_[q].q));
  tensor_->set_trace(t);
  for (auto& d : dmas_) d->set_trace(t);
}

void NeuronCore::trace_slice(int track, const std::string& name, const sc_time& a, const sc_time& b,
                             const std::string& args) {
  if (trace_ && track >= 0) trace_->slice(track, name, a, b, args);
}

// --- control ----------------------------------------------------------------------------

void NeuronCore::load_and_start(const std::array<Stream, isa::kNumEngines>& streams) {
  uint32_t mask = 0;
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    const uint32_t base = creg::E0_PROG_LO_OFFSET + 0x10 * e;
    regs_.write(base, uint32_t(streams[e].addr));
    regs_.write(base + 4, uint32_t(streams[e].addr >> 32));
    regs_.write(base + 8, streams[e].count);
    if (streams[e].count) mask |= 1u << e;
  }
  start(mask);
}

void NeuronCore::start(uint32_t mask) {
  if (stopped_) return;
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    if (!(mask >> e & 1)) continue;
    Engine& g = eng_[e];
    if (g.running) continue;
    const uint32_t base = creg::E0_PROG_LO_OFFSET + 0x10 * e;
    g.prog = uint64_t(regs_.stored(base)) | uint64_t(regs_.stored(base + 4)) << 32;
    g.count = regs_.stored(base + 8);
    g.pc = 0;
    g.buf_n = 0;
    g.done = false;
    if (!any_started_) start_time_ = sc_core::sc_time_stamp();
    any_started_ = true;
    if (g.prog % isa::kInstrBytes || g.count == 0) {
      fail(ErrCode::BAD_PROGRAM, int(e), 0,
           std::string(name()) + ": " + isa::engine_name(isa::Engine(e)) + " engine started with stream address " +
               hex(g.prog) + " (must be 64-byte aligned) and count " + std::to_string(g.count) +
               " (must be at least 1)",
           1u << e);
      return;
    }
    g.running = true;
    g.start_ev.notify(SC_ZERO_TIME);
  }
}

bool NeuronCore::done() const {
  if (!any_started_ || stopped_) return false;
  for (const Engine& g : eng_)
    if (g.running) return false;
  return true;
}

bool NeuronCore::wait_done(const sc_time& limit) {
  const bool bounded = limit > SC_ZERO_TIME;
  const sc_time end = sc_core::sc_time_stamp() + limit;
  for (;;) {
    if (stopped_) return false;
    if (done()) return true;
    if (bounded) {
      const sc_time now = sc_core::sc_time_stamp();
      if (now >= end) {
        timed_out_ = true;
        return false;
      }
      sc_core::wait(end - now, done_ev_);
    } else {
      sc_core::wait(done_ev_);
    }
  }
}

void NeuronCore::fail(ErrCode code, int engine, long index, const std::string& msg, uint32_t bits) {
  if (stopped_) return;
  stopped_ = true;
  error_ = CoreError{code, engine, index, msg};
  error_engines_ = bits ? bits : (engine >= 0 ? 1u << engine : 0u);
  finish_time_ = sc_core::sc_time_stamp();
  for (Engine& g : eng_) g.running = false;
  regs_.hw_set(creg::INTR_STATE_OFFSET, 1u << creg::INTR_STATE_ERROR_LSB);
  update_irq();
  stop_ev_.notify(SC_ZERO_TIME);
  done_ev_.notify(SC_ZERO_TIME);
}

std::string NeuronCore::where(unsigned e, long index, const isa::Instruction* in) const {
  std::ostringstream os;
  os << name() << " (core " << cfg_.core_index << "): " << isa::engine_name(isa::Engine(e))
     << " engine, instruction " << index;
  if (in) os << " (" << isa::mnemonic(*in) << ")";
  return os.str();
}

void NeuronCore::engine_done(unsigned e) {
  Engine& g = eng_[e];
  g.running = false;
  g.done = true;
  for (const Engine& o : eng_)
    if (o.running) return;
  finish_time_ = sc_core::sc_time_stamp();
  regs_.hw_set(creg::INTR_STATE_OFFSET, 1u << creg::INTR_STATE_DONE_LSB);
  update_irq();
  done_ev_.notify(SC_ZERO_TIME);
}

void NeuronCore::sem_changed() {
  sem_ev_.notify(SC_ZERO_TIME);
  if (trace_ && sem_track_ < 0) sem_track_ = trace_->track(name(), "semaphores");
}

void NeuronCore::schedule(const sc_time& at, std::function<void()> fn) {
  ++inflight_;
  timed_.emplace(at, std::move(fn));
  timed_ev_.notify(SC_ZERO_TIME);
}

void NeuronCore::timed_thread() {
  for (;;) {
    if (timed_.empty()) {
      sc_core::wait(timed_ev_);
      continue;
    }
    const sc_time now = sc_core::sc_time_stamp();
    auto it = timed_.begin();
    if (it->first > now) {
      sc_core::wait(it->first - now, timed_ev_);
      continue;
    }
    auto fn = std::move(it->second);
    timed_.erase(it);
    if (!stopped_) fn();
    --inflight_;
    check_deadlock();
  }
}

void NeuronCore::note_busy(unsigned e, const sc_time& from, const sc_time& to) {
  Engine& g = eng_[e];
  const sc_time a = std::max(from, g.busy_until);
  if (to > a) g.ctr.busy_cycles += cycles_of(to - a, e == kTensor ? cfg_.tensor.period : cfg_.engines[e].period);
  g.busy_until = std::max(g.busy_until, to);
}

void NeuronCore::deadlock_method() {
  if (stopped_ || inflight_ > 0) return;
  bool any = false;
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    const Engine& g = eng_[e];
    if (!g.running) continue;
    if (!g.blocked.on) return;  // it will do something
    if (isa::ready(g.blocked.in, st_, {isa::Engine(e), g.blocked.index})) return;  // about to wake
    any = true;
  }
  if (!any) return;
  std::ostringstream os;
  os << name() << " (core " << cfg_.core_index
     << "): deadlock: every running engine waits on a semaphore and no DMA or tensor operation is in flight;";
  int first = -1;
  long first_index = 0;
  uint32_t bits = 0;
  for (unsigned e = 0; e < isa::kNumEngines; ++e) {
    const Engine& g = eng_[e];
    if (!g.running) continue;
    if (first < 0) {
      first = int(e);
      first_index = g.blocked.index;
    }
    bits |= 1u << e;
    os << " " << isa::engine_name(isa::Engine(e)) << " engine instruction " << g.blocked.index << " ("
       << isa::mnemonic(g.blocked.in) << ") waits for semaphore " << g.blocked.sem << " >= " << g.blocked.value
       << " (it is " << st_.sem(g.blocked.sem) << ");";
  }
  std::string msg = os.str();
  msg.pop_back();
  fail(ErrCode::DEADLOCK, first, first_index, msg, bits);
}

// --- engines -------------------------------------------------------------------------------

void NeuronCore::engine_thread(unsigned e) {
  Engine& g = eng_[e];
  for (;;) {
    while (!g.running) sc_core::wait(g.start_ev);
    while (g.running && !stopped_)
      if (!run_one(e)) break;
  }
}

bool NeuronCore::fetch_words(unsigned e, uint32_t index, isa::Words& w) {
  Engine& g = eng_[e];
  if (!(g.buf_n && index >= g.buf_first && index < g.buf_first + g.buf_n)) {
    const uint32_t n = std::min<uint32_t>(cfg_.fetch_chunk, g.count - index);
    g.buf.resize(std::size_t(n) * isa::kInstrBytes);
    tlm::tlm_generic_payload gp;
    const uint64_t addr = g.prog + uint64_t(index) * isa::kInstrBytes;
    set_payload(gp, tlm::TLM_READ_COMMAND, addr, g.buf.data(), unsigned(g.buf.size()));
    sc_time d = SC_ZERO_TIME;
    fetch->b_transport(gp, d);
    sc_core::wait(d);
    g.ctr.stall_fetch += cycles_of(d, e == kTensor ? cfg_.tensor.period : cfg_.engines[e].period);
    if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) {
      g.buf_n = 0;
      fail(ErrCode::FETCH_ERROR, int(e), index,
           where(e, index, nullptr) + ": instruction fetch of " + std::to_string(n) + " instructions at " +
               hex(addr) + " answered " + resp_name(gp.get_response_status()));
      return false;
    }
    if (stopped_) return false;
    g.buf_first = index;
    g.buf_n = n;
  }
  w = isa::words_from_bytes(g.buf.data() + std::size_t(index - g.buf_first) * isa::kInstrBytes);
  return true;
}

bool NeuronCore::wait_ready(unsigned e, const isa::Instruction& in, long index) {
  const isa::ExecContext ctx{isa::Engine(e), index};
  if (isa::ready(in, st_, ctx)) return true;
  Engine& g = eng_[e];
  const bool hdr = in.wait_en && st_.sem(in.wait_sem) < in.wait_value;
  g.blocked.on = true;
  g.blocked.in = in;
  g.blocked.index = index;
  g.blocked.sem = hdr ? in.wait_sem : in.sem;
  g.blocked.value = hdr ? in.wait_value : in.value;
  const sc_time t0 = sc_core::sc_time_stamp();
  check_deadlock();
  while (!stopped_ && !isa::ready(in, st_, ctx)) sc_core::wait(sem_ev_ | stop_ev_);
  g.blocked.on = false;
  g.ctr.stall_sem += cycles_of(sc_core::sc_time_stamp() - t0,
                               e == kTensor ? cfg_.tensor.period : cfg_.engines[e].period);
  return !stopped_;
}

bool NeuronCore::run_one(unsigned e) {
  Engine& g = eng_[e];
  const long idx = long(g.pc);
  if (g.pc >= g.count) {
    fail(ErrCode::NO_END, int(e), idx,
         where(e, idx, nullptr) + ": the stream has no END within its " + std::to_string(g.count) + " instructions");
    return false;
  }
  isa::Words w;
  if (!fetch_words(e, g.pc, w)) return false;
  const uint32_t opc = w[0] & 0xFF;
  if (!isa::opcode_valid(opc)) {
    fail(ErrCode::UNKNOWN_OPCODE, int(e), idx,
         where(e, idx, nullptr) + ": unknown opcode " + hex(opc) + " (word 0 = " + hex(w[0]) + ")");
    return false;
  }
  isa::Instruction in;
  try {
    in = isa::decode(w);
  } catch (const isa::IsaError& x) {
    fail(ErrCode::BAD_ENCODING, int(e), idx,
         where(e, idx, nullptr) + ": bad encoding: " + x.field() + ": " + x.problem());
    return false;
  }
  const isa::ExecContext ctx{isa::Engine(e), idx};
  try {
    isa::check_dynamic(in, st_, ctx);
  } catch (const isa::IsaError& x) {
    ErrCode code = ErrCode::BAD_INSTRUCTION;
    const std::string& p = x.problem();
    const std::string& f = x.field();
    const isa::Operand* op = nullptr;
    const std::string base = f.substr(0, f.find('.'));
    if (base == "D") op = &in.d;
    else if (base == "A") op = &in.a;
    else if (base == "B") op = &in.b;
    else if (base == "bias") op = &in.bias;
    else if (base == "scale") op = &in.scale;
    else if (base == "acc") op = &in.acc;
    if (p.find("SBUF") != std::string::npos) code = ErrCode::SBUF_RANGE;
    else if (p.find("PSUM") != std::string::npos) code = ErrCode::PSUM_RANGE;
    else if (op && p.find("exceed the") != std::string::npos)
      code = op->kind == isa::Kind::PSUM ? ErrCode::PSUM_RANGE : ErrCode::SBUF_RANGE;
    fail(code, int(e), idx, std::string(name()) + " (core " + std::to_string(cfg_.core_index) + "): " + x.what());
    return false;
  }
  if (!wait_ready(e, in, idx)) return false;
  // The tensor engine completes MATMULs out of its thread; anything else on
  // it waits for them (in-order completion).
  if (e == kTensor && in.op != isa::Opcode::MATMUL && mm_outstanding_ > 0) {
    const sc_time t0 = sc_core::sc_time_stamp();
    while (mm_outstanding_ > 0 && !stopped_) sc_core::wait(tensor_idle_ev_ | stop_ev_);
    g.ctr.stall_tensor += cycles_of(sc_core::sc_time_stamp() - t0, cfg_.tensor.period);
    if (stopped_) return false;
  }
  ++g.ctr.instructions;
  const sc_time issue = sc_core::sc_time_stamp();
  const sc_time period = e == kTensor ? cfg_.tensor.period : cfg_.engines[e].period;
  const EngineTiming& tm = cfg_.engines[e];
  switch (in.op) {
    case isa::Opcode::NOP:
    case isa::Opcode::END:
    case isa::Opcode::WAIT:
    case isa::Opcode::SIGNAL:
    case isa::Opcode::SEM_SET: {
      sc_core::wait(period * double(tm.control_cycles));
      if (stopped_) return false;
      isa::apply(in, st_, ctx);  // SIGNAL / SEM_SET change a semaphore
      isa::complete(in, st_, ctx);
      if (in.op == isa::Opcode::SIGNAL || in.op == isa::Opcode::SEM_SET || in.signal_en) sem_changed();
      note_busy(e, issue, sc_core::sc_time_stamp());
      trace_slice(g.track, isa::mnemonic(in), issue, sc_core::sc_time_stamp(), "\"index\":" + std::to_string(idx));
      if (in.op == isa::Opcode::END) {
        engine_done(e);
        return false;
      }
      break;
    }
    case isa::Opcode::DMA_START: exec_dma_start(e, in, idx); break;
    case isa::Opcode::MATMUL: exec_matmul(e, in, idx); break;
    default: exec_data(e, in, idx); break;
  }
  if (stopped_) return false;
  ++g.pc;
  return true;
}

uint64_t NeuronCore::data_cycles(unsigned e, const isa::Instruction& in) const {
  const EngineTiming& tm = cfg_.engines[e];
  uint32_t elems = 0;
  bool narrow = true, strided = false;
  for (const isa::Operand* o : {&in.d, &in.a, &in.b}) {
    if (!o->is_tensor()) continue;
    elems = std::max(elems, o->elems());
    const unsigned bytes = isa::dtype_bytes(o->dtype);
    if (bytes > 2) narrow = false;
    if (o->n0 > 1 && uint64_t(std::abs(int(o->s0))) * bytes > 16) strided = true;
  }
  double rate = narrow ? tm.narrow_rate : tm.wide_rate;
  if (strided) rate /= 2;
  return tm.startup_cycles + uint64_t(std::ceil(double(elems) / rate));
}

void NeuronCore::exec_data(unsigned e, const isa::Instruction& in, long idx) {
  Engine& g = eng_[e];
  const sc_time issue = sc_core::sc_time_stamp();
  const uint64_t cyc = data_cycles(e, in);
  sc_core::wait(cfg_.engines[e].period * double(cyc));
  if (stopped_) return;
  const isa::ExecContext ctx{isa::Engine(e), idx};
  if (cfg_.functional) {
    try {
      isa::apply(in, st_, ctx);
    } catch (const isa::IsaError& x) {
      fail(ErrCode::BAD_INSTRUCTION, int(e), idx, std::string(name()) + ": " + x.what());
      return;
    }
  }
  // PSUM written by an engine other than the tensor block: those elements of
  // the block's own PSUM are stale (see "PSUM coherence" in docs/chip.md).
  auto stale = [&](const isa::Operand& o, unsigned parts_start, unsigned parts, bool column) {
    if (o.kind != isa::Kind::PSUM) return;
    const uint32_t rpb = cfg_.core.psum_bank_bytes / 4;
    const int64_t es = isa::dtype_bytes(o.dtype);
    int64_t lo = o.offset, hi = o.offset + es;
    if (!column) {
      const int64_t d0 = int64_t(o.n0 - 1) * o.s0, d1 = int64_t(o.n1 - 1) * o.s1;
      lo += es * (std::min<int64_t>(0, d0) + std::min<int64_t>(0, d1));
      hi += es * (std::max<int64_t>(0, d0) + std::max<int64_t>(0, d1));
    }
    for (int64_t r = lo / 4; r < (hi + 3) / 4 && r < int64_t(rpb); ++r)
      for (unsigned p = parts_start; p < parts_start + parts && p < cfg_.core.pe_cols; ++p)
        psum_coherent_[(std::size_t(o.bank) * rpb + std::size_t(r)) * cfg_.core.pe_cols + p] = 0;
  };
  stale(in.d, in.d.start, in.d.count, false);
  if (in.op == isa::Opcode::ACTIVATE) stale(in.acc, in.d.start, in.d.count, true);
  isa::complete(in, st_, ctx);
  if (in.signal_en) sem_changed();
  note_busy(e, issue, sc_core::sc_time_stamp());
  trace_slice(g.track, isa::mnemonic(in), issue, sc_core::sc_time_stamp(),
              "\"index\":" + std::to_string(idx) + ",\"cycles\":" + std::to_string(cyc));
}

// --- tensor engine -------------------------------------------------------------------------

tlm::tlm_response_status NeuronCore::csr_access(tlm_utils::simple_initiator_socket<NeuronCore>& s, bool write,
                                                uint32_t addr, uint32_t& data, bool sync) {
  tlm::tlm_generic_payload gp;
  set_payload(gp, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr,
              reinterpret_cast<unsigned char*>(&data), 4);
  sc_time d = SC_ZERO_TIME;
  s->b_transport(gp, d);
  if (sync) sc_core::wait(d);
  return gp.get_response_status();
}

void NeuronCore::tensor_csr_write(uint32_t addr, uint32_t value) {
  const auto st = csr_access(tensor_csr_, true, addr, value, true);
  if (st != tlm::TLM_OK_RESPONSE)
    fail(ErrCode::TENSOR_ERROR, int(kTensor), long(eng_[kTensor].pc),
         where(kTensor, long(eng_[kTensor].pc), nullptr) + ": tensor CSR write of " + hex(addr) + " answered " +
             resp_name(st));
}

void NeuronCore::stream_rows(bool weights, std::vector<uint8_t>& bytes, unsigned e) {
  tlm::tlm_generic_payload gp;
  set_payload(gp, tlm::TLM_WRITE_COMMAND, weights ? tensor::kWeightStreamAddr : tensor::kActStreamAddr,
              bytes.data(), unsigned(bytes.size()));
  const sc_time t0 = sc_core::sc_time_stamp();
  sc_time d = SC_ZERO_TIME;
  tensor_stream_->b_transport(gp, d);
  sc_core::wait(d);
  if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) {
    fail(ErrCode::TENSOR_ERROR, int(kTensor), long(eng_[kTensor].pc),
         where(kTensor, long(eng_[kTensor].pc), nullptr) + ": tensor " + (weights ? "weight" : "activation") +
             " stream write answered " + resp_name(gp.get_response_status()));
    return;
  }
  if (!weights) {
    const unsigned rows = unsigned(bytes.size() / (2 * cfg_.tensor.rows));
    const uint64_t c = cycles_of(sc_core::sc_time_stamp() - t0, block_period_);
    if (c > rows) eng_[e].ctr.stall_tensor += cycles_of(block_period_ * double(c - rows), cfg_.tensor.period);
  }
}

void NeuronCore::weight_feeder() {
  for (;;) {
    while (wfeed_.empty()) sc_core::wait(wfeed_ev_);
    std::vector<uint8_t> rows = std::move(wfeed_.front());
    wfeed_.pop_front();
    wfeed_busy_ = true;
    stream_rows(true, rows, kTensor);
    wfeed_busy_ = false;
    wfeed_done_ev_.notify(SC_ZERO_TIME);
  }
}

void NeuronCore::exec_matmul(unsigned e, const isa::Instruction& in, long idx) {
  const sc_time issue = sc_core::sc_time_stamp();
  const unsigned R = cfg_.tensor.rows, C = cfg_.tensor.cols;
  const unsigned K = in.b.count, M = in.b.elems();
  const unsigned N = in.load_weights ? in.a.elems() : st_.weights.n;
  const isa::Operand& D = in.d;
  // Mapping onto the block (docs/chip.md "MATMUL on the tensor block").
  auto refuse = [&](const std::string& why) {
    fail(ErrCode::TENSOR_ERROR, int(e), idx, where(e, idx, &in) + ": " + why);
  };
  if (!contiguous(D) || D.offset % 4) return refuse("D must be contiguous FP32 at a 4-byte aligned offset in its bank");
  if (unsigned(D.start) + N > C)
    return refuse("D partitions " + std::to_string(D.start) + ".." + std::to_string(D.start + N - 1) +
                  " are not array columns (0.." + std::to_string(C - 1) + "): PSUM partition p is column p");
  const uint32_t rpb = cfg_.core.psum_bank_bytes / 4;
  const uint32_t row0 = uint32_t(D.bank) * rpb + D.offset / 4;
  if (in.accumulate)
    for (unsigned m = 0; m < M; ++m) {
      // (memchr: a quick scan of the row's flags, then the slow walk only to name the element)
      if (N == 0 || !std::memchr(&psum_coherent_[std::size_t(row0 + m) * C + D.start], 0, N)) continue;
      for (unsigned n = 0; n < N; ++n)
        if (!psum_coherent_[std::size_t(row0 + m) * C + D.start + n])
          return refuse("accumulate onto PSUM bank " + std::to_string(D.bank) + " partition " +
                        std::to_string(D.start + n) + " element " + std::to_string(D.offset / 4 + m) +
                        ", which was last written by another engine or DMA, not by a MATMUL (the tensor "
                        "block accumulates in its own PSUM)");
    }
  const isa::Dtype wdt = in.load_weights ? in.a.dtype : st_.weights.dtype;
  const double rate = cfg_.matmul_rate(wdt, in.b.dtype);
  if (!(rate > 0))
    return refuse(std::string("this core has no MATMUL rate for ") + isa::dtype_name(wdt) + " x " +
                  isa::dtype_name(in.b.dtype) + " (macs_per_pe_cycle of the class is 0)");
  const unsigned tiles = (K + R - 1) / R;
  // Issue-time model (docs/chip.md "MATMUL timing"), tensor cycles.
  const uint64_t tile_ii = std::max<uint64_t>(cfg_.matmul_min_cycles, uint64_t(std::ceil(double(M) / rate - 1e-9)));
  const sc_time model_end = issue + cfg_.tensor.period * double(tile_ii * tiles);
  const bool fn = cfg_.functional;
  if (in.load_weights) {
    isa::LoadedWeights& w = st_.weights;
    w.valid = true;
    w.dtype = in.a.dtype;
    w.k = K;
    w.n = N;
    w.codes.assign(fn ? std::size_t(K) * N : 0, 0);
    const unsigned es = isa::dtype_bytes(in.a.dtype);
    if (fn && contiguous(in.a) && es <= 2) {
      for (unsigned k = 0; k < K; ++k) {
        const uint8_t* src = row_ptr(st_, in.a, k);
        uint16_t* dst = &w.codes[std::size_t(k) * N];
        for (unsigned j = 0; j < N; ++j)
          dst[j] = es == 2 ? uint16_t(src[2 * j] | src[2 * j + 1] << 8) : uint16_t(src[j]);
      }
    } else if (fn) {
      for (unsigned k = 0; k < K; ++k)
        for (unsigned j = 0; j < N; ++j) w.codes[std::size_t(k) * N + j] = uint16_t(st_.read(in.a, k, j));
    }
  }
  // The block keeps one tile: reuse only for K <= rows, and only if the
  // management core has not streamed rows into the block since.
  const bool load = in.load_weights || tiles > 1 || block_weights_stale_;
  block_weights_stale_ = false;
  ++mm_outstanding_;
  ++inflight_;
  MmTile tile;
  tile.last = true;
  tile.rows = M;
  tile.psum_row0 = row0;
  tile.in = in;
  tile.index = idx;
  tile.issued = issue;
  tile.model_done = model_end + cfg_.tensor.period * double(R + C + 1);  // + the array's fill and drain
  mm_tiles_q_.push_back(tile);

  // The activation stream of K tile t into mm_acts_ (reused: the stream
  // write is synchronous): row m holds element m of partitions k0 .. k0 + kr - 1.
  auto acts_of = [&](unsigned t) -> std::vector<uint8_t>& {
    std::vector<uint8_t>& bytes = mm_acts_;
    const unsigned es = isa::dtype_bytes(in.b.dtype);
    const unsigned k0 = t * R, kr = std::min(R, K - k0);
    bytes.resize(std::size_t(M) * R * 2);
    if (!fn || kr < R) std::fill(bytes.begin(), bytes.end(), uint8_t(0));
    if (fn && contiguous(in.b) && es <= 2) {
      // A transpose of partitions x elements, in blocks of 32 x 32 so that
      // the partition rows read and the stream rows written stay in L1 (the
      // stream rows are 2 R bytes apart: a plain column walk misses on each).
      constexpr unsigned kBlk = 32;
      const uint8_t* src[kBlk];
      for (unsigned r0 = 0; r0 < kr; r0 += kBlk) {
        const unsigned nr = std::min(kBlk, kr - r0);
        for (unsigned r = 0; r < nr; ++r) src[r] = row_ptr(st_, in.b, k0 + r0 + r);
        for (unsigned m0 = 0; m0 < M; m0 += kBlk) {
          const unsigned nm = std::min(kBlk, M - m0);
          unsigned r = 0;
#if defined(__SSE2__)
          // 8 x 8 transposes of 16-bit codes (bit moves only).
          if (es == 2 && nm % 8 == 0)
            for (; r + 8 <= nr; r += 8)
              for (unsigned m = 0; m < nm; m += 8) {
                __m128i a[8];
                for (unsigned i = 0; i < 8; ++i)
                  a[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src[r + i] + std::size_t(m0 + m) * 2));
                const __m128i t0 = _mm_unpacklo_epi16(a[0], a[1]), t1 = _mm_unpackhi_epi16(a[0], a[1]);
                const __m128i t2 = _mm_unpacklo_epi16(a[2], a[3]), t3 = _mm_unpackhi_epi16(a[2], a[3]);
                const __m128i t4 = _mm_unpacklo_epi16(a[4], a[5]), t5 = _mm_unpackhi_epi16(a[4], a[5]);
                const __m128i t6 = _mm_unpacklo_epi16(a[6], a[7]), t7 = _mm_unpackhi_epi16(a[6], a[7]);
                const __m128i u0 = _mm_unpacklo_epi32(t0, t2), u1 = _mm_unpackhi_epi32(t0, t2);
                const __m128i u2 = _mm_unpacklo_epi32(t1, t3), u3 = _mm_unpackhi_epi32(t1, t3);
                const __m128i u4 = _mm_unpacklo_epi32(t4, t6), u5 = _mm_unpackhi_epi32(t4, t6);
                const __m128i u6 = _mm_unpacklo_epi32(t5, t7), u7 = _mm_unpackhi_epi32(t5, t7);
                const __m128i o[8] = {_mm_unpacklo_epi64(u0, u4), _mm_unpackhi_epi64(u0, u4),
                                      _mm_unpacklo_epi64(u1, u5), _mm_unpackhi_epi64(u1, u5),
                                      _mm_unpacklo_epi64(u2, u6), _mm_unpackhi_epi64(u2, u6),
                                      _mm_unpacklo_epi64(u3, u7), _mm_unpackhi_epi64(u3, u7)};
                for (unsigned i = 0; i < 8; ++i)
                  _mm_storeu_si128(reinterpret_cast<__m128i*>(&bytes[(std::size_t(m0 + m + i) * R + r0 + r) * 2]), o[i]);
              }
#endif
          for (; r < nr; ++r) {
            uint8_t* dst = &bytes[(std::size_t(m0) * R + r0 + r) * 2];
            const uint8_t* s = src[r] + std::size_t(m0) * es;
            if (es == 2)
              for (unsigned m = 0; m < nm; ++m) std::memcpy(dst + std::size_t(m) * R * 2, s + 2 * m, 2);
            else
              for (unsigned m = 0; m < nm; ++m) dst[std::size_t(m) * R * 2] = s[m];
          }
        }
      }
    } else if (fn) {
      for (unsigned m = 0; m < M; ++m)
        for (unsigned r = 0; r < kr; ++r) {
          const uint32_t v = st_.read(in.b, k0 + r, m);
          bytes[(std::size_t(m) * R + r) * 2] = uint8_t(v);
          bytes[(std::size_t(m) * R + r) * 2 + 1] = uint8_t(v >> 8);
        }
    }
    return bytes;
  };
  for (unsigned t = 0; t < tiles && !stopped_; ++t) {
    const unsigned k0 = t * R, kr = std::min(R, K - k0);
    const uint32_t cfgw = (uint32_t(in.b.dtype) << treg::CMD_CFG_DTYPE_A_LSB) |
                          (uint32_t(st_.weights.dtype) << treg::CMD_CFG_DTYPE_W_LSB) |
                          (uint32_t(load) << treg::CMD_CFG_LOAD_W_LSB) |
                          (uint32_t(t > 0 || in.accumulate) << treg::CMD_CFG_ACCUMULATE_LSB) |
                          (uint32_t(t + 1 == tiles) << treg::CMD_CFG_EMIT_LSB);
    const uint32_t shape = (M << treg::CMD_SHAPE_M_ROWS_LSB) | (kr << treg::CMD_SHAPE_K_ROWS_LSB);
    const uint32_t psum = row0 << treg::CMD_PSUM_ADDR_LSB;
    const uint32_t vals[3] = {cfgw, shape, psum};
    const uint32_t offs[3] = {treg::CMD_CFG_OFFSET, treg::CMD_SHAPE_OFFSET, treg::CMD_PSUM_OFFSET};
    for (int i = 0; i < 3; ++i)
      if (!cmd_cache_[i] || *cmd_cache_[i] != vals[i]) {
        tensor_csr_write(offs[i], vals[i]);
        cmd_cache_[i] = vals[i];
      }
    tensor_csr_write(treg::CTRL_OFFSET, 1u << treg::CTRL_START_LSB);
    ++mm_tiles_;
    if (load) {
      std::vector<uint8_t> w(std::size_t(kr) * C * 2, 0);
      if (fn)
        for (unsigned r = 0; r < kr; ++r)
          for (unsigned j = 0; j < N; ++j) {
            const uint16_t v = st_.weights.codes[std::size_t(k0 + r) * N + j];
            w[(std::size_t(r) * C + D.start + j) * 2] = uint8_t(v);
            w[(std::size_t(r) * C + D.start + j) * 2 + 1] = uint8_t(v >> 8);
          }
      wfeed_.push_back(std::move(w));
      wfeed_ev_.notify(SC_ZERO_TIME);
    }
    // Activations of the previous tile while this tile's weights load.
    if (t > 0) {
      stream_rows(false, acts_of(t - 1), e);
    }
  }
  if (stopped_) return;
  stream_rows(false, acts_of(tiles - 1), e);
  // The engine issues its next instruction after the modelled interval (or
  // the block's own time, if longer). The instruction completes when its last
  // result row is in PSUM and the modelled latency has passed
  // (result_b_transport).
  const sc_time now = sc_core::sc_time_stamp();
  if (!stopped_ && now < model_end) {
    mm_model_cycles_ += cycles_of(model_end - now, cfg_.tensor.period);
    sc_core::wait(model_end - now);
  }
}

// A tile's result rows (row m, lane c at mm_stage_[m * C + c]) into the
// PSUM, where lane c of row m is element m of partition c: a transpose, in
// blocks of 16 x 16 so that both sides stay in L1 (the partitions of a bank
// are psum_bank_bytes apart; one 4-byte store per partition and row, as the
// rows arrive, missed on nearly every store).
void NeuronCore::flush_mm_stage(const MmTile& t) {
  const unsigned C = cfg_.tensor.cols;
  const unsigned N = t.in.d.count, p0 = t.in.d.start;
  const uint32_t rpb = cfg_.core.psum_bank_bytes / 4;
  if (N == 0) return;
  constexpr unsigned kBlk = 16;
  std::vector<uint8_t*> dst(N);
  for (uint32_t m = 0; m < t.rows;) {
    const uint32_t row = t.psum_row0 + m, bank = row / rpb, elem = row % rpb;
    const uint32_t run = std::min(t.rows - m, rpb - elem);  // rows within this bank
    for (unsigned n = 0; n < N; ++n) dst[n] = st_.psum(bank, p0 + n, elem * 4);  // range-checked
    const uint32_t* stage = &mm_stage_[std::size_t(m) * C + p0];  // row i, partition n: stage[i * C + n]
    for (uint32_t m0 = 0; m0 < run; m0 += kBlk) {
      const uint32_t m1 = std::min<uint32_t>(run, m0 + kBlk);
      for (unsigned n0 = 0; n0 < N; n0 += kBlk) {
        const unsigned n1 = std::min(N, n0 + kBlk);
        uint32_t i0 = m0;
#if defined(__SSE2__)
        // 4 x 4 transposes of 32-bit lanes (bit moves only, no arithmetic).
        for (; i0 + 4 <= m1; i0 += 4) {
          unsigned n = n0;
          for (; n + 4 <= n1; n += 4) {
            const uint32_t* s = stage + std::size_t(i0) * C + n;
            const __m128i r0 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
            const __m128i r1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + C));
            const __m128i r2 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 2 * C));
            const __m128i r3 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 3 * C));
            const __m128i t0 = _mm_unpacklo_epi32(r0, r1), t1 = _mm_unpacklo_epi32(r2, r3);
            const __m128i t2 = _mm_unpackhi_epi32(r0, r1), t3 = _mm_unpackhi_epi32(r2, r3);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[n] + std::size_t(i0) * 4), _mm_unpacklo_epi64(t0, t1));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[n + 1] + std::size_t(i0) * 4), _mm_unpackhi_epi64(t0, t1));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[n + 2] + std::size_t(i0) * 4), _mm_unpacklo_epi64(t2, t3));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(dst[n + 3] + std::size_t(i0) * 4), _mm_unpackhi_epi64(t2, t3));
          }
          for (; n < n1; ++n)
            for (uint32_t i = i0; i < i0 + 4; ++i) std::memcpy(dst[n] + std::size_t(i) * 4, stage + std::size_t(i) * C + n, 4);
        }
#endif
        for (unsigned n = n0; n < n1; ++n)
          for (uint32_t i = i0; i < m1; ++i) std::memcpy(dst[n] + std::size_t(i) * 4, stage + std::size_t(i) * C + n, 4);
      }
    }
    m += run;
  }
}

void NeuronCore::result_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const unsigned C = cfg_.tensor.cols;
  const uint32_t row = uint32_t(gp.get_address() / (uint64_t(C) * 4));
  if (mm_tiles_q_.empty() && gp.is_write() && gp.get_data_length() == C * 4 &&
      gp.get_address() + C * 4 <= mgmt_results_.size()) {
    // Not the core's: a command the management core started (firmware self-test).
    // The block's PSUM row no longer matches the core's.
    std::memcpy(mgmt_results_.data() + gp.get_address(), gp.get_data_ptr(), C * 4);
    if (row < psum_rows_)
      for (unsigned c = 0; c < C; ++c) psum_coherent_[std::size_t(row) * C + c] = 0;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (!gp.is_write() || gp.get_data_length() != C * 4 || mm_tiles_q_.empty()) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    fail(ErrCode::TENSOR_ERROR, int(kTensor), long(eng_[kTensor].pc),
         std::string(name()) + ": unexpected result row " + std::to_string(row) + " from the tensor block");
    return;
  }
  MmTile& t = mm_tiles_q_.front();
  if (row != t.psum_row0 + t.got) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    fail(ErrCode::TENSOR_ERROR, int(kTensor), t.index,
         where(kTensor, t.index, &t.in) + ": the tensor block returned PSUM row " + std::to_string(row) +
             ", expected " + std::to_string(t.psum_row0 + t.got));
    return;
  }
  const unsigned N = t.in.d.count, p0 = t.in.d.start;
  if (cfg_.functional) {
    // Staged row-major; written to the PSUM partitions with the tile's last
    // row (flush_mm_stage), before the instruction can complete.
    if (t.got == 0) mm_stage_.resize(std::size_t(t.rows) * C);
    std::memcpy(&mm_stage_[std::size_t(t.got) * C], gp.get_data_ptr(), std::size_t(C) * 4);
  }
  {
    uint8_t* coh = &psum_coherent_[std::size_t(row) * C];  // 1 on lanes p0 .. p0 + N - 1
    const unsigned lo = std::min(p0, C), hi = std::min(p0 + N, C);
    std::memset(coh, 0, lo);
    std::memset(coh + lo, 1, hi - lo);
    std::memset(coh + hi, 0, C - hi);
  }
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  if (++t.got < t.rows) return;
  if (cfg_.functional) flush_mm_stage(t);
  const MmTile done = t;
  mm_tiles_q_.pop_front();
  const sc_time at = std::max(sc_core::sc_time_stamp() + delay, done.model_done);
  schedule(at, [this, done]() {
    const isa::ExecContext ctx{isa::Engine::TENSOR, done.index};
    isa::complete(done.in, st_, ctx);
    if (done.in.signal_en) sem_changed();
    note_busy(kTensor, done.issued, sc_core::sc_time_stamp());
    trace_slice(eng_[kTensor].track, isa::mnemonic(done.in), done.issued, sc_core::sc_time_stamp(),
                "\"index\":" + std::to_string(done.index));
    --mm_outstanding_;
    --inflight_;
    tensor_idle_ev_.notify(SC_ZERO_TIME);
  });
}

// --- DMA -------------------------------------------------------------------------------------------

bool NeuronCore::dma_csr(unsigned block, bool write, uint32_t addr, uint32_t& data) {
  return csr_access(*dma_csr_[block], write, addr, data, true) == tlm::TLM_OK_RESPONSE;
}

void NeuronCore::exec_dma_start(unsigned e, const isa::Instruction& in, long idx) {
  Engine& g = eng_[e];
  const sc_time issue = sc_core::sc_time_stamp();
  DmaQueue& dq = dq_[in.queue];
  DmaJob job;
  job.engine = e;
  job.index = idx;
  job.req = isa::DmaRequest{in.queue, in.desc_addr, in.desc_count, in.done_en, in.done_sem};
  job.issued = issue;
  ++inflight_;
  ++dq.ctr.triggers;
  if (!dq.active) {
    dma_activate(dq, job, e);
    g.ctr.stall_dma += cycles_of(sc_core::sc_time_stamp() - issue, cfg_.engines[e].period);
  } else {
    dq.pending.push_back(job);
  }
  if (stopped_) return;
  sc_core::wait(cfg_.engines[e].period * double(cfg_.engines[e].dma_issue_cycles));
  if (stopped_) return;
  const isa::ExecContext ctx{isa::Engine(e), idx};
  isa::complete(in, st_, ctx);  // the header signal fires at issue
  if (in.signal_en) sem_changed();
  note_busy(e, issue, sc_core::sc_time_stamp());
  trace_slice(g.track, isa::mnemonic(in), issue, sc_core::sc_time_stamp(),
              "\"index\":" + std::to_string(idx) + ",\"queue\":" + std::to_string(in.queue));
}

// Makes `job` the queue's current one. Programmed at once (by the caller's
// thread) when its fixed latency has passed, else by the monitor at
// job.issued + dma_fixed_latency.
void NeuronCore::dma_activate(DmaQueue& dq, const DmaJob& job, unsigned e) {
  dq.active = true;
  dq.programmed = false;
  dq.job = job;
  if (job.issued + cfg_.dma_fixed_latency <= sc_core::sc_time_stamp()) {
    dma_program(dq, true, e);
  } else {
    dma_kick_ev_.notify(SC_ZERO_TIME);
  }
}

// Programs queue dq.q of block dq.block for dq.job: a ring of COUNT + 1
// entries at DESC_ADDR, HEAD reset to 0, TAIL = COUNT (docs/chip.md "DMA_START").
void NeuronCore::dma_program(DmaQueue& dq, bool /*from_engine*/, unsigned /*e*/) {
  const unsigned b = dq.block;
  const uint32_t qo = dq.q * kDmaQueueStride;
  const DmaJob& job = dq.job;
  dq.programming = true;
  dq.started = sc_core::sc_time_stamp();
  if (job.req.desc_count + 1u > dreg::Q0_RING_SIZE_ENTRIES_MASK) {
    fail(ErrCode::DMA_ERROR, int(job.engine), job.index,
         where(job.engine, job.index, nullptr) + ": DMA_START with " + std::to_string(job.req.desc_count) +
             " descriptors; a queue ring holds at most " + std::to_string(dreg::Q0_RING_SIZE_ENTRIES_MASK - 1));
    return;
  }
  bool ok = true;
  auto wr = [&](uint32_t off, uint32_t v) { ok = dma_csr(b, true, off + qo, v) && ok; };
  auto wr_global = [&](uint32_t off, uint32_t v) { ok = dma_csr(b, true, off, v) && ok; };
  if (!dq.windows_set) {
    const uint32_t win_stride = dreg::Q0_WIN1_BASE_LO_OFFSET - dreg::Q0_WIN0_BASE_LO_OFFSET;
    for (unsigned w = 0; w < 2; ++w) {
      const AddrWindow& win = cfg_.dma_windows[w];
      wr(dreg::Q0_WIN0_BASE_LO_OFFSET + w * win_stride, uint32_t(win.base));
      wr(dreg::Q0_WIN0_BASE_HI_OFFSET + w * win_stride, uint32_t(win.base >> 32));
      wr(dreg::Q0_WIN0_LIMIT_LO_OFFSET + w * win_stride, uint32_t(win.limit));
      wr(dreg::Q0_WIN0_LIMIT_HI_OFFSET + w * win_stride, uint32_t(win.limit >> 32));
    }
    uint32_t en = 0;
    dma_csr(b, false, dreg::INTR_ENABLE_OFFSET, en);
    wr_global(dreg::INTR_ENABLE_OFFSET, en | (1u << (dreg::INTR_ENABLE_ERROR_LSB + dq.q)) |
                                            (1u << (dreg::INTR_ENABLE_DONE_LSB + dq.q)));
    dq.windows_set = true;
  }
  wr(dreg::Q0_CTRL_OFFSET, 0);
  wr(dreg::Q0_CTRL_OFFSET, 1u << dreg::Q0_CTRL_RESET_LSB);
  wr(dreg::Q0_RING_BASE_LO_OFFSET, uint32_t(job.req.desc_addr));
  wr(dreg::Q0_RING_BASE_HI_OFFSET, uint32_t(job.req.desc_addr >> 32));
  wr(dreg::Q0_RING_SIZE_OFFSET, job.req.desc_count + 1);
  wr(dreg::Q0_TAIL_OFFSET, job.req.desc_count);
  wr(dreg::Q0_CTRL_OFFSET, 1u << dreg::Q0_CTRL_ENABLE_LSB);
  dq.programming = false;
  dq.programmed = ok;
  if (!ok) {
    fail(ErrCode::DMA_ERROR, int(job.engine), job.index,
         where(job.engine, job.index, nullptr) + ": a CSR write to DMA block " + std::to_string(b) + " failed");
    return;
  }
  dma_kick_ev_.notify(SC_ZERO_TIME);
}

void NeuronCore::dma_finish(DmaQueue& dq, bool ok, const std::string& why) {
  const DmaJob job = dq.job;
  if (!ok) {
    fail(ErrCode::DMA_ERROR, int(job.engine), job.index, where(job.engine, job.index, nullptr) + ": " + why);
    return;
  }
  const sc_time now = sc_core::sc_time_stamp();
  last_dma_done_ = now;
  dq.ctr.descriptors += job.req.desc_count;
  dq.ctr.busy += now - dq.started;
  trace_slice(dq.track, "dma_start", dq.started, now,
              "\"engine\":\"" + std::string(isa::engine_name(isa::Engine(job.engine))) +
                  "\",\"index\":" + std::to_string(job.index) + ",\"descriptors\":" +
                  std::to_string(job.req.desc_count));
  if (job.req.done_en) {
    st_.sem(job.req.done_sem) += 1;
    sem_changed();
  }
  --inflight_;
  dq.active = false;
  dq.programmed = false;
  if (!dq.pending.empty()) {
    const DmaJob next = dq.pending.front();
    dq.pending.pop_front();
    dma_activate(dq, next, 0);
  }
  check_deadlock();
}

void NeuronCore::dma_monitor() {
  sc_core::sc_event_or_list wake;
  wake |= dma_kick_ev_;
  wake |= stop_ev_;
  wake |= tensor_irq_.posedge_event();
  for (auto& s : dma_irq_) wake |= s->posedge_event();
  // Only tensor-block refusals interrupt (they would otherwise hang a MATMUL).
  {
    uint32_t en = 1u << treg::INTR_ENABLE_ERROR_LSB;
    csr_access(tensor_csr_, true, treg::INTR_ENABLE_OFFSET, en, true);
  }
  const sc_time poll = cfg_.dma.period * double(cfg_.dma_poll_cycles);
  for (;;) {
    if (stopped_) {
      sc_core::wait(stop_ev_);  // nothing more to do
      continue;
    }
    // Queues whose DMA_START has waited out the fixed latency: program them.
    for (DmaQueue& dq : dq_)
      if (dq.active && !dq.programmed && !dq.programming && !stopped_ &&
          dq.job.issued + cfg_.dma_fixed_latency <= sc_core::sc_time_stamp())
        dma_program(dq, false, 0);
    if (stopped_) continue;
    bool any = false, pending_start = false;
    sc_time next_start;
    for (const DmaQueue& dq : dq_) {
      any = any || (dq.active && dq.programmed);
      if (dq.active && !dq.programmed && !dq.programming) {
        const sc_time at = dq.job.issued + cfg_.dma_fixed_latency;
        next_start = pending_start ? std::min(next_start, at) : at;
        pending_start = true;
      }
    }
    if (pending_start && next_start <= sc_core::sc_time_stamp()) continue;  // became due meanwhile
    sc_time timeout = poll;
    if (pending_start) {
      const sc_time to_start = next_start - sc_core::sc_time_stamp();
      timeout = any ? std::min(poll, to_start) : to_start;
    }
    if (any || pending_start) sc_core::wait(timeout, wake);
    else sc_core::wait(wake);
    if (stopped_) continue;
    if (tensor_irq_.read() && core_owns_tensor()) {
      uint32_t ec = 0;
      csr_access(tensor_csr_, false, treg::ERR_CODE_OFFSET, ec, true);
      const uint32_t code = (ec >> treg::ERR_CODE_CODE_LSB) & treg::ERR_CODE_CODE_MASK;
      const long idx = mm_tiles_q_.empty() ? long(eng_[kTensor].pc) : mm_tiles_q_.front().index;
      fail(ErrCode::TENSOR_ERROR, int(kTensor), idx,
           where(kTensor, idx, nullptr) + ": the tensor block refused a command (ERR_CODE " +
               tensor_err_name(code) + ")");
      continue;
    }
    for (unsigned b = 0; b < dmas_.size(); ++b) {
      bool active = false;
      for (const DmaQueue& dq : dq_) active = active || (dq.active && dq.programmed && dq.block == b);
      if (!active && !dma_irq_[b]->read()) continue;
      if (dma_irq_[b]->read()) {
        // Clear only the core's queues' bits: the other queues may be the
        // management core's (its handler clears those).
        uint32_t mine = 0;
        for (const DmaQueue& dq : dq_)
          if (dq.block == b && (dq.windows_set || dq.active))
            mine |= (1u << (dreg::INTR_STATE_DONE_LSB + dq.q)) | (1u << (dreg::INTR_STATE_ERROR_LSB + dq.q));
        if (mine) dma_csr(b, true, dreg::INTR_STATE_OFFSET, mine);
      }
      for (DmaQueue& dq : dq_) {
        if (!dq.active || !dq.programmed || dq.block != b || stopped_) continue;
        const uint32_t qo = dq.q * kDmaQueueStride;
        uint32_t status = 0, head = 0;
        dma_csr(b, false, dreg::Q0_STATUS_OFFSET + qo, status);
        if ((status >> dreg::Q0_STATUS_ERROR_LSB) & dreg::Q0_STATUS_ERROR_MASK) {
          uint32_t lo = 0, hi = 0;
          dma_csr(b, false, dreg::Q0_ERR_ADDR_LO_OFFSET + qo, lo);
          dma_csr(b, false, dreg::Q0_ERR_ADDR_HI_OFFSET + qo, hi);
          dma_csr(b, false, dreg::Q0_HEAD_OFFSET + qo, head);
          const uint32_t code = (status >> dreg::Q0_STATUS_CODE_LSB) & dreg::Q0_STATUS_CODE_MASK;
          std::ostringstream os;
          os << "DMA queue " << dq.job.req.queue << " (DMA block " << b << " queue " << dq.q
             << ") stopped with error " << dma_err_name(code) << " at address " << hex(uint64_t(hi) << 32 | lo)
             << " in descriptor " << head << " of " << dq.job.req.desc_count << " (descriptors at "
             << hex(dq.job.req.desc_addr) << ")";
          dma_finish(dq, false, os.str());
          continue;
        }
        dma_csr(b, false, dreg::Q0_HEAD_OFFSET + qo, head);
        if (head == dq.job.req.desc_count) dma_finish(dq, true, "");
      }
    }
  }
}

// --- local target ------------------------------------------------------------------------------

bool NeuronCore::mem_access(tlm::tlm_generic_payload& gp, bool timed) {
  (void)timed;
  const uint64_t addr = gp.get_address();
  const unsigned len = gp.get_data_length();
  unsigned char* data = gp.get_data_ptr();
  const unsigned char* be = gp.get_byte_enable_ptr();
  const unsigned be_len = gp.get_byte_enable_length();
  const bool wr = gp.is_write();
  if (gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  auto enabled = [&](unsigned i) { return !be || (be_len && be[i % be_len] == TLM_BYTE_ENABLED); };
  const isa::CoreConfig& cc = cfg_.core;
  if (addr >= kSbufOffset && addr < kSbufOffset + uint64_t(cc.partitions) * kSbufPartitionStride) {
    const unsigned p = unsigned((addr - kSbufOffset) / kSbufPartitionStride);
    const uint64_t b = (addr - kSbufOffset) % kSbufPartitionStride;
    if (b + len > cc.sbuf_partition_bytes) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
    uint8_t* mem = st_.sbuf(p, uint32_t(b));
    if (!wr) {
      std::memcpy(data, mem, len);
    } else if (!be) {
      std::memcpy(mem, data, len);  // no byte enables: the whole row
    } else {
      for (unsigned i = 0; i < len; ++i)
        if (enabled(i)) mem[i] = data[i];
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
  }
  if (addr >= kPsumOffset && addr < kPsumOffset + uint64_t(cc.partitions) * kPsumPartitionStride) {
    const unsigned p = unsigned((addr - kPsumOffset) / kPsumPartitionStride);
    const uint64_t inner = (addr - kPsumOffset) % kPsumPartitionStride;
    if (inner + len > uint64_t(cc.psum_banks) * cc.psum_bank_bytes) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return false;
    }
    for (unsigned i = 0; i < len; ++i) {
      const uint64_t x = inner + i;
      uint8_t* m = st_.psum(unsigned(x / cc.psum_bank_bytes), p, uint32_t(x % cc.psum_bank_bytes));
      if (wr) {
        if (enabled(i)) {
          *m = data[i];
          if (p < cc.pe_cols) psum_coherent_[std::size_t(x / 4) * cc.pe_cols + p] = 0;
        }
      } else {
        data[i] = *m;
      }
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return true;
  }
  gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  return false;
}

void NeuronCore::local_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t addr = gp.get_address();
  if (addr >= kCoreCtrlOffset && addr < kCoreCtrlOffset + kCsrWindow) {
    gp.set_address(addr - kCoreCtrlOffset);
    const CsrAccess a = decode_csr(gp, kCtrlAddrBits);
    gp.set_address(addr);
    delay += cfg_.local_latency;
    if (!a.ok) {
      gp.set_response_status(a.status);
      return;
    }
    bool ok;
    if (a.write) {
      ok = regs_.write(a.offset, a.wdata, a.wstrb);
    } else {
      uint32_t v = 0;
      ok = regs_.read(a.offset, v);
      std::memcpy(gp.get_data_ptr(), &v, 4);
    }
    gp.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  if (addr >= kTensorCsrOffset && addr < kTensorCsrOffset + kCsrWindow) {
    // Someone else (the management core) programs the block: forget the
    // command registers the core believes it wrote last.
    if (gp.is_write())
      for (auto& c : cmd_cache_) c.reset();
    gp.set_address(addr - kTensorCsrOffset);
    tensor_csr_->b_transport(gp, delay);
    gp.set_address(addr);
    return;
  }
  if (addr >= kDmaCsrOffset && addr < kDmaCsrOffset + uint64_t(dmas_.size()) * kDmaCsrStride) {
    const unsigned d = unsigned((addr - kDmaCsrOffset) / kDmaCsrStride);
    const uint64_t off = (addr - kDmaCsrOffset) % kDmaCsrStride;
    // The management core programs a queue (its self-test): the core
    // re-writes that queue's windows at its next DMA_START.
    if (gp.is_write() && off >= dreg::Q0_CTRL_OFFSET)
      for (DmaQueue& dq : dq_)
        if (dq.block == d && dq.q == (off - dreg::Q0_CTRL_OFFSET) / kDmaQueueStride) dq.windows_set = false;
    gp.set_address(off);
    (*dma_csr_[d])->b_transport(gp, delay);
    gp.set_address(addr);
    return;
  }
  if (addr >= kMgmtStreamOffset && addr < kMgmtStreamOffset + kCsrWindow) {
    gp.set_address(addr - kMgmtStreamOffset);
    sport_in_->b_transport(gp, delay);
    gp.set_address(addr);
    return;
  }
  if (addr >= kMgmtResultOffset && addr < kMgmtResultOffset + kMgmtResultBytes) {
    const uint64_t off = addr - kMgmtResultOffset;
    delay += cfg_.local_latency;
    if (gp.get_data_length() != 4 || (off & 3) || gp.get_byte_enable_ptr()) {
      gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
      return;
    }
    if (gp.is_write()) std::memcpy(mgmt_results_.data() + off, gp.get_data_ptr(), 4);
    else std::memcpy(gp.get_data_ptr(), mgmt_results_.data() + off, 4);
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  delay += cfg_.local_latency;
  mem_access(gp, true);
}

// The core drives the tensor block while a MATMUL is in flight or the tensor
// engine runs; otherwise the management core may (stream port, result window).
bool NeuronCore::core_owns_tensor() const {
  return mm_outstanding_ > 0 || !mm_tiles_q_.empty() || !wfeed_.empty() || wfeed_busy_ || eng_[kTensor].running;
}

void NeuronCore::sport_b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  if (core_owns_tensor()) {
    gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);  // the port reports a refused row
    return;
  }
  block_weights_stale_ = true;
  tensor_stream_->b_transport(gp, delay);
}

unsigned NeuronCore::local_dbg(tlm::tlm_generic_payload& gp) {
  return mem_access(gp, false) ? gp.get_data_length() : 0;
}

// --- control registers ----------------------------------------------------------------------

uint32_t NeuronCore::hw_in(uint32_t off) const {
  switch (off) {
    case creg::CONFIG_OFFSET:
      return (isa::kNumEngines << creg::CONFIG_NUM_ENGINES_LSB) |
             (uint32_t(dmas_.size()) << creg::CONFIG_NUM_DMA_LSB) |
             (cfg_.core.semaphores << creg::CONFIG_NUM_SEMS_LSB);
    case creg::STATUS_OFFSET: {
      uint32_t run = 0, dn = 0;
      for (unsigned e = 0; e < isa::kNumEngines; ++e) {
        run |= uint32_t(eng_[e].running) << e;
        dn |= uint32_t(eng_[e].done) << e;
      }
      return (run << creg::STATUS_RUNNING_LSB) | (dn << creg::STATUS_DONE_LSB) |
             (error_engines_ << creg::STATUS_ERROR_LSB) | (uint32_t(stopped_) << creg::STATUS_STOPPED_LSB);
    }
    case creg::ERR_CODE_OFFSET:
      if (!error_) return 0;
      return (uint32_t(error_->code) << creg::ERR_CODE_CODE_LSB) |
             ((uint32_t(std::max(error_->engine, 0)) & creg::ERR_CODE_ENGINE_MASK) << creg::ERR_CODE_ENGINE_LSB);
    case creg::ERR_INDEX_OFFSET: return error_ ? uint32_t(std::max(error_->index, 0L)) : 0;
    case creg::SEM_VALUE_OFFSET: {
      const uint32_t i = regs_.stored(creg::SEM_INDEX_OFFSET) & creg::SEM_INDEX_INDEX_MASK;
      return i < cfg_.core.semaphores ? const_cast<isa::CoreState&>(st_).sem(i) : 0;
    }
    default: break;
  }
  if (off >= creg::E0_PROG_LO_OFFSET && off < creg::E0_PROG_LO_OFFSET + 0x10 * isa::kNumEngines &&
      (off - creg::E0_PROG_LO_OFFSET) % 0x10 == creg::E0_PC_OFFSET - creg::E0_PROG_LO_OFFSET)
    return eng_[(off - creg::E0_PROG_LO_OFFSET) / 0x10].pc;
  return 0;
}

void NeuronCore::on_ctrl_write(uint32_t off, uint32_t value, uint32_t /*mask*/) {
  if (off == creg::CTRL_OFFSET) {
    start((value >> creg::CTRL_START_LSB) & creg::CTRL_START_MASK);
  } else if (off == creg::SEM_WRITE_OFFSET) {
    const uint32_t i = regs_.stored(creg::SEM_INDEX_OFFSET) & creg::SEM_INDEX_INDEX_MASK;
    if (i < cfg_.core.semaphores) {
      st_.sem(i) = value;
      sem_changed();
    }
  } else if (off == creg::INTR_STATE_OFFSET || off == creg::INTR_ENABLE_OFFSET) {
    update_irq();
  }
}

void NeuronCore::update_irq() { irq_ev_.notify(SC_ZERO_TIME); }

void NeuronCore::irq_method() {
  irq.write((regs_.stored(creg::INTR_STATE_OFFSET) & regs_.stored(creg::INTR_ENABLE_OFFSET)) != 0);
}

}  // namespace trnsim::chip
