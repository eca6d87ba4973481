// bench_tensor_rtl_tlm: what the TLM-2.0 wrapper costs. The same GEMM on the
// same Verilated configuration, run
//   (a) by the bare cycle loop: TensorDriver::gemm (as bench_tensor_rtl), and
//   (b) through TensorRtlTlm in SystemC (quantum --quantum-ns, default 1 us):
//       one initiator thread programs the commands and streams the rows
//       through the csr and stream sockets, a result target collects the rows.
// Both results are checked bit for bit against the golden model (outside the
// timed region). Reports simulated cycles per host second of each and the
// ratio (b)/(a) (target >= 0.5). For (b) the simulated cycles are the block's
// cycles from the first transaction to the last result (clocked + skipped;
// the clocked ones are printed too). Each of --reps runs of (a) uses a fresh
// model; the runs of (b) are consecutive GEMMs in one SystemC world (SystemC
// elaborates once per process), timed one by one.
// Not a test: no CTest entry (scripts/bench, docs/performance.md).
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/tlm_util.h"
#include "numerics/numerics.h"
#include "tensor/tensor_driver.h"
#include "tensor/tensor_rtl_tlm.h"
#include "tensor_regs.hpp"

#include "bench_util.h"

namespace bench = trnsim::bench;

namespace {

using namespace sc_core;
namespace nm = trnsim::numerics;
namespace regs = trnsim::regs::tensor;
using Clock = std::chrono::steady_clock;

const char* kUsage = R"(usage: bench_tensor_rtl_tlm [options]
  --config NAME     prebuilt configuration (default 8x8)
  --m M --k K --n N GEMM shape (default 256 64 64)
  --reps R          timed runs of each form (default 3)
  --seed S          operand seed (default 1)
  --quantum-ns Q    global quantum of the SystemC run (default 1000)
  --json            also print one JSON object (last line of output)
)";

uint64_t parse_u64(const char* opt, const char* s) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (!*s || *end || s[0] == '-') {
    std::fprintf(stderr, "bench_tensor_rtl_tlm: %s: '%s' is not a non-negative integer\n", opt, s);
    std::exit(2);
  }
  return v;
}

using bench::median;

std::vector<uint16_t> gen(std::mt19937_64& rng, std::size_t count) {
  std::vector<uint16_t> v(count);
  for (auto& x : v)
    x = static_cast<uint16_t>(((rng() & 1) << 15) | ((118 + rng() % 18) << 7) | (rng() & 0x7F));
  return v;
}

uint32_t fld(uint32_t v, uint32_t lsb, uint32_t mask) { return (v & mask) << lsb; }
void put16(std::vector<unsigned char>& v, uint16_t x) {
  v.push_back(static_cast<unsigned char>(x));
  v.push_back(static_cast<unsigned char>(x >> 8));
}

// The GEMM as TensorDriver::gemm tiles it: commands with their stream bytes.
struct Cmd {
  uint32_t cfg = 0, shape = 0;
  std::vector<unsigned char> w, a;
};
struct Emit {
  std::size_t m0, n0, rows;
};

struct Plan {
  std::vector<Cmd> cmds;
  std::vector<Emit> emits;
  std::size_t rows = 0;
};

