// TensorRtlTlm: the Verilated tensor engine behind the TensorBlock sockets.
// Bit-exact GEMMs against the golden model, cycle-exact delays against the
// cycle formula, clock gating and the quantum leaving results and cycle
// counts unchanged, waveform windows, and bad input.
//
// Each TEST_CASE elaborates at most one SystemC world; the comparisons across
// quanta and gating settings run each world in a forked child process and
// compare what the children report.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/tlm_util.h"
#include "numerics/numerics.h"
#include "tensor/tensor_driver.h"
#include "tensor/tensor_rtl_tlm.h"
#include "tensor/tensor_timing.h"
#include "tensor_regs.hpp"

namespace {

using namespace sc_core;
namespace nm = trnsim::numerics;
namespace regs = trnsim::regs::tensor;
using trnsim::cosim::TensorRtlTlm;
using trnsim::cosim::TensorRtlTlmOptions;
using trnsim::tensor::TensorBlockConfig;

TensorBlockConfig block_config(const std::string& name) {
  for (const auto& c : trnsim::cosim::tensor_rtl_configs())
    if (c.name == name) {
      TensorBlockConfig b;
      b.rtl_config = c.name;
      b.rows = c.rows;
      b.cols = c.cols;
      b.psum_depth = c.psum_depth;
      b.cmd_depth = c.cmd_depth;
      return b;
    }
  throw std::invalid_argument("no configuration " + name);
}

uint64_t cycles_of(const sc_time& t, const sc_time& p) { return t.value() / p.value(); }
bool whole_cycles(const sc_time& t, const sc_time& p) { return t.value() % p.value() == 0; }

// --- The initiator: CSR and stream writes with a quantum keeper ------------
struct Host : sc_module {
  tlm_utils::simple_initiator_socket<Host> csr, stream;
  tlm_utils::tlm_quantumkeeper qk;
  sc_time period;
  bool misaligned_end = false;  // a transaction ended off a cycle boundary
  std::function<void(Host&)> body;

  SC_HAS_PROCESS(Host);
  Host(sc_module_name n, sc_time p) : sc_module(n), csr("csr"), stream("stream"), period(p) {
    SC_THREAD(run);
  }
  void run() {
    qk.reset();
    if (body) body(*this);
    qk.sync();
  }
  sc_time now() { return qk.get_current_time(); }
  // Returns the delay the call added; throws on an error response.
  sc_time transport(tlm_utils::simple_initiator_socket<Host>& s, tlm::tlm_generic_payload& gp) {
    sc_time d = qk.get_local_time();
    const sc_time before = d;
    s->b_transport(gp, d);
    if (!whole_cycles(sc_time_stamp() + d, period)) misaligned_end = true;
    qk.set(d);
    if (qk.need_sync()) qk.sync();
    return d - before;
  }
  tlm::tlm_response_status csr_access(bool write, uint32_t addr, uint32_t& data,
                                      sc_time* took = nullptr) {
    tlm::tlm_generic_payload gp;
    unsigned char buf[4];
    std::memcpy(buf, &data, 4);
    trnsim::set_payload(gp, write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND, addr, buf, 4);
    const sc_time t = transport(csr, gp);
    if (took) *took = t;
    if (!write) std::memcpy(&data, buf, 4);
    return gp.get_response_status();
  }
  void write(uint32_t addr, uint32_t v, sc_time* took = nullptr) {
    if (csr_access(true, addr, v, took) != tlm::TLM_OK_RESPONSE)
      throw std::runtime_error("CSR write failed");
  }
  uint32_t read(uint32_t addr) {
    uint32_t v = 0;
    if (csr_access(false, addr, v) != tlm::TLM_OK_RESPONSE) throw std::runtime_error("CSR read failed");
    return v;
  }
  tlm::tlm_response_status stream_write(uint64_t addr, std::vector<unsigned char>& bytes,
                                        tlm::tlm_command cmd = tlm::TLM_WRITE_COMMAND) {
    tlm::tlm_generic_payload gp;
    trnsim::set_payload(gp, cmd, addr, bytes.data(), static_cast<unsigned>(bytes.size()));
    transport(stream, gp);
    return gp.get_response_status();
  }
  void idle_for(const sc_time& t) { qk.inc(t); if (qk.need_sync()) qk.sync(); }
};

// --- The result target --------------------------------------------------------
struct ResultRow {
  uint64_t addr = 0;
  uint64_t cycle = 0;  // cycle the row was offered (annotated time)
  std::vector<uint32_t> data;
};

struct Sink : sc_module {
  tlm_utils::simple_target_socket<Sink> sock;
  sc_time period, latency = SC_ZERO_TIME;
  bool fail = false;
  std::size_t expected = 0;
  std::vector<ResultRow> rows;
  sc_event done;

