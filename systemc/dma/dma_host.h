// A host for any DmaBlock (DmaTlm, the RTL wrapper, lockstep): a memory, a
// CSR initiator and firmware-style helpers. Used by the tests
// (testbenches/dma/dma_tlm_tb.h forwards here) and by `trnsim dma`
// (systemc/app).
//
//   trnsim::Memory  <- MemRecorder <- dut.mem     (every payload the DUT issued)
//   DmaTb::csr (initiator)          -> dut.csr
//   dut.irq -> irq signal (edges recorded)
//
// and firmware-style helpers mirroring cosim::DmaDriver (setup_queue, push,
// push_many, wait_queue, queue_status, counters, ...), callable from the test
// body, which runs in an SC_THREAD. run_tb(dut, cfg, body) elaborates the
// bench, runs the simulation and rethrows the body's exception, or throws a
// clear error if the body never finished (time limit or no more events).
//
// A sparse address space (e.g. a scenario whose rings sit at 0xF0000000 and
// whose data is near 0) fits a small Memory through DmaTbConfig::remap: the
// recorder and the backdoor helpers (mem_write, mem_read, push_many) map the
// DUT's addresses onto the memory; an access the map refuses is answered
// TLM_ADDRESS_ERROR_RESPONSE. The recorder keeps the DUT's addresses.
//
// Header only (link trnsim::memory and trnsim::dma_regs).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/tlm_util.h"
#include "dma/dma_block.h"
#include "dma_regs.hpp"
#include "mem/memory.h"

namespace trnsim::dma::tb {

namespace dregs = trnsim::regs::dma;

// One descriptor (layout "desc" of rtl/regs/dma.json).
struct Desc {
  uint64_t src = 0, dst = 0;
  uint32_t len = 0;
  uint32_t rows = 1;  // 16-bit field
  uint32_t src_stride = 0, dst_stride = 0;
  bool irq = false, last = false, cpl = false;
  std::array<uint8_t, 32> encode() const {
    std::array<uint8_t, 32> b{};
    auto put = [&](uint32_t off, uint32_t v) {
      for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    put(dregs::DESC_SRC_LO_OFFSET, static_cast<uint32_t>(src));
    put(dregs::DESC_SRC_HI_OFFSET, static_cast<uint32_t>(src >> 32));
    put(dregs::DESC_DST_LO_OFFSET, static_cast<uint32_t>(dst));
    put(dregs::DESC_DST_HI_OFFSET, static_cast<uint32_t>(dst >> 32));
    put(dregs::DESC_LEN_OFFSET, len);
    put(dregs::DESC_CTRL_OFFSET,
        (rows & dregs::DESC_CTRL_ROWS_MASK) << dregs::DESC_CTRL_ROWS_LSB |
            uint32_t(irq) << dregs::DESC_CTRL_IRQ_LSB | uint32_t(last) << dregs::DESC_CTRL_LAST_LSB |
            uint32_t(cpl) << dregs::DESC_CTRL_CPL_LSB);
    put(dregs::DESC_SRC_STRIDE_OFFSET, src_stride);
    put(dregs::DESC_DST_STRIDE_OFFSET, dst_stride);
    return b;
  }
};

struct Window {
  uint64_t base = 0, limit = 0;  // [base, limit)
};

struct QueueSetup {
  uint64_t ring_base = 0;
  uint32_t entries = 0;
  uint64_t cpl_base = 0;
  std::array<Window, 2> windows{};
};

struct QueueStatus {
  bool busy = false, error = false, paused = false;
  uint32_t code = 0;
  uint32_t head = 0;
  uint64_t err_addr = 0;
};

struct Counters {
  uint32_t bytes_moved = 0, descs_done = 0, busy_cycles = 0, stall_cycles = 0, errors = 0;
};

// One payload the DUT issued on its mem socket.
struct MemTxn {
  bool write = false;
  uint64_t addr = 0;
  unsigned len = 0;
  std::vector<uint8_t> data;  // write data / read data returned
  std::vector<uint8_t> be;    // trnsim::byte_enables(): empty = all enabled
  tlm::tlm_response_status resp = tlm::TLM_INCOMPLETE_RESPONSE;
  sc_core::sc_time start, end;  // request time and response time (delay annotated)
  std::string str() const {
    std::ostringstream os;
    os << (write ? "W" : "R") << " 0x" << std::hex << addr << std::dec << " len " << len
       << (be.empty() ? "" : " (strobed)") << " resp " << int(tlm_to_axi(resp)) << " @" << start;
    return os.str();
  }
};

// Maps [addr, addr + len) of the DUT's address space onto the memory's;
// false: not mapped (answered TLM_ADDRESS_ERROR_RESPONSE).
using AddressMap = std::function<bool(uint64_t addr, uint64_t len, uint64_t& mapped)>;

// Pass-through that records every payload (in issue order, per channel).
class MemRecorder : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<MemRecorder> in;
  tlm_utils::simple_initiator_socket<MemRecorder> out;
  std::vector<MemTxn> reads, writes;
  bool keep_data = true;  // false: record addresses and lengths only (long runs)
  AddressMap remap;       // empty: addresses pass unchanged