Plan plan(const trnsim::cosim::TensorConfig& cfg, std::size_t m, std::size_t k, std::size_t n,
          const std::vector<uint16_t>& a, const std::vector<uint16_t>& b) {
  Plan p;
  const std::size_t R = cfg.rows, C = cfg.cols, P = cfg.psum_depth;
  const uint32_t dt = static_cast<uint32_t>(nm::Dtype::kBf16);
  for (std::size_t n0 = 0; n0 < n; n0 += C)
    for (std::size_t m0 = 0; m0 < m; m0 += P) {
      const std::size_t mc = std::min(P, m - m0);
      for (std::size_t k0 = 0; k0 < k; k0 += R) {
        const std::size_t kr = std::min(R, k - k0);
        const bool emit = k0 + R >= k;
        Cmd c;
        c.cfg = fld(dt, regs::CMD_CFG_DTYPE_A_LSB, regs::CMD_CFG_DTYPE_A_MASK) |
                fld(dt, regs::CMD_CFG_DTYPE_W_LSB, regs::CMD_CFG_DTYPE_W_MASK) |
                fld(1, regs::CMD_CFG_LOAD_W_LSB, regs::CMD_CFG_LOAD_W_MASK) |
                fld(k0 > 0, regs::CMD_CFG_ACCUMULATE_LSB, regs::CMD_CFG_ACCUMULATE_MASK) |
                fld(emit, regs::CMD_CFG_EMIT_LSB, regs::CMD_CFG_EMIT_MASK);
        c.shape = fld(static_cast<uint32_t>(mc), regs::CMD_SHAPE_M_ROWS_LSB,
                      regs::CMD_SHAPE_M_ROWS_MASK) |
                  fld(static_cast<uint32_t>(kr), regs::CMD_SHAPE_K_ROWS_LSB,
                      regs::CMD_SHAPE_K_ROWS_MASK);
        for (std::size_t j = 0; j < kr; ++j)
          for (std::size_t x = 0; x < C; ++x) put16(c.w, n0 + x < n ? b[(k0 + j) * n + n0 + x] : 0);
        for (std::size_t i = 0; i < mc; ++i)
          for (std::size_t y = 0; y < R; ++y) put16(c.a, y < kr ? a[(m0 + i) * k + k0 + y] : 0);
        p.cmds.push_back(std::move(c));
        if (emit) {
          p.emits.push_back({m0, n0, mc});
          p.rows += mc;
        }
      }
    }
  return p;
}

struct Sink : sc_module {
  tlm_utils::simple_target_socket<Sink> sock;
  std::vector<std::pair<uint64_t, std::vector<uint32_t>>> rows;
  std::size_t expected = 0;
  sc_time last;
  sc_event done;
  explicit Sink(sc_module_name nm_) : sc_module(nm_), sock("sock") {
    sock.register_b_transport(this, &Sink::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
    std::vector<uint32_t> d(gp.get_data_length() / 4);
    std::memcpy(d.data(), gp.get_data_ptr(), d.size() * 4);
    rows.emplace_back(gp.get_address(), std::move(d));
    last = sc_time_stamp() + delay;
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    if (rows.size() == expected) done.notify(delay);
  }
};

struct Host : sc_module {
  tlm_utils::simple_initiator_socket<Host> csr, stream;
  tlm_utils::tlm_quantumkeeper qk;
  std::function<void()> body;
  SC_HAS_PROCESS(Host);
  explicit Host(sc_module_name nm_) : sc_module(nm_), csr("csr"), stream("stream") {
    SC_THREAD(run);
  }
  void run() {
    qk.reset();
    body();
  }
  void transport(tlm_utils::simple_initiator_socket<Host>& s, tlm::tlm_command cmd, uint64_t addr,
                 unsigned char* data, unsigned len) {
    tlm::tlm_generic_payload gp;
    trnsim::set_payload(gp, cmd, addr, data, len);
    sc_time d = qk.get_local_time();
    s->b_transport(gp, d);
    if (gp.is_response_error())
      throw std::runtime_error("transaction at 0x" + std::to_string(addr) + " failed: " +
                               gp.get_response_string());
    qk.set(d);
    if (qk.need_sync()) qk.sync();
  }
  void write(uint32_t addr, uint32_t v) {
    unsigned char b[4];
    std::memcpy(b, &v, 4);
    transport(csr, tlm::TLM_WRITE_COMMAND, addr, b, 4);
  }
  void stream_write(uint64_t addr, std::vector<unsigned char>& bytes) {
    transport(stream, tlm::TLM_WRITE_COMMAND, addr, bytes.data(),
              static_cast<unsigned>(bytes.size()));
  }
};

bool check(const std::vector<uint32_t>& c, const std::vector<uint32_t>& want, const char* what) {
  std::size_t bad = 0;
  for (std::size_t i = 0; i < want.size(); ++i) bad += c[i] != want[i];
  if (bad)
    std::fprintf(stderr, "bench_tensor_rtl_tlm: FAIL: %s: %zu of %zu results differ from the "
                         "golden model; no speed reported\n", what, bad, want.size());
  return bad == 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
  std::string config = "8x8";
  uint64_t m = 256, k = 64, n = 64, reps = 3, seed = 1, quantum_ns = 1000;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_tensor_rtl_tlm: %s needs a value\n%s", a.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") config = value();
    else if (a == "--m") m = parse_u64("--m", value());
    else if (a == "--k") k = parse_u64("--k", value());
    else if (a == "--n") n = parse_u64("--n", value());
    else if (a == "--reps") reps = parse_u64("--reps", value());
    else if (a == "--seed") seed = parse_u64("--seed", value());
    else if (a == "--quantum-ns") quantum_ns = parse_u64("--quantum-ns", value());
    else if (a == "--json") json = true;
    else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_tensor_rtl_tlm: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (m == 0 || k == 0 || n == 0 || reps == 0) {
    std::fprintf(stderr, "bench_tensor_rtl_tlm: M, K, N and --reps must be at least 1\n");
    return 2;
  }