  Sink(sc_module_name n, sc_time p) : sc_module(n), sock("sock"), period(p) {
    sock.register_b_transport(this, &Sink::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
    ResultRow r;
    r.addr = gp.get_address();
    r.cycle = cycles_of(sc_time_stamp() + delay, period);
    r.data.resize(gp.get_data_length() / 4);
    std::memcpy(r.data.data(), gp.get_data_ptr(), r.data.size() * 4);
    rows.push_back(r);
    delay += latency;
    gp.set_response_status(fail ? tlm::TLM_GENERIC_ERROR_RESPONSE : tlm::TLM_OK_RESPONSE);
    if (expected && rows.size() == expected) done.notify(delay);
  }
};

// Records irq edges (cycle, level).
struct IrqMon : sc_module {
  sc_in<bool> irq;
  sc_time period;
  std::vector<std::pair<uint64_t, bool>> edges;
  SC_HAS_PROCESS(IrqMon);
  IrqMon(sc_module_name n, sc_time p) : sc_module(n), irq("irq"), period(p) {
    SC_METHOD(on_change);
    sensitive << irq;
    dont_initialize();
  }
  void on_change() { edges.emplace_back(cycles_of(sc_time_stamp(), period), irq.read()); }
};

// One world: the block, a host, a sink, the irq.
struct World {
  TensorBlockConfig cfg;
  TensorRtlTlm dut;
  Host host;
  Sink sink;
  IrqMon mon;
  sc_signal<bool> irq_sig{"irq_sig"};
  World(const TensorBlockConfig& c, const TensorRtlTlmOptions& opt = {})
      : cfg(c), dut("tensor0", c, opt), host("host", c.period), sink("sink", c.period),
        mon("mon", c.period) {
    host.csr.bind(dut.csr);
    host.stream.bind(dut.stream);
    dut.result.bind(sink.sock);
    dut.irq.bind(irq_sig);
    mon.irq.bind(irq_sig);
  }
};

// --- Commands and GEMM tiling (as TensorDriver::gemm) --------------------------
uint32_t fld(uint32_t v, uint32_t lsb, uint32_t mask) { return (v & mask) << lsb; }

struct Cmd {
  uint32_t cfg = 0, shape = 0, psum = 0;
  std::vector<unsigned char> w, a;  // stream bytes
};

uint32_t cfg_word(nm::Dtype da, nm::Dtype dw, bool load_w, bool acc, bool emit, bool irq) {
  return fld(static_cast<uint32_t>(da), regs::CMD_CFG_DTYPE_A_LSB, regs::CMD_CFG_DTYPE_A_MASK) |
         fld(static_cast<uint32_t>(dw), regs::CMD_CFG_DTYPE_W_LSB, regs::CMD_CFG_DTYPE_W_MASK) |
         fld(load_w, regs::CMD_CFG_LOAD_W_LSB, regs::CMD_CFG_LOAD_W_MASK) |
         fld(acc, regs::CMD_CFG_ACCUMULATE_LSB, regs::CMD_CFG_ACCUMULATE_MASK) |
         fld(emit, regs::CMD_CFG_EMIT_LSB, regs::CMD_CFG_EMIT_MASK) |
         fld(irq, regs::CMD_CFG_IRQ_LSB, regs::CMD_CFG_IRQ_MASK);
}
uint32_t shape_word(uint32_t m, uint32_t k) {
  return fld(m, regs::CMD_SHAPE_M_ROWS_LSB, regs::CMD_SHAPE_M_ROWS_MASK) |
         fld(k, regs::CMD_SHAPE_K_ROWS_LSB, regs::CMD_SHAPE_K_ROWS_MASK);
}
void put16(std::vector<unsigned char>& v, uint16_t x) {
  v.push_back(static_cast<unsigned char>(x));
  v.push_back(static_cast<unsigned char>(x >> 8));
}

struct Emit {
  std::size_t m0, n0, rows;
};

struct Gemm {
  std::size_t m, k, n;
  nm::Dtype dt = nm::Dtype::kBf16;
  std::vector<uint16_t> a, b;
  std::vector<Cmd> cmds;
  std::vector<Emit> emits;
  std::size_t result_rows = 0;

