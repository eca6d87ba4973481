// Perfetto / Chrome trace-event timelines of the RTL forms (TensorRtlTlm,
// DmaRtlTlm set_trace): a run through the factory's rtl block writes a
// valid JSON file with the expected tracks, a slice per transaction and
// instants for the interrupt edges.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>

#include "blocks.h"
#include "common/trace.h"
#include "cosim_test_util.h"
#include "dma_tlm_tb.h"
#include "tensor_regs.hpp"
#include "tensor_tb.h"
#include "tensor_tlm_tb.h"

using namespace trnsim;
using trnsim::cosim::BlockOptions;
namespace nm = trnsim::numerics;

namespace {

const sc_core::sc_time kPeriod(1, sc_core::SC_NS);

struct Timeline {
  std::set<std::string> tracks;                // thread names
  std::map<std::string, int> slices;           // track -> "X" events
  std::map<std::string, int> instants;         // track -> "i" events
  std::map<std::string, std::vector<std::string>> names;  // track -> slice names
  bool durations_ok = true;                    // every dur >= 0, ts >= 0
};

Timeline parse(const std::string& path) {
  const std::string text = cosim::test::read_text(path);
  INFO("trace file " << path << " (" << text.size() << " bytes)");
  REQUIRE(!text.empty());
  nlohmann::json j;
  REQUIRE_NOTHROW(j = nlohmann::json::parse(text));
  REQUIRE(j.contains("traceEvents"));
  std::map<std::pair<int, int>, std::string> tid_name;
  for (const auto& e : j["traceEvents"])
    if (e.value("ph", "") == "M" && e.value("name", "") == "thread_name")
      tid_name[{e["pid"].get<int>(), e["tid"].get<int>()}] = e["args"]["name"].get<std::string>();
  Timeline t;
  for (const auto& [k, v] : tid_name) t.tracks.insert(v);
  for (const auto& e : j["traceEvents"]) {
    const std::string ph = e.value("ph", "");
    if (ph != "X" && ph != "i") continue;
    const std::string track = tid_name[{e["pid"].get<int>(), e["tid"].get<int>()}];
    if (ph == "X") {
      ++t.slices[track];
      t.names[track].push_back(e["name"].get<std::string>());
      if (e["dur"].get<double>() < 0 || e["ts"].get<double>() < 0) t.durations_ok = false;
    } else {
      ++t.instants[track];
    }
  }
  // The tiny textual check too: as many "ph":"X" as slices parsed.
  int xs = 0;
  for (const auto& [k, v] : t.slices) xs += v;
  CHECK(cosim::test::count_of(text, "\"ph\":\"X\"") == static_cast<std::size_t>(xs));
  return t;
}

}  // namespace

TEST_CASE("cosim: tensor rtl timeline has csr stream result command and irq tracks",
          "[cosim][trace][tensor]") {
  const std::string path = "cosim_tensor_rtl_trace.json";
  std::remove(path.c_str());
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(100, sc_core::SC_NS));
  const auto cfg = cosim::tensor_block_config("4x4", kPeriod);
  uint64_t results = 0, commands = 0;
  {
    TraceWriter tw(path);
    BlockOptions opt;
    opt.fidelity = Fidelity::kRtl;
    auto dut = cosim::make_tensor_block("tensor", cfg, opt);
    dut->set_trace(&tw);
    tb::run_tb(*dut, [&](tb::TensorTb& t) {
      namespace tr = trnsim::regs::tensor;
      t.csr_write(tr::INTR_ENABLE_OFFSET, 1u << tr::INTR_ENABLE_DONE_LSB);
      // M = 6, K = 7 (two passes: one without emit), N = 6 (two tiles): 4 commands.
      const std::size_t m = 6, k = 7, n = 6;
      std::mt19937_64 rng(0x7ACE);
      const auto a = trnsim::tb::random_matrix(nm::Dtype::kBf16, m * k, rng);
      const auto b = trnsim::tb::random_matrix(nm::Dtype::kBf16, k * n, rng);
      const auto run = t.gemm(m, k, n, nm::Dtype::kBf16, a, nm::Dtype::kBf16, b);
      CHECK(run.c == trnsim::tb::golden_gemm(m, k, n, cfg.rows, nm::Dtype::kBf16, a, nm::Dtype::kBf16, b));
      commands = run.commands;
      // One command with irq: a DONE interrupt, then cleared.
      tb::TensorCommand c;
      c.k_rows = 1;
      c.m_rows = 2;
      t.start_command(c);
      t.stream_weights(tb::TensorTb::Rows(1, std::vector<uint16_t>(cfg.cols, 0x3F80)));
      t.stream_acts(tb::TensorTb::Rows(2, std::vector<uint16_t>(cfg.rows, 0x3F80)));
      t.wait_idle();
      ++commands;
      CHECK(t.irq());
      t.csr_write(tr::INTR_STATE_OFFSET, 0xFFFFFFFF);
      CHECK_FALSE(t.irq());
      results = t.results().size();
    });
    sc_core::sc_stop();
    tw.close();
  }
  CHECK(commands == 5);
  const Timeline t = parse(path);
  for (const char* track : {"csr", "weights", "activations", "results", "commands", "irq"})
    CHECK(t.tracks.count(track) == 1);
  CHECK(t.durations_ok);
  CHECK(t.slices.at("results") == static_cast<int>(results));
  CHECK(t.slices.at("commands") == static_cast<int>(commands));
  CHECK(t.slices.at("csr") > 10);
  CHECK(t.slices.at("weights") >= 4);
  CHECK(t.slices.at("activations") >= 5);
  CHECK(t.instants.at("irq") == 2);  // rise and fall
  CHECK(t.names.at("commands").front() == "cmd 0");
  std::printf("tensor rtl timeline: %d csr, %d weights, %d activations, %d results, %d commands, %d irq\n",
              t.slices.at("csr"), t.slices.at("weights"), t.slices.at("activations"),
              t.slices.at("results"), t.slices.at("commands"), t.instants.at("irq"));
  std::remove(path.c_str());
}