  explicit MemRecorder(sc_core::sc_module_name n) : sc_module(n), in("in"), out("out") {
    in.register_b_transport(this, &MemRecorder::b_transport);
    in.register_transport_dbg(this, &MemRecorder::transport_dbg);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    MemTxn t;
    t.write = gp.is_write();
    t.addr = gp.get_address();
    t.len = gp.get_data_length();
    t.start = sc_core::sc_time_stamp() + delay;
    if (keep_data) t.be = byte_enables(gp);
    if (t.write && keep_data) t.data.assign(gp.get_data_ptr(), gp.get_data_ptr() + t.len);
    uint64_t mapped = t.addr;
    if (remap && !remap(t.addr, t.len, mapped)) {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    } else {
      gp.set_address(mapped);
      out->b_transport(gp, delay);
      gp.set_address(t.addr);
    }
    t.resp = gp.get_response_status();
    t.end = sc_core::sc_time_stamp() + delay;
    if (!t.write && keep_data) t.data.assign(gp.get_data_ptr(), gp.get_data_ptr() + t.len);
    (t.write ? writes : reads).push_back(std::move(t));
  }
  unsigned transport_dbg(tlm::tlm_generic_payload& gp) {
    const uint64_t a = gp.get_address();
    uint64_t mapped = a;
    if (remap && !remap(a, gp.get_data_length(), mapped)) return 0;
    gp.set_address(mapped);
    const unsigned n = out->transport_dbg(gp);
    gp.set_address(a);
    return n;
  }
};

struct DmaTbConfig {
  MemoryConfig mem;            // base, size, latency, jitter, seed
  unsigned csr_cycles = 2;     // extra cycles per CSR access (the AXI4-Lite round trip)
  unsigned poll_cycles = 16;   // wait_queue polling interval
  sc_core::sc_time time_limit = sc_core::sc_time(50, sc_core::SC_MS);
  AddressMap remap;            // see the file comment; empty: identity
};

class DmaTb : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DmaTb);
  Memory memory;
  MemRecorder recorder;
  tlm_utils::simple_initiator_socket<DmaTb> csr;
  sc_core::sc_signal<bool> irq_sig;
  std::vector<std::pair<sc_core::sc_time, bool>> irq_edges;

  DmaTb(sc_core::sc_module_name n, DmaBlock& dut, const DmaTbConfig& cfg,
        std::function<void(DmaTb&)> body)
      : sc_module(n), memory("memory", cfg.mem), recorder("recorder"), csr("csr"), irq_sig("irq_sig"),
        dut_(dut), cfg_(cfg), body_(std::move(body)) {
    dut.mem.bind(recorder.in);
    recorder.out.bind(memory.socket);
    csr.bind(dut.csr);
    dut.irq.bind(irq_sig);
    recorder.remap = cfg.remap;
    SC_THREAD(main);
    SC_METHOD(on_irq);
    sensitive << irq_sig;
    dont_initialize();
  }

  DmaBlock& dut() { return dut_; }
  const DmaBlockConfig& dut_config() const { return dut_.config(); }
  bool finished() const { return finished_; }
  std::exception_ptr error() const { return error_; }

  // --- backdoor memory access in the DUT's address space (through remap);
  // throws std::out_of_range naming the address if it is not mapped ---
  void mem_write(uint64_t addr, const void* src, uint64_t len) {
    memory.write_bytes(mapped(addr, len), src, len);
  }
  void mem_read(uint64_t addr, void* dst, uint64_t len) const {
    memory.read_bytes(mapped(addr, len), dst, len);
  }
  std::vector<uint8_t> mem_read_vec(uint64_t addr, uint64_t len) const {
    std::vector<uint8_t> v(len);
    if (len) mem_read(addr, v.data(), len);
    return v;
  }

  // --- time ---
  uint64_t cycle() const { return sc_core::sc_time_stamp() / dut_.config().period; }
  void wait_cycles(uint64_t n) { wait(dut_.config().period * static_cast<double>(n)); }
  bool irq() const { return irq_sig.read(); }
  // Waits for irq high; throws naming the wait after max_cycles.
  void wait_irq(uint64_t max_cycles, const std::string& what = "irq") {
    if (irq_sig.read()) return;
    const sc_core::sc_time limit = dut_.config().period * static_cast<double>(max_cycles);
    wait(limit, irq_sig.posedge_event());
    if (!irq_sig.read())
      throw std::runtime_error(std::string(dut_.name()) + ": waited " + std::to_string(max_cycles) +
                               " cycles for " + what + ", irq still low at cycle " +
                               std::to_string(cycle()));
  }

  // --- CSRs ---
  uint32_t csr_read(uint32_t addr, tlm::tlm_response_status* st = nullptr) {
    uint32_t v = 0;
    const auto s = csr_access(tlm::TLM_READ_COMMAND, addr, v, 0xF);
    if (st) *st = s;
    return v;
  }
  tlm::tlm_response_status csr_write(uint32_t addr, uint32_t data, uint8_t strb = 0xF) {
    return csr_access(tlm::TLM_WRITE_COMMAND, addr, data, strb);
  }
  static uint32_t qreg(unsigned q, uint32_t q0_offset) {
    return q0_offset + q * (dregs::Q1_CTRL_OFFSET - dregs::Q0_CTRL_OFFSET);
  }

  // --- firmware sequence (docs/dma.md), as cosim::DmaDriver ---
  void setup_queue(unsigned q, const QueueSetup& s, bool enable = true) {
    check_q(q);
    setup_[q] = s;
    csr_write(qreg(q, dregs::Q0_RING_BASE_LO_OFFSET), static_cast<uint32_t>(s.ring_base));
    csr_write(qreg(q, dregs::Q0_RING_BASE_HI_OFFSET), static_cast<uint32_t>(s.ring_base >> 32));
    csr_write(qreg(q, dregs::Q0_RING_SIZE_OFFSET), s.entries);
    csr_write(qreg(q, dregs::Q0_CPL_BASE_LO_OFFSET), static_cast<uint32_t>(s.cpl_base));
    csr_write(qreg(q, dregs::Q0_CPL_BASE_HI_OFFSET), static_cast<uint32_t>(s.cpl_base >> 32));
    const uint32_t ws = dregs::Q0_WIN1_BASE_LO_OFFSET - dregs::Q0_WIN0_BASE_LO_OFFSET;
    for (unsigned w = 0; w < 2; ++w) {
      const Window& win = s.windows[w];
      csr_write(qreg(q, dregs::Q0_WIN0_BASE_LO_OFFSET + w * ws), static_cast<uint32_t>(win.base));
      csr_write(qreg(q, dregs::Q0_WIN0_BASE_HI_OFFSET + w * ws), static_cast<uint32_t>(win.base >> 32));
      csr_write(qreg(q, dregs::Q0_WIN0_LIMIT_LO_OFFSET + w * ws), static_cast<uint32_t>(win.limit));
      csr_write(qreg(q, dregs::Q0_WIN0_LIMIT_HI_OFFSET + w * ws), static_cast<uint32_t>(win.limit >> 32));
    }
    tail_[q] = csr_read(qreg(q, dregs::Q0_HEAD_OFFSET));
    enable_queue(q, enable);
  }
  void enable_queue(unsigned q, bool enable) {
    csr_write(qreg(q, dregs::Q0_CTRL_OFFSET), enable ? (1u << dregs::Q0_CTRL_ENABLE_LSB) : 0);
  }
  // Disable, RESET, TAIL = 0, enable again as before.
  void reset_queue(unsigned q) {
    const uint32_t en = csr_read(qreg(q, dregs::Q0_CTRL_OFFSET)) & (1u << dregs::Q0_CTRL_ENABLE_LSB);
    csr_write(qreg(q, dregs::Q0_CTRL_OFFSET), 0);
    csr_write(qreg(q, dregs::Q0_CTRL_OFFSET), 1u << dregs::Q0_CTRL_RESET_LSB);
    tail_[q] = 0;
    csr_write(qreg(q, dregs::Q0_TAIL_OFFSET), 0);
    csr_write(qreg(q, dregs::Q0_CTRL_OFFSET), en);
  }
  void resume_queue(unsigned q) {
    const uint32_t en = csr_read(qreg(q, dregs::Q0_CTRL_OFFSET)) & (1u << dregs::Q0_CTRL_ENABLE_LSB);
    csr_write(qreg(q, dregs::Q0_CTRL_OFFSET), en | (1u << dregs::Q0_CTRL_RESUME_LSB));
  }
  // Descriptors into the ring at the software tail (backdoor), then one doorbell.
  void push_many(unsigned q, const std::vector<Desc>& ds) {
    check_q(q);
    const QueueSetup& s = setup_[q];
    if (s.entries == 0)
      throw std::logic_error("DmaTb::push: queue " + std::to_string(q) + " not set up");
    for (const Desc& d : ds) {
      const auto b = d.encode();
      mem_write(s.ring_base + uint64_t{tail_[q]} * dregs::DESC_SIZE, b.data(), b.size());
      tail_[q] = (tail_[q] + 1) % s.entries;
    }
    csr_write(qreg(q, dregs::Q0_TAIL_OFFSET), tail_[q]);
  }
  uint32_t push(unsigned q, const Desc& d) {
    const uint32_t idx = tail_[q];
    push_many(q, {d});
    return idx;
  }
  uint32_t sw_tail(unsigned q) const { return tail_[q]; }
  void set_sw_tail(unsigned q, uint32_t t) { tail_[q] = t; }

  QueueStatus queue_status(unsigned q) {
    QueueStatus st;
    const uint32_t s = csr_read(qreg(q, dregs::Q0_STATUS_OFFSET));
    st.busy = (s >> dregs::Q0_STATUS_BUSY_LSB) & 1;
    st.error = (s >> dregs::Q0_STATUS_ERROR_LSB) & 1;
    st.paused = (s >> dregs::Q0_STATUS_PAUSED_LSB) & 1;
    st.code = (s >> dregs::Q0_STATUS_CODE_LSB) & dregs::Q0_STATUS_CODE_MASK;
    st.head = csr_read(qreg(q, dregs::Q0_HEAD_OFFSET));
    st.err_addr = csr_read(qreg(q, dregs::Q0_ERR_ADDR_LO_OFFSET)) |
                  uint64_t{csr_read(qreg(q, dregs::Q0_ERR_ADDR_HI_OFFSET))} << 32;
    return st;
  }
  Counters counters() {
    Counters c;
    c.bytes_moved = csr_read(dregs::BYTES_MOVED_OFFSET);
    c.descs_done = csr_read(dregs::DESCS_DONE_OFFSET);
    c.busy_cycles = csr_read(dregs::BUSY_CYCLES_OFFSET);
    c.stall_cycles = csr_read(dregs::STALL_CYCLES_OFFSET);
    c.errors = csr_read(dregs::ERRORS_OFFSET);
    return c;
  }
  // Polls until HEAD == software tail or the queue stopped (error or pause)
  // and the engine is no longer busy with it; throws after max_cycles.
  QueueStatus wait_queue(unsigned q, uint64_t max_cycles = 2000000) {
    const uint64_t start = cycle();
    for (;;) {
      const QueueStatus st = queue_status(q);
      if (!st.busy && (st.error || st.paused || st.head == tail_[q])) return st;
      if (cycle() - start > max_cycles) {
        std::ostringstream os;
        os << dut_.name() << " (" << dut_.fidelity() << "): queue " << q << " still running at cycle "
           << cycle() << " after " << max_cycles << " cycles (HEAD " << st.head << ", TAIL "
           << tail_[q] << ", busy " << st.busy << ")";
        throw std::runtime_error(os.str());
      }
      wait_cycles(cfg_.poll_cycles);
    }
  }
  void wait_all(unsigned mask, uint64_t max_cycles = 4000000) {
    for (unsigned q = 0; q < 4; ++q)
      if ((mask >> q) & 1) wait_queue(q, max_cycles);
  }

 private:
  uint64_t mapped(uint64_t addr, uint64_t len) const {
    uint64_t m = addr;
    if (cfg_.remap && !cfg_.remap(addr, len, m)) {
      std::ostringstream os;
      os << "DmaTb: backdoor access at 0x" << std::hex << addr << std::dec << " (" << len
         << " bytes) is outside the mapped memory";
      throw std::out_of_range(os.str());
    }
    return m;
  }
  void check_q(unsigned q) const {
    if (q >= 4) throw std::invalid_argument("DmaTb: queue " + std::to_string(q) + " (0..3)");
  }
  tlm::tlm_response_status csr_access(tlm::tlm_command cmd, uint32_t addr, uint32_t& v,
                                      uint8_t strb) {
    tlm::tlm_generic_payload gp;
    unsigned char data[4], be[4];
    std::memcpy(data, &v, 4);
    bool use_be = cmd == tlm::TLM_WRITE_COMMAND && strb != 0xF;
    for (unsigned i = 0; i < 4; ++i) be[i] = ((strb >> i) & 1) ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
    set_payload(gp, cmd, addr, data, 4, use_be ? be : nullptr, use_be ? 4 : 0);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    csr->b_transport(gp, delay);
    wait(delay + dut_.config().period * static_cast<double>(cfg_.csr_cycles));
    if (cmd == tlm::TLM_READ_COMMAND) std::memcpy(&v, data, 4);
    return gp.get_response_status();
  }
  void main() {
    try {
      body_(*this);
    } catch (...) {
      error_ = std::current_exception();
    }
    finished_ = true;
    sc_core::sc_stop();
  }
  void on_irq() { irq_edges.emplace_back(sc_core::sc_time_stamp(), irq_sig.read()); }

  DmaBlock& dut_;
  DmaTbConfig cfg_;
  std::function<void(DmaTb&)> body_;
  bool finished_ = false;
  std::exception_ptr error_;
  std::array<uint32_t, 4> tail_{};
  std::array<QueueSetup, 4> setup_{};
};

// Elaborates a DmaTb around `dut`, runs until the body returns (sc_stop) or
// cfg.time_limit, and rethrows the body's exception; throws if the body did
// not finish. Returns the bench (owned by the caller; inspect its recorder,
// memory and irq edges after the run). Call once per test case.
inline std::unique_ptr<DmaTb> run_tb(DmaBlock& dut, const DmaTbConfig& cfg,
                                     std::function<void(DmaTb&)> body) {
  auto tb = std::make_unique<DmaTb>("tb", dut, cfg, std::move(body));
  sc_core::sc_start(cfg.time_limit);
  if (tb->error()) std::rethrow_exception(tb->error());
  if (!tb->finished()) {
    std::ostringstream os;
    os << "DMA testbench (" << dut.name() << ", " << dut.fidelity()
       << "): the test body did not finish; simulation stopped at " << sc_core::sc_time_stamp()
       << (sc_core::sc_time_stamp() >= cfg.time_limit ? " (time limit " : " (no more events; limit ")
       << cfg.time_limit << ")";
    throw std::runtime_error(os.str());
  }
  return tb;
}

}  // namespace trnsim::dma::tb