  Gemm(const TensorBlockConfig& cfg, std::size_t m_, std::size_t k_, std::size_t n_,
       uint64_t seed, nm::Dtype d = nm::Dtype::kBf16)
      : m(m_), k(k_), n(n_), dt(d) {
    std::mt19937_64 rng(seed);
    auto gen = [&](std::size_t count) {
      std::vector<uint16_t> v(count);
      for (auto& x : v)
        do {
          x = dt == nm::Dtype::kBf16 ? static_cast<uint16_t>(((rng() & 1) << 15) |
                                                             ((112 + rng() % 30) << 7) | (rng() & 0x7F))
                                     : static_cast<uint16_t>(rng() & 0xFF);
        } while ((nm::widen_to_fp32(dt, x) & 0x7F800000u) == 0x7F800000u);
      return v;
    };
    a = gen(m * k);
    b = gen(k * n);
    const std::size_t R = cfg.rows, C = cfg.cols, P = cfg.psum_depth;
    for (std::size_t n0 = 0; n0 < n; n0 += C)
      for (std::size_t m0 = 0; m0 < m; m0 += P) {
        const std::size_t mc = std::min(P, m - m0);
        for (std::size_t k0 = 0; k0 < k; k0 += R) {
          const std::size_t kr = std::min(R, k - k0);
          Cmd c;
          const bool emit = k0 + R >= k;
          c.cfg = cfg_word(dt, dt, true, k0 > 0, emit, false);
          c.shape = shape_word(static_cast<uint32_t>(mc), static_cast<uint32_t>(kr));
          for (std::size_t j = 0; j < kr; ++j)
            for (std::size_t x = 0; x < C; ++x)
              put16(c.w, n0 + x < n ? b[(k0 + j) * n + n0 + x] : 0);
          for (std::size_t i = 0; i < mc; ++i)
            for (std::size_t y = 0; y < R; ++y) put16(c.a, y < kr ? a[(m0 + i) * k + k0 + y] : 0);
          cmds.push_back(std::move(c));
          if (emit) {
            emits.push_back({m0, n0, mc});
            result_rows += mc;
          }
        }
      }
  }

  // START j, the activations of j-1 (j-1 waits in the stream slot), then
  // weights j (the bank j-2 used has drained meanwhile).
  void run(Host& h, sc_time gap = SC_ZERO_TIME) const {
    uint32_t cur_cfg = ~0u, cur_shape = ~0u;
    auto start = [&](const Cmd& c) {
      if (c.cfg != cur_cfg) h.write(regs::CMD_CFG_OFFSET, cur_cfg = c.cfg);
      if (c.shape != cur_shape) h.write(regs::CMD_SHAPE_OFFSET, cur_shape = c.shape);
      h.write(regs::CTRL_OFFSET, 1);
    };
    h.write(regs::CMD_PSUM_OFFSET, 0);
    for (std::size_t j = 0; j < cmds.size(); ++j) {
      start(cmds[j]);
      if (j > 0) {
        auto a_ = cmds[j - 1].a;
        ok(h.stream_write(trnsim::tensor::kActStreamAddr, a_));
      }
      auto w = cmds[j].w;
      ok(h.stream_write(trnsim::tensor::kWeightStreamAddr, w));
      if (gap > SC_ZERO_TIME) h.idle_for(gap);
    }
    auto a_ = cmds.back().a;
    ok(h.stream_write(trnsim::tensor::kActStreamAddr, a_));
  }
  static void ok(tlm::tlm_response_status s) {
    if (s != tlm::TLM_OK_RESPONSE) throw std::runtime_error("stream write refused");
  }

  std::vector<uint32_t> golden(unsigned tile_rows) const {
    std::vector<uint32_t> c(m * n);
    nm::GemmShape s;
    s.m = m;
    s.k = k;
    s.n = n;
    s.tile_rows = tile_rows;
    nm::gemm_ref(s, dt, a.data(), dt, b.data(), c.data(), false);
    return c;
  }

