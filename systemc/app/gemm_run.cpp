#include "gemm_run.h"

#include <tlm>

#include <chrono>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "blocks.h"
#include "common/trace.h"
#include "tensor/tensor_host.h"
#include "tensor/tensor_lockstep.h"
#include "tensor/tensor_tlm.h"

namespace trnsim::app {

namespace {

// Ready in `cycle` with probability p, a pure function of (seed, cycle) so
// every fidelity sees the same pattern.
bool ready_at(uint64_t seed, uint64_t cycle, double p) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + cycle;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<double>(x >> 11) * (1.0 / 9007199254740992.0) < p;
}

bool file_exists(const std::string& p) { return std::ifstream(p).good(); }

}  // namespace

GemmOutcome run_gemm(const GemmRequest& req, const SimOptions& sim) {
  GemmOutcome out;
  tlm::tlm_global_quantum::instance().set(sim.quantum);
  quiet_systemc();
  const tensor::TensorBlockConfig cfg = cosim::tensor_block_config(req.config, sim.period);
  out.config_name = cfg.rtl_config;
  out.rows = cfg.rows;
  out.cols = cfg.cols;

  cosim::BlockOptions bo;
  bo.fidelity = sim.fidelity;
  bo.wave = sim.wave;
  bo.stop_on_divergence = true;
  std::unique_ptr<tensor::TensorBlock> dut = cosim::make_tensor_block("tensor", cfg, bo);
  out.fidelity = dut->fidelity();
  auto* ls = dynamic_cast<cosim::TensorLockstep*>(dut.get());

  if (sim.inject_fault >= 0) {
    tensor::TensorBlock* fast = ls ? &ls->tlm_form() : dut.get();
    auto* tlm_model = dynamic_cast<tensor::TensorTlm*>(fast);
    if (!tlm_model) throw std::invalid_argument("--inject-fault needs the fast form (tlm or lockstep)");
    tlm_model->inject_fault(static_cast<uint64_t>(sim.inject_fault), 0, 0x1);
  }

  std::unique_ptr<TraceWriter> trace;
  if (!sim.trace.empty()) {
    trace = std::make_unique<TraceWriter>(sim.trace);
    dut->set_trace(trace.get());
  }

  tb::TbGemmRun run;
  std::vector<tb::TbStreamCall> calls;  // for the trace
  std::vector<sc_core::sc_time> result_times;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    tb::run_tb(*dut, [&](tb::TensorTb& host) {
      if (req.backpressure < 1.0) {
        const double p = req.backpressure;
        const uint64_t seed = req.backpressure_seed;
        host.set_result_ready([p, seed](uint64_t c) { return ready_at(seed, c, p); });
      }
      run = host.gemm(req.m, req.k, req.n, req.dtype_a, req.a, req.dtype_b, req.b);
      out.finished = true;
      if (trace) {
        calls = host.stream_calls();
        for (const auto& r : host.results()) result_times.push_back(r.time);
      }
    });
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.sim_cycles = cycles_ceil(sc_core::sc_time_stamp(), cfg.period);

  if (ls) {
    ls->checker().finish();
    out.lockstep.used = true;
    out.lockstep.diverged = ls->checker().diverged();
    out.lockstep.compared = ls->checker().compared();
    out.lockstep.report = ls->checker().report();
    out.lockstep.cycle_errors = ls->checker().cycle_error_report();
    out.lockstep.wave_written =
        out.lockstep.diverged && sim.wave.history_mode() && file_exists(sim.wave.path);
  }
  if (trace) {
    // The host's view: stream transactions (request to the cycle after the
    // last row's handshake) and result rows, beside the block's own tracks.
    const int tw = trace->track("tensor host", "weight stream");
    const int ta = trace->track("tensor host", "activation stream");
    const int tr = trace->track("tensor host", "result rows");
    for (const auto& c : calls)
      trace->slice(c.weights ? tw : ta, std::to_string(c.rows) + (c.rows == 1 ? " row" : " rows"),
                   cfg.period * static_cast<double>(c.request_cycle),
                   cfg.period * static_cast<double>(c.end_cycle),
                   "\"first_row\":" + std::to_string(c.first_row));
    for (std::size_t i = 0; i < result_times.size(); ++i)
      trace->instant(tr, "row " + std::to_string(i), result_times[i]);
    out.trace_events = trace->events();
    trace->close();
  }
  if (out.finished) {
    out.c = std::move(run.c);
    out.cycles = run.cycles;
    out.commands = run.commands;
    out.busy_cycles = run.busy_cycles;
    out.stall_cycles = run.stall_cycles;
  }
  dut.reset();  // closes the waveform files
  return out;
}

}  // namespace trnsim::app
