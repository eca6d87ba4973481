// Simulation speed of the Verilated DMA engine inside SystemC (DmaRtlTlm,
// global quantum 1 us, a zero-latency trnsim::Memory) against the bare
// cycle loop (DmaDriver + Axi4Mem with latency 1, the same timing): engine
// cycles per host second for a 1 MiB copy, and their ratio (target >= 0.5).
//
//   bench_dma_rtl_tlm [config] [MiB]     (default q4_d256 1)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "dma/dma_driver.h"
#include "dma/dma_rtl_tlm.h"
#include "dma_tlm_tb.h"

namespace {

constexpr uint64_t kRing = 0x10000, kSrc = 0x100000;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  const std::string cfg_name = argc > 1 ? argv[1] : "q4_d256";
  const uint64_t bytes = (argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1) << 20;
  const uint64_t dst = kSrc + bytes + 0x1000;
  try {
    // --- bare cycle loop --------------------------------------------------------
    uint64_t bare_cycles = 0;
    double bare_s = 0;
    {
      trnsim::cosim::DmaDriver drv(trnsim::cosim::make_dma_rtl(cfg_name),
                                   trnsim::cosim::Axi4MemConfig{});
      trnsim::cosim::DmaQueueSetup s;
      s.ring_base = kRing;
      s.entries = 16;
      s.windows[0] = {kSrc, dst + bytes};
      drv.setup_queue(0, s);
      trnsim::cosim::DmaDesc d;
      d.src = kSrc;
      d.dst = dst;
      d.len = static_cast<uint32_t>(bytes);
      const uint64_t c0 = drv.cycle();
      const auto t0 = std::chrono::steady_clock::now();
      drv.push(0, d);
      const auto st = drv.wait_queue(0, 100000000);
      bare_s = seconds_since(t0);
      bare_cycles = drv.cycle() - c0;
      if (st.error) throw std::runtime_error("bare run: the copy failed");
    }

    // --- DmaRtlTlm in SystemC ------------------------------------------------------
    trnsim::dma::DmaBlockConfig bc;
    for (const auto& c : trnsim::cosim::dma_rtl_configs()) {
      if (c.name != cfg_name) continue;
      bc.rtl_config = c.name;
      bc.num_queues = c.num_queues;
      bc.data_bits = c.data_bits;
      bc.max_burst_beats = c.max_burst_beats;
      bc.max_outstanding = c.max_outstanding;
    }
    tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
    trnsim::cosim::DmaRtlTlm dut("dut", bc);
    trnsim::dma::tb::DmaTbConfig tbc;
    tbc.mem.size = dst + bytes + 0x1000;
    tbc.time_limit = sc_core::sc_time(1, sc_core::SC_SEC);
    uint64_t c0 = 0, c1 = 0;
    const auto t0 = std::chrono::steady_clock::now();
    auto tb = trnsim::dma::tb::run_tb(dut, tbc, [&](trnsim::dma::tb::DmaTb& t) {
      t.recorder.keep_data = false;
      t.csr_write(trnsim::regs::dma::INTR_ENABLE_OFFSET, 0xFFFFFFFFu);
      trnsim::dma::tb::QueueSetup s;
      s.ring_base = kRing;
      s.entries = 16;
      s.windows[0] = {kSrc, dst + bytes};
      t.setup_queue(0, s);
      trnsim::dma::tb::Desc d;
      d.src = kSrc;
      d.dst = dst;
      d.len = static_cast<uint32_t>(bytes);
      d.irq = true;
      c0 = dut.cycle();
      t.push(0, d);
      t.wait_irq(100000000, "the copy");
      c1 = dut.cycle();
    });
    const double tlm_s = seconds_since(t0);
    const auto st = dut.stats();
    const uint64_t tlm_cycles = c1 - c0;

    const double bare_rate = bare_cycles / bare_s, tlm_rate = tlm_cycles / tlm_s;
    std::printf("bench_dma_rtl_tlm: config %s, %llu KiB copy\n", cfg_name.c_str(),
                (unsigned long long)(bytes >> 10));
    std::printf("  bare DmaDriver loop : %10llu cycles %8.3f s %12.0f cycles/s\n",
                (unsigned long long)bare_cycles, bare_s, bare_rate);
    std::printf("  DmaRtlTlm (1 us)    : %10llu cycles %8.3f s %12.0f cycles/s "
                "(whole run incl. elaboration; clocked %llu, skipped %llu, syncs %llu, "
                "payloads %llu R / %llu W)\n",
                (unsigned long long)tlm_cycles, tlm_s, tlm_rate,
                (unsigned long long)st.cycles_clocked, (unsigned long long)st.cycles_skipped,
                (unsigned long long)st.syncs, (unsigned long long)st.read_payloads,
                (unsigned long long)st.write_payloads);
    std::printf("  ratio               : %.3f (target >= 0.5)\n", tlm_rate / bare_rate);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dma_rtl_tlm: %s\n", e.what());
    return 1;
  }
  return 0;
}