TEST_CASE("cosim: dma rtl timeline has csr memory queue and irq tracks", "[cosim][trace][dma]") {
  using namespace trnsim::dma::tb;
  namespace dr = trnsim::regs::dma;
  const std::string path = "cosim_dma_rtl_trace.json";
  std::remove(path.c_str());
  tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
  uint64_t reads = 0, writes = 0;
  {
    TraceWriter tw(path);
    BlockOptions opt;
    opt.fidelity = Fidelity::kRtl;
    auto dut = cosim::make_dma_block("dma", cosim::dma_block_config("q4_d256", kPeriod), opt);
    dut->set_trace(&tw);
    DmaTbConfig tbc;
    tbc.mem.size = 4 << 20;
    tbc.mem.latency = sc_core::sc_time(5, sc_core::SC_NS);
    auto tb = run_tb(*dut, tbc, [&](DmaTb& t) {
      t.csr_write(dr::INTR_ENABLE_OFFSET, 0x3);
      for (unsigned q = 0; q < 2; ++q) {
        QueueSetup s;
        s.ring_base = 0x1000 * (q + 1);
        s.entries = 16;
        s.cpl_base = 0x8000 + 0x400 * q;
        s.windows[0] = {0x100000, 0x200000};
        s.windows[1] = {0x200000 + q * 0x80000, 0x280000 + q * 0x80000};
        t.setup_queue(q, s);
      }
      t.push_many(0, {Desc{0x100003, 0x200000, 1000, 1, 0, 0, false, false, true},
                      Desc{0x100100, 0x210000, 100, 3, 200, 300, true, false, false}});
      t.push(1, Desc{0x100000, 0x280000, 3000, 1, 0, 0, true, false, false});
      t.wait_all(0x3);
      CHECK(t.irq());
      t.csr_write(dr::INTR_STATE_OFFSET, 0x3);
      CHECK_FALSE(t.irq());
    });
    reads = tb->recorder.reads.size();
    writes = tb->recorder.writes.size();
    sc_core::sc_stop();
    tw.close();
  }
  const Timeline t = parse(path);
  for (const char* track : {"csr", "mem reads", "mem writes", "queue0", "queue1", "irq"})
    CHECK(t.tracks.count(track) == 1);
  CHECK(t.durations_ok);
  CHECK(t.slices.at("mem reads") == static_cast<int>(reads));
  CHECK(t.slices.at("mem writes") == static_cast<int>(writes));
  CHECK(t.slices.at("queue0") == 2);
  CHECK(t.slices.at("queue1") == 1);
  CHECK(t.names.at("queue0") == std::vector<std::string>{"desc 0", "desc 1"});
  CHECK(t.instants.at("irq") >= 2);
  CHECK(t.slices.at("csr") > 20);
  std::printf("dma rtl timeline: %d csr, %d reads, %d writes, queue0 %d, queue1 %d, %d irq\n",
              t.slices.at("csr"), t.slices.at("mem reads"), t.slices.at("mem writes"),
              t.slices.at("queue0"), t.slices.at("queue1"), t.instants.at("irq"));
  std::remove(path.c_str());
}