  try {
    std::mt19937_64 rng(seed);
    const std::vector<uint16_t> a = gen(rng, m * k), b = gen(rng, k * n);
    const nm::Dtype dt = nm::Dtype::kBf16;

    // (a) bare loop
    std::vector<double> secs_a;
    uint64_t cycles_a = 0;
    trnsim::cosim::TensorConfig cfg;
    std::vector<uint32_t> want;
    for (uint64_t r = 0; r < reps; ++r) {
      trnsim::cosim::TensorDriver drv(trnsim::cosim::make_tensor_rtl(config));
      cfg = drv.config();
      std::vector<uint32_t> c;
      const uint64_t c0 = drv.cycle();
      const auto t0 = Clock::now();
      drv.gemm(m, k, n, dt, a, dt, b, c, false);
      const auto t1 = Clock::now();
      secs_a.push_back(std::chrono::duration<double>(t1 - t0).count());
      cycles_a = drv.cycle() - c0;
      if (r == 0) {
        want.resize(m * n);
        nm::GemmShape s;
        s.m = m;
        s.k = k;
        s.n = n;
        s.tile_rows = cfg.rows;
        nm::gemm_fast(s, dt, a.data(), dt, b.data(), want.data(), false);
        if (!check(c, want, "TensorDriver")) return 1;
      }
    }

    // (b) through TensorRtlTlm
    tlm::tlm_global_quantum::instance().set(sc_time(static_cast<double>(quantum_ns), SC_NS));
    trnsim::tensor::TensorBlockConfig bc;
    bc.rtl_config = cfg.name;
    bc.rows = cfg.rows;
    bc.cols = cfg.cols;
    bc.psum_depth = cfg.psum_depth;
    bc.cmd_depth = cfg.cmd_depth;
    trnsim::cosim::TensorRtlTlm dut("tensor0", bc);
    Host host("host");
    Sink sink("sink");
    sc_signal<bool> irq("irq");
    host.csr.bind(dut.csr);
    host.stream.bind(dut.stream);
    dut.result.bind(sink.sock);
    dut.irq.bind(irq);
    const Plan p = plan(cfg, m, k, n, a, b);
    std::vector<double> secs_b;
    std::vector<uint64_t> cycles_b, clocked_b;
    bool ok = true;
    host.body = [&] {
      for (uint64_t r = 0; r < reps && ok; ++r) {
        sink.rows.clear();
        sink.expected = p.rows;
        host.qk.sync();
        const uint64_t cyc0 = dut.cycle(), clk0 = dut.stats().cycles_clocked;
        const sc_time start = host.qk.get_current_time();
        const auto t0 = Clock::now();
        uint32_t cur_cfg = ~0u, cur_shape = ~0u;
        auto start_cmd = [&](const Cmd& c) {
          if (c.cfg != cur_cfg) host.write(regs::CMD_CFG_OFFSET, cur_cfg = c.cfg);
          if (c.shape != cur_shape) host.write(regs::CMD_SHAPE_OFFSET, cur_shape = c.shape);
          host.write(regs::CTRL_OFFSET, 1);
        };
        host.write(regs::CMD_PSUM_OFFSET, 0);
        for (std::size_t j = 0; j < p.cmds.size(); ++j) {
          start_cmd(p.cmds[j]);
          if (j > 0) {
            auto rows = p.cmds[j - 1].a;
            host.stream_write(trnsim::tensor::kActStreamAddr, rows);
          }
          auto w = p.cmds[j].w;
          host.stream_write(trnsim::tensor::kWeightStreamAddr, w);
        }
        auto rows = p.cmds.back().a;
        host.stream_write(trnsim::tensor::kActStreamAddr, rows);
        host.qk.sync();
        if (sink.rows.size() < p.rows) wait(sink.done);
        const auto t1 = Clock::now();
        host.qk.reset();
        secs_b.push_back(std::chrono::duration<double>(t1 - t0).count());
        cycles_b.push_back((sink.last - start).value() / bc.period.value() + 1);
        clocked_b.push_back(dut.stats().cycles_clocked - clk0);
        (void)cyc0;
        // Check every run (cheap next to the simulation, outside the timing).
        std::vector<uint32_t> c(m * n, 0);
        std::size_t r_i = 0;
        for (const Emit& e : p.emits)
          for (std::size_t i = 0; i < e.rows; ++i, ++r_i)
            for (std::size_t x = 0; x < cfg.cols && e.n0 + x < n; ++x)
              c[(e.m0 + i) * n + e.n0 + x] = sink.rows[r_i].second[x];
        ok = check(c, want, "TensorRtlTlm");
      }
    };
    sc_start();
    if (!ok) return 1;
    if (secs_b.size() != reps) {
      std::fprintf(stderr, "bench_tensor_rtl_tlm: FAIL: the SystemC run stopped early\n");
      return 1;
    }
    // Runs after the first start from the engine state the previous one left
    // (e.g. which weight bank is loaded next), so their cycles may differ by a
    // few; the rate is taken per run.
    std::vector<double> rate_b;
    for (std::size_t i = 0; i < secs_b.size(); ++i) rate_b.push_back(cycles_b[i] / secs_b[i]);

    const double med_a = median(secs_a), med_b = median(secs_b);
    const double cps_a = cycles_a / med_a, cps_b = median(rate_b);
    const double ratio = cps_b / cps_a;
    std::printf("bench_tensor_rtl_tlm: %llux%llux%llu bf16 on %s, %zu commands, check PASS\n",
                static_cast<unsigned long long>(m), static_cast<unsigned long long>(k),
                static_cast<unsigned long long>(n), cfg.name.c_str(), p.cmds.size());
    std::printf("  (a) TensorDriver   %llu cycles, median %.4f s of %llu runs: %.0f cycles/s\n",
                static_cast<unsigned long long>(cycles_a), med_a,
                static_cast<unsigned long long>(reps), cps_a);
    std::printf("  (b) TensorRtlTlm   %llu cycles (%llu clocked), quantum %llu ns, median %.4f s:"
                " %.0f cycles/s\n",
                static_cast<unsigned long long>(cycles_b[0]),
                static_cast<unsigned long long>(clocked_b[0]),
                static_cast<unsigned long long>(quantum_ns), med_b, cps_b);
    std::printf("  ratio (b)/(a)      %.2f (target >= 0.5: %s)\n", ratio,
                ratio >= 0.5 ? "met" : "MISSED");
    if (json)
      std::printf("{\"config\": \"%s\", \"m\": %llu, \"k\": %llu, \"n\": %llu, \"reps\": %llu, "
                  "\"quantum_ns\": %llu, \"driver_cycles\": %llu, \"driver_secs_median\": %.6f, "
                  "\"driver_cycles_per_s\": %.1f, \"tlm_cycles\": %llu, \"tlm_clocked\": %llu, "
                  "\"tlm_secs_median\": %.6f, \"tlm_cycles_per_s\": %.1f, \"ratio\": %.4f}\n",
                  cfg.name.c_str(), static_cast<unsigned long long>(m),
                  static_cast<unsigned long long>(k), static_cast<unsigned long long>(n),
                  static_cast<unsigned long long>(reps), static_cast<unsigned long long>(quantum_ns),
                  static_cast<unsigned long long>(cycles_a), med_a, cps_a,
                  static_cast<unsigned long long>(cycles_b[0]),
                  static_cast<unsigned long long>(clocked_b[0]), med_b, cps_b, ratio);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_tensor_rtl_tlm: error: %s\n", e.what());
    return 1;
  }
}