  // C from the result rows, in emission order.
  std::vector<uint32_t> assemble(const std::vector<ResultRow>& rows, unsigned cols) const {
    std::vector<uint32_t> c(m * n, 0xDEADBEEF);
    std::size_t r = 0;
    for (const Emit& e : emits)
      for (std::size_t i = 0; i < e.rows && r < rows.size(); ++i, ++r) {
        if (rows[r].addr != i * cols * 4) return {};  // wrong PSUM row: no match
        for (std::size_t x = 0; x < cols && e.n0 + x < n; ++x)
          c[(e.m0 + i) * n + e.n0 + x] = rows[r].data[x];
      }
    return c;
  }
};

// --- One GEMM run, summarised (for comparisons across worlds) ------------------
struct RunSpec {
  std::string config = "4x4";
  std::size_t m = 20, k = 10, n = 6;
  uint64_t seed = 1;
  sc_time quantum = SC_ZERO_TIME;
  bool skip_idle = true;
  sc_time gap = sc_time(40, SC_NS);  // idle time before each of the two GEMMs
  sc_time sink_latency = SC_ZERO_TIME;
};

struct RunOut {
  std::string digest;  // results, result cycles, irq edges, counters, final cycle
  bool match = false;
  uint64_t clocked = 0, skipped = 0, syncs = 0;
};

RunOut run_gemm(const RunSpec& s) {
  tlm::tlm_global_quantum::instance().set(s.quantum);
  const TensorBlockConfig cfg = block_config(s.config);
  TensorRtlTlmOptions opt;
  opt.skip_idle = s.skip_idle;
  World w(cfg, opt);
  const Gemm g(cfg, s.m, s.k, s.n, s.seed);
  w.sink.latency = s.sink_latency;
  uint32_t busy = 0, macs = 0, done = 0;
  uint64_t end_cycle = 0;
  // The GEMM twice, with idle time (gap) before each: the engine drains
  // and idles, so clock gating has cycles to skip.
  w.host.body = [&](Host& h) {
    h.write(regs::INTR_ENABLE_OFFSET, 1);
    for (int rep = 1; rep <= 2; ++rep) {
      h.idle_for(s.gap);
      w.sink.expected = rep * g.result_rows;
      g.run(h);
      h.qk.sync();
      if (w.sink.rows.size() < w.sink.expected) wait(w.sink.done);
      h.qk.reset();
    }
    busy = h.read(regs::BUSY_CYCLES_OFFSET);
    macs = h.read(regs::MACS_OFFSET);
    done = h.read(regs::CMDS_DONE_OFFSET);
    end_cycle = cycles_of(h.now(), cfg.period);
  };
  sc_start();
  RunOut out;
  const std::vector<ResultRow> first(w.sink.rows.begin(),
                                     w.sink.rows.begin() + std::min(w.sink.rows.size(), g.result_rows));
  const std::vector<ResultRow> second(w.sink.rows.begin() + static_cast<std::ptrdiff_t>(first.size()),
                                      w.sink.rows.end());
  const auto want = g.golden(cfg.rows);
  out.match = w.sink.rows.size() == 2 * g.result_rows && g.assemble(first, cfg.cols) == want &&
              g.assemble(second, cfg.cols) == want;
  std::ostringstream os;
  for (const auto& r : w.sink.rows) {
    os << r.addr << "@" << r.cycle << ":";
    for (uint32_t v : r.data) os << std::hex << v << std::dec << ",";
    os << ";";
  }
  os << "|irq";
  for (const auto& e : w.mon.edges) os << " " << e.first << "=" << e.second;
  os << "|busy " << busy << " macs " << macs << " done " << done << " end " << end_cycle;
  out.digest = os.str();
  out.clocked = w.dut.stats().cycles_clocked;
  out.skipped = w.dut.stats().cycles_skipped;
  out.syncs = w.dut.stats().syncs;
  return out;
}

// Runs f in a child process (its own SystemC world) and returns what it
// printed to the pipe.
std::string in_child(const std::function<std::string()>& f) {
  int fd[2];
  REQUIRE(pipe(fd) == 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fd[0]);
    std::string s;
    try {
      s = f();
    } catch (const std::exception& e) {
      s = std::string("ERROR: ") + e.what();
    }
    const char* p = s.data();
    std::size_t left = s.size();
    while (left) {
      const ssize_t n = ::write(fd[1], p, left);
      if (n <= 0) break;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    close(fd[1]);
    _exit(0);
  }
  close(fd[1]);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return out;
}

std::string run_in_child(const RunSpec& s) {
  return in_child([s] {
    const RunOut r = run_gemm(s);
    return std::string(r.match ? "MATCH " : "MISMATCH ") + "clocked " + std::to_string(r.clocked) +
           " skipped " + std::to_string(r.skipped) + " #" + r.digest;
  });
}
std::string digest_of(const std::string& child) { return child.substr(child.find('#') + 1); }
uint64_t field_of(const std::string& child, const std::string& key) {
  const auto p = child.find(key + " ");
  return p == std::string::npos ? ~0ull : std::stoull(child.substr(p + key.size() + 1));
}

// FST header: start and end time, big-endian u64 at offsets 9 and 17.
bool fst_times(const std::string& path, uint64_t& start, uint64_t& end) {
  std::ifstream f(path, std::ios::binary);
  unsigned char h[25];
  if (!f.read(reinterpret_cast<char*>(h), sizeof h) || h[0] != 0) return false;
  start = end = 0;
  for (int i = 0; i < 8; ++i) {
    start = (start << 8) | h[9 + i];
    end = (end << 8) | h[17 + i];
  }
  return true;
}
long file_size(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  return f ? static_cast<long>(f.tellg()) : -1;
}
std::string tmp_path(const std::string& name) {
  return "/tmp/trnsim_tensor_rtl_tlm_" + std::to_string(getpid()) + "_" + name + ".fst";
}

}  // namespace

// -----------------------------------------------------------------------------

TEST_CASE("tensor rtl tlm: GEMM through the sockets matches the golden model on 4x4",
          "[tensor][rtl_tlm]") {
  RunSpec s;
  s.config = "4x4";
  s.m = 37;
  s.k = 11;
  s.n = 9;
  s.seed = 11;
  s.quantum = sc_time(100, SC_NS);
  CAPTURE(s.seed, s.m, s.k, s.n);
  const RunOut r = run_gemm(s);
  CHECK(r.match);
  CHECK(r.skipped > 0);
}

TEST_CASE("tensor rtl tlm: GEMM through the sockets matches the golden model on 8x8",
          "[tensor][rtl_tlm]") {
  RunSpec s;
  s.config = "8x8";
  s.m = 70;
  s.k = 20;
  s.n = 13;
  s.seed = 12;
  s.quantum = sc_time(1, SC_US);
  s.sink_latency = sc_time(3, SC_NS);  // back-pressure: the FIFO fills, the array stalls
  CAPTURE(s.seed, s.m, s.k, s.n);
  const RunOut r = run_gemm(s);
  CHECK(r.match);
}

TEST_CASE("tensor rtl tlm: single-command cycles match the formula", "[tensor][rtl_tlm][timing]") {
  for (const std::string name : {"4x4", "8x8"}) {
    CAPTURE(name);
    // Each configuration in its own process (one SystemC world each).
    const std::string out = in_child([name] {
      tlm::tlm_global_quantum::instance().set(sc_time(10, SC_NS));
      const TensorBlockConfig cfg = block_config(name);
      World w(cfg);
      const trnsim::tensor::TimingGeometry geo{cfg.rows, cfg.cols};
      std::ostringstream os;
      struct Case {
        bool load_w;
        uint32_t k, m;
      };
      const std::vector<Case> cases = {{true, cfg.rows, 1},
                                       {true, 1, cfg.rows},
                                       {true, cfg.rows, 2 * cfg.rows + 3},
                                       {false, cfg.rows, 5}};
      w.host.body = [&](Host& h) {
        h.write(regs::INTR_ENABLE_OFFSET, 1);
        for (const Case& c : cases) {
          const std::size_t first = w.sink.rows.size();
          w.sink.expected = first + c.m;
          h.write(regs::CMD_CFG_OFFSET,
                  cfg_word(nm::Dtype::kBf16, nm::Dtype::kBf16, c.load_w, false, true, true));
          h.write(regs::CMD_SHAPE_OFFSET, shape_word(c.m, c.k));
          h.write(regs::CMD_PSUM_OFFSET, 0);
          const uint64_t t_start = cycles_of(h.now(), cfg.period);
          sc_time took;
          h.write(regs::CTRL_OFFSET, 1, &took);
          std::vector<unsigned char> wb, ab;
          for (uint32_t i = 0; i < c.k * cfg.cols; ++i) put16(wb, 0x3F80);
          for (uint32_t i = 0; i < c.m * cfg.rows; ++i) put16(ab, 0x3F80);
          if (c.load_w) h.stream_write(trnsim::tensor::kWeightStreamAddr, wb);
          h.stream_write(trnsim::tensor::kActStreamAddr, ab);
          h.qk.sync();
          if (w.sink.rows.size() < w.sink.expected) wait(w.sink.done);
          wait(cfg.period);  // let the irq monitor see this time's edge
          const uint64_t done = w.sink.rows.back().cycle;
          uint64_t irq_at = 0;
          int irq_level = 9;
          for (const auto& e : w.mon.edges)
            if (e.second) irq_at = e.first;
          if (!w.mon.edges.empty()) irq_level = w.mon.edges.back().second;
          const int64_t want =
              trnsim::cosim::kStartDelay +
              trnsim::tensor::single_command_cycles(geo, {0, c.load_w, c.k, c.m});
          os << "case load_w=" << c.load_w << " k=" << c.k << " m=" << c.m << " cycles "
             << (done - t_start) << " want " << want << " start_took "
             << cycles_of(took, cfg.period) << " irq_at " << irq_at << " done " << done
             << " irq_level " << irq_level << "\n";
          h.qk.reset();
          h.write(regs::INTR_STATE_OFFSET, 1);  // clear DONE
          h.idle_for(sc_time(50, SC_NS));
        }
      };
      sc_start();
      os << "misaligned " << w.host.misaligned_end << " skipped " << w.dut.stats().cycles_skipped
         << "\n";
      return os.str();
    });
    INFO(out);
    std::istringstream is(out);
    std::string line;
    int cases = 0;
    while (std::getline(is, line)) {
      if (line.rfind("case", 0) == 0) {
        ++cases;
        CHECK(field_of(line, "cycles") == field_of(line, "want"));
        CHECK(field_of(line, "start_took") == uint64_t(trnsim::cosim::kStartDelay + 1));
        CHECK(field_of(line, "irq_at") == field_of(line, "done"));
        CHECK(field_of(line, "irq_level") == 1);
      } else if (line.rfind("misaligned", 0) == 0) {
        CHECK(field_of(line, "misaligned") == 0);
        CHECK(field_of(line, "skipped") > 0);
      }
    }
    CHECK(cases == 4);
  }
}

TEST_CASE("tensor rtl tlm: idle skipping gives identical results and cycles",
          "[tensor][rtl_tlm][gating]") {
  for (const std::string name : {"4x4", "8x8"}) {
    RunSpec s;
    s.config = name;
    s.m = 24;
    s.k = 12;
    s.n = 10;
    s.seed = 21;
    s.gap = sc_time(60, SC_NS);
    s.quantum = sc_time(100, SC_NS);
    CAPTURE(name, s.seed);
    s.skip_idle = true;
    const std::string on = run_in_child(s);
    s.skip_idle = false;
    const std::string off = run_in_child(s);
    INFO("skip on:  " << on.substr(0, 200));
    INFO("skip off: " << off.substr(0, 200));
    CHECK(on.rfind("MATCH", 0) == 0);
    CHECK(off.rfind("MATCH", 0) == 0);
    CHECK(digest_of(on) == digest_of(off));
    CHECK(field_of(on, "skipped") > 0);
    CHECK(field_of(off, "skipped") == 0);
    CHECK(field_of(on, "clocked") + field_of(on, "skipped") <=
          field_of(off, "clocked") + field_of(off, "skipped"));
  }
}

TEST_CASE("tensor rtl tlm: quantum 0 10 ns and 1 us give identical data and cycles",
          "[tensor][rtl_tlm][quantum]") {
  for (const std::string name : {"4x4", "8x8"}) {
    RunSpec s;
    s.config = name;
    s.m = 24;
    s.k = 12;
    s.n = 10;
    s.seed = 31;
    s.sink_latency = sc_time(2, SC_NS);
    CAPTURE(name, s.seed);
    std::vector<std::string> outs;
    for (const sc_time& q : {SC_ZERO_TIME, sc_time(10, SC_NS), sc_time(1, SC_US)}) {
      s.quantum = q;
      outs.push_back(run_in_child(s));
      INFO("quantum " << q << ": " << outs.back().substr(0, 200));
      CHECK(outs.back().rfind("MATCH", 0) == 0);
    }
    for (std::size_t i = 1; i < outs.size(); ++i) {
      const std::string x = digest_of(outs[0]), y = digest_of(outs[i]);
      std::size_t at = 0;
      while (at < x.size() && at < y.size() && x[at] == y[at]) ++at;
      const std::size_t from = at > 60 ? at - 60 : 0;
      INFO("first difference at " << at << ": quantum 0 '" << x.substr(from, 120) << "' vs '"
                                  << y.substr(from, 120) << "'");
      CHECK(x == y);
    }
  }
}

TEST_CASE("tensor rtl tlm: waveform window by time", "[tensor][rtl_tlm][wave]") {
  tlm::tlm_global_quantum::instance().set(sc_time(50, SC_NS));
  const TensorBlockConfig cfg = block_config("4x4");
  TensorRtlTlmOptions opt;
  opt.wave.path = tmp_path("window");
  opt.wave.from = sc_time(100, SC_NS);
  opt.wave.to = sc_time(300, SC_NS);
  std::remove(opt.wave.path.c_str());
  long size = -1;
  uint64_t t0 = 0, t1 = 0;
  bool ok = false;
  {
    World w(cfg, opt);
    const Gemm g(cfg, 40, 9, 7, 41);
    w.sink.expected = g.result_rows;
    w.host.body = [&](Host& h) {
      g.run(h, sc_time(30, SC_NS));
      h.qk.sync();
      if (w.sink.rows.size() < g.result_rows) wait(w.sink.done);
      h.idle_for(sc_time(200, SC_NS));  // past the window, idle
      h.read(regs::STATUS_OFFSET);
    };
    sc_start();
    CHECK(g.assemble(w.sink.rows, cfg.cols) == g.golden(cfg.rows));
    CHECK(w.dut.cycle() > 300);
    CHECK(w.dut.stats().cycles_skipped > 0);  // gating outside the window
  }
  size = file_size(opt.wave.path);
  ok = fst_times(opt.wave.path, t0, t1);
  CHECK(size > 1000);
  REQUIRE(ok);
  // 2 FST time units per cycle; the window is 200 cycles of 1 ns.
  CHECK(t1 - t0 == 2 * 200);
  std::remove(opt.wave.path.c_str());
}

TEST_CASE("tensor rtl tlm: whole-run waveform covers every cycle", "[tensor][rtl_tlm][wave]") {
  tlm::tlm_global_quantum::instance().set(sc_time(50, SC_NS));
  const TensorBlockConfig cfg = block_config("4x4");
  TensorRtlTlmOptions opt;
  opt.wave.path = tmp_path("whole");
  std::remove(opt.wave.path.c_str());
  uint64_t clocked = 0, skipped = 0, t0 = 0, t1 = 0;
  {
    World w(cfg, opt);
    const Gemm g(cfg, 12, 6, 5, 42);
    w.sink.expected = g.result_rows;
    w.host.body = [&](Host& h) {
      g.run(h, sc_time(30, SC_NS));
      h.qk.sync();
      if (w.sink.rows.size() < g.result_rows) wait(w.sink.done);
    };
    sc_start();
    CHECK(g.assemble(w.sink.rows, cfg.cols) == g.golden(cfg.rows));
    clocked = w.dut.stats().cycles_clocked;
    skipped = w.dut.stats().cycles_skipped;
  }
  REQUIRE(fst_times(opt.wave.path, t0, t1));
  CHECK(skipped == 0);  // the file shows real time: no gating while it is open
  CHECK(t0 == 0);
  CHECK(t1 == 2 * clocked);
  std::remove(opt.wave.path.c_str());
}

TEST_CASE("tensor rtl tlm: history waveform covers N cycles before the irq trigger",
          "[tensor][rtl_tlm][wave]") {
  tlm::tlm_global_quantum::instance().set(sc_time(1, SC_US));
  const TensorBlockConfig cfg = block_config("8x8");
  TensorRtlTlmOptions opt;
  opt.wave.path = tmp_path("history");
  opt.wave.history_cycles = 60;
  opt.wave.trigger = "irq_o=1";
  std::remove(opt.wave.path.c_str());
  uint64_t t0 = 0, t1 = 0, irq_cycle = 0;
  {
    World w(cfg, opt);
    w.sink.expected = 3;
    w.host.body = [&](Host& h) {
      h.write(regs::INTR_ENABLE_OFFSET, 1);
      h.idle_for(sc_time(500, SC_NS));  // skipped idle time, long before the trigger
      h.write(regs::CMD_CFG_OFFSET,
              cfg_word(nm::Dtype::kBf16, nm::Dtype::kBf16, true, false, true, true));
      h.idle_for(sc_time(20, SC_NS));  // skipped idle time inside the history
      h.write(regs::CMD_SHAPE_OFFSET, shape_word(3, 4));
      h.write(regs::CTRL_OFFSET, 1);
      std::vector<unsigned char> wb, ab;
      for (uint32_t i = 0; i < 4 * cfg.cols; ++i) put16(wb, 0x4000);
      for (uint32_t i = 0; i < 3 * cfg.rows; ++i) put16(ab, 0x3F80);
      h.stream_write(trnsim::tensor::kWeightStreamAddr, wb);
      h.stream_write(trnsim::tensor::kActStreamAddr, ab);
      h.qk.sync();
      wait(w.sink.done);
    };
    sc_start();
    REQUIRE(w.sink.rows.size() == 3);
    REQUIRE(!w.mon.edges.empty());
    irq_cycle = w.mon.edges.front().first;
    CHECK(w.dut.stats().cycles_skipped > 500);
    CHECK(irq_cycle > 520);
  }
  REQUIRE(fst_times(opt.wave.path, t0, t1));
  CHECK(file_size(opt.wave.path) > 1000);
  // N cycles before the trigger plus the trigger cycle, 2 time units each.
  CHECK(t1 - t0 == 2 * (60 + 1));
  std::remove(opt.wave.path.c_str());
}

TEST_CASE("tensor rtl tlm: explicit history trigger writes the last N cycles",
          "[tensor][rtl_tlm][wave]") {
  const TensorBlockConfig cfg = block_config("4x4");
  TensorRtlTlmOptions opt;
  opt.wave.path = tmp_path("explicit");
  opt.wave.history_cycles = 25;
  std::remove(opt.wave.path.c_str());
  uint64_t t0 = 0, t1 = 0;
  bool fired = false, again = true;
  {
    World w(cfg, opt);
    w.host.body = [&](Host& h) {
      for (int i = 0; i < 20; ++i) h.read(regs::STATUS_OFFSET);  // 60 cycles
      fired = w.dut.wave_trigger("test");
      again = w.dut.wave_trigger("again");
    };
    sc_start();
  }
  CHECK(fired);
  CHECK_FALSE(again);
  REQUIRE(fst_times(opt.wave.path, t0, t1));
  CHECK(t1 - t0 == 2 * (25 + 1));
  std::remove(opt.wave.path.c_str());
}

TEST_CASE("tensor rtl tlm: an error response on the result socket names the block and row",
          "[tensor][rtl_tlm][errors]") {
  const TensorBlockConfig cfg = block_config("4x4");
  World w(cfg);
  w.sink.fail = true;
  w.host.body = [&](Host& h) {
    h.write(regs::CMD_CFG_OFFSET,
            cfg_word(nm::Dtype::kBf16, nm::Dtype::kBf16, true, false, true, false));
    h.write(regs::CMD_SHAPE_OFFSET, shape_word(2, 4));
    h.write(regs::CMD_PSUM_OFFSET, 5);
    h.write(regs::CTRL_OFFSET, 1);
    std::vector<unsigned char> wb(4 * cfg.cols * 2, 0), ab(2 * cfg.rows * 2, 0);
    h.stream_write(trnsim::tensor::kWeightStreamAddr, wb);
    h.stream_write(trnsim::tensor::kActStreamAddr, ab);
  };
  std::string what;
  try {
    sc_start();
  } catch (const std::exception& e) {
    what = e.what();
  }
  INFO(what);
  CHECK(what.find("tensor0") != std::string::npos);
  CHECK(what.find("PSUM row 5") != std::string::npos);
}

TEST_CASE("tensor rtl tlm: bad stream and CSR accesses are refused", "[tensor][rtl_tlm][errors]") {
  const TensorBlockConfig cfg = block_config("4x4");
  World w(cfg);
  std::vector<tlm::tlm_response_status> got;
  w.host.body = [&](Host& h) {
    std::vector<unsigned char> row(cfg.cols * 2, 0), part(cfg.cols * 2 - 2, 0);
    got.push_back(h.stream_write(trnsim::tensor::kWeightStreamAddr, row, tlm::TLM_READ_COMMAND));
    got.push_back(h.stream_write(0x40, row));
    got.push_back(h.stream_write(trnsim::tensor::kWeightStreamAddr, part));
    uint32_t v = 0;
    got.push_back(h.csr_access(false, 0x2, v));    // misaligned
    got.push_back(h.csr_access(false, 0x400, v));  // beyond the CSR space
    got.push_back(h.csr_access(false, 0xFC, v));   // no register there: SLVERR
    got.push_back(h.csr_access(false, regs::ID_OFFSET, v));
    CHECK(v == regs::ID_RESET);
  };
  sc_start();
  REQUIRE(got.size() == 7);
  CHECK(got[0] == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(got[1] == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(got[2] == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(got[3] == tlm::TLM_BURST_ERROR_RESPONSE);
  CHECK(got[4] == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(got[5] == tlm::TLM_GENERIC_ERROR_RESPONSE);
  CHECK(got[6] == tlm::TLM_OK_RESPONSE);
}

TEST_CASE("tensor rtl tlm: a stream write waits for another initiator's START",
          "[tensor][rtl_tlm][blocking]") {
  tlm::tlm_global_quantum::instance().set(sc_time(20, SC_NS));
  const TensorBlockConfig cfg = block_config("4x4");
  World w(cfg);
  // A second process programs the CSRs through the same socket; the host's
  // own thread streams.
  sc_time stream_done, start_at;
  w.sink.expected = 2;
  std::vector<unsigned char> wb, ab;
  for (uint32_t i = 0; i < 4 * cfg.cols; ++i) put16(wb, 0x3F80);
  for (uint32_t i = 0; i < 2 * cfg.rows; ++i) put16(ab, 0x4000);
  w.host.body = [&](Host& h) {
    h.stream_write(trnsim::tensor::kWeightStreamAddr, wb);  // no command yet: waits
    h.stream_write(trnsim::tensor::kActStreamAddr, ab);
    stream_done = h.now();
  };
  sc_spawn([&] {
    auto write = [&](uint32_t addr, uint32_t v) {
      tlm::tlm_generic_payload gp;
      unsigned char buf[4];
      std::memcpy(buf, &v, 4);
      trnsim::set_payload(gp, tlm::TLM_WRITE_COMMAND, addr, buf, 4);
      sc_time d = SC_ZERO_TIME;
      w.host.csr->b_transport(gp, d);
      wait(d);
    };
    wait(sc_time(300, SC_NS));
    write(regs::CMD_CFG_OFFSET,
          cfg_word(nm::Dtype::kBf16, nm::Dtype::kBf16, true, false, true, false));
    write(regs::CMD_SHAPE_OFFSET, shape_word(2, 4));
    start_at = sc_time_stamp();
    write(regs::CTRL_OFFSET, 1);
  });
  sc_start();
  REQUIRE(w.sink.rows.size() == 2);
  CHECK(stream_done > start_at);
  for (const auto& r : w.sink.rows)
    for (uint32_t v : r.data) CHECK(v == 0x41000000u);  // 4 x (1.0 x 2.0) = 8.0
  // The model did not spin while it waited: the idle time was skipped.
  CHECK(w.dut.stats().cycles_skipped > 250);
}

TEST_CASE("tensor rtl tlm: a stream write nobody will take ends the run without a hang",
          "[tensor][rtl_tlm][blocking]") {
  const TensorBlockConfig cfg = block_config("4x4");
  World w(cfg);
  bool returned = false;
  w.host.body = [&](Host& h) {
    std::vector<unsigned char> ab(3 * cfg.rows * 2, 0);
    h.stream_write(trnsim::tensor::kActStreamAddr, ab);
    returned = true;
  };
  sc_start();  // runs out of events
  CHECK_FALSE(returned);
  CHECK(w.dut.stats().cycles_clocked < 100);
}

TEST_CASE("tensor rtl tlm: a configuration that does not match the RTL is refused",
          "[tensor][rtl_tlm][errors]") {
  TensorBlockConfig cfg = block_config("8x8");
  cfg.cols = 4;
  CHECK_THROWS_WITH(TensorRtlTlm("bad", cfg), Catch::Contains("does not match RTL configuration"));
  cfg = block_config("8x8");
  cfg.rtl_config = "nope";
  CHECK_THROWS_WITH(TensorRtlTlm("bad2", cfg), Catch::Contains("unknown tensor engine"));
}
