// bench_dma_rtl: bus efficiency and simulation speed of a Verilated DMA engine.
//
// Each case programs queue 0 of a freshly reset engine (one window over all
// memory), fills the sources with seeded random bytes, writes its descriptors
// into the ring and rings the doorbell once. The last descriptor carries the
// IRQ flag (INTR_ENABLE.DONE set), so the end is the first cycle the
// interrupt line is high: no CSR polling inside the measured window.
//   cycles      from the cycle after the doorbell (TAIL) write completed to
//               the interrupt (every B received, HEAD advanced)
//   efficiency  payload bytes / (cycles x bus bytes per cycle): the share of
//               the data bus's peak (one full beat per cycle on R and on W)
//   overhead    cycles per descriptor beyond its payload beats
//               (cycles / descriptors - beats per descriptor)
// Every byte of every destination is compared with its source after each run
// (outside the timed region), and every run must take the same cycles, so no
// figure is reported for a wrong or non-deterministic result. Host time is
// the wall time of the measured window (std::chrono::steady_clock), median of
// --reps runs; simulated cycles/s = cycles / host s.
// Used by scripts/bench (docs/performance.md, "DMA engine"). Not a test.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "dma/dma_driver.h"
#include "dma/dma_rtl.h"
#include "dma_regs.hpp"

#include "bench_util.h"

namespace bench = trnsim::bench;

namespace {

using trnsim::cosim::Axi4MemConfig;
using trnsim::cosim::DmaDesc;
using trnsim::cosim::DmaDriver;
using trnsim::cosim::DmaQueueSetup;
namespace regs = trnsim::regs::dma;

const char* kUsage = R"(usage: bench_dma_rtl [options]
  --config NAME   prebuilt configuration (default q4_d256)
  --case NAME     one case, or 'all' (default all); cases:
                    copy1m_lat1     1 MiB aligned 1-D copy, memory latency 1
                    copy1m_lat100   1 MiB aligned 1-D copy, read and write latency 100
                    copy1m_unaligned_lat1  1 MiB, src +3, dst +17, latency 1
                    small64_lat1    256 descriptors of 64 B (aligned), latency 1
                    small64_lat100  the same, latency 100
                    strided2d_lat1  2-D: 256 rows x 256 B, src stride 1 KiB, dst 512 B
                    strided2d_lat100  the same, latency 100
                    desc1beat_lat1  256 descriptors of one aligned beat, latency 1
                    desc1beat_lat100  the same, latency 100
  --reps R        timed runs, each on a freshly reset model (default 3)
  --json          also print one JSON object per case (lines starting with '{')
)";

struct Case {
  const char* name;
  unsigned latency;
  // Builds the descriptors for a bus of `bytes` bytes per beat.
  std::vector<DmaDesc> (*make)(unsigned bytes);
};

constexpr uint64_t kRing = 0x10000;       // ring: 1024 entries
constexpr uint64_t kSrc = 0x1000000;      // 16 MiB
constexpr uint64_t kDst = 0x4000000;      // 64 MiB
constexpr uint32_t kRingEntries = 1024;

std::vector<DmaDesc> copy1m(unsigned) {
  DmaDesc d;
  d.src = kSrc;
  d.dst = kDst;
  d.len = 1u << 20;
  return {d};
}
std::vector<DmaDesc> copy1m_unaligned(unsigned) {
  DmaDesc d;
  d.src = kSrc + 3;
  d.dst = kDst + 17;
  d.len = 1u << 20;
  return {d};
}
std::vector<DmaDesc> many(uint32_t len, unsigned n) {
  std::vector<DmaDesc> v;
  for (unsigned i = 0; i < n; ++i) {
    DmaDesc d;
    d.src = kSrc + uint64_t{i} * 256;
    d.dst = kDst + uint64_t{i} * 256;
    d.len = len;
    v.push_back(d);
  }
  return v;
}
std::vector<DmaDesc> small64(unsigned) { return many(64, 256); }
std::vector<DmaDesc> desc1beat(unsigned bytes) { return many(bytes, 256); }
std::vector<DmaDesc> strided2d(unsigned) {
  DmaDesc d;
  d.src = kSrc;
  d.dst = kDst;
  d.len = 256;
  d.rows = 256;
  d.src_stride = 1024;
  d.dst_stride = 512;
  return {d};
}

const Case kCases[] = {
    {"copy1m_lat1", 1, copy1m},
    {"copy1m_lat100", 100, copy1m},
    {"copy1m_unaligned_lat1", 1, copy1m_unaligned},
    {"small64_lat1", 1, small64},
    {"small64_lat100", 100, small64},
    {"strided2d_lat1", 1, strided2d},
    {"strided2d_lat100", 100, strided2d},
    {"desc1beat_lat1", 1, desc1beat},
    {"desc1beat_lat100", 100, desc1beat},
};

using bench::median;

struct RunResult {
  uint64_t cycles = 0;
  double secs = 0;
  uint64_t max_reads = 0, max_writes = 0;
  uint32_t busy_cycles = 0, stall_cycles = 0;
};

// Source span of descriptor d (for the fill and the check).
uint64_t span(uint32_t len, uint32_t rows, uint32_t stride) {
  return uint64_t{rows - 1} * stride + len;
}

RunResult run_once(const std::string& config, const Case& c, uint64_t& payload,
                   std::size_t& ndesc, std::size_t& beats_per_desc) {
  Axi4MemConfig mc;
  mc.read_latency = c.latency;
  mc.write_latency = c.latency;
  DmaDriver drv(trnsim::cosim::make_dma_rtl(config), mc);
  const unsigned bytes = drv.config().data_bytes();
  const std::vector<DmaDesc> ds = c.make(bytes);
  std::mt19937_64 rng(1);
  payload = 0;
  for (const auto& d : ds) {
    std::vector<uint8_t> v(span(d.len, d.rows, d.src_stride));
    for (auto& x : v) x = static_cast<uint8_t>(rng());
    drv.mem().write(d.src, v.data(), v.size());
    payload += uint64_t{d.len} * d.rows;
  }
  ndesc = ds.size();
  beats_per_desc = (ds.front().len + bytes - 1) / bytes * ds.front().rows;

  DmaQueueSetup s;
  s.ring_base = kRing;
  s.entries = kRingEntries;
  s.windows[0] = {0, uint64_t{1} << 40};
  drv.setup_queue(0, s);
  drv.csr_write(regs::INTR_ENABLE_OFFSET, 1u << regs::INTR_ENABLE_DONE_LSB);
  std::vector<DmaDesc> ring = ds;
  ring.back().irq = true;

  drv.push_many(0, ring);  // descriptors (backdoor) + doorbell
  const uint64_t c0 = drv.cycle();
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t limit = c0 + 50'000'000;
  while (!drv.irq()) {
    drv.run_cycles(1);
    if (drv.cycle() > limit) throw std::runtime_error(std::string(c.name) + ": no completion");
  }
  const auto t1 = std::chrono::steady_clock::now();
  RunResult r;
  r.cycles = drv.cycle() - c0;
  r.secs = std::chrono::duration<double>(t1 - t0).count();
  r.max_reads = drv.mem().stats().max_reads_outstanding;
  r.max_writes = drv.mem().stats().max_writes_outstanding;

  // Checks, outside the timed region.
  const auto st = drv.queue_status(0);
  if (st.error || st.head != ds.size())
    throw std::runtime_error(std::string(c.name) + ": queue ended with error code " +
                             std::to_string(st.code) + ", HEAD " + std::to_string(st.head));
  for (const auto& d : ds) {
    for (uint32_t row = 0; row < d.rows; ++row) {
      const auto a = drv.mem().read_vec(d.src + uint64_t{row} * d.src_stride, d.len);
      const auto b = drv.mem().read_vec(d.dst + uint64_t{row} * d.dst_stride, d.len);
      if (a != b) throw std::runtime_error(std::string(c.name) + ": destination differs");
    }
  }
  const auto cnt = drv.counters();
  if (cnt.bytes_moved != static_cast<uint32_t>(payload) || cnt.descs_done != ds.size())
    throw std::runtime_error(std::string(c.name) + ": counters wrong");
  r.busy_cycles = cnt.busy_cycles;
  r.stall_cycles = cnt.stall_cycles;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config = "q4_d256", which = "all";
  uint64_t reps = 3;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_dma_rtl: %s needs a value\n%s", a.c_str(), kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config") config = value();
    else if (a == "--case") which = value();
    else if (a == "--reps") reps = std::strtoull(value(), nullptr, 0);
    else if (a == "--json") json = true;
    else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_dma_rtl: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (reps == 0) {
    std::fprintf(stderr, "bench_dma_rtl: --reps must be at least 1\n");
    return 2;
  }
  bool found = false;
  try {
    for (const Case& c : kCases) {
      if (which != "all" && which != c.name) continue;
      found = true;
      std::vector<double> secs;
      RunResult first;
      uint64_t payload = 0;
      std::size_t ndesc = 0, bpd = 0;
      for (uint64_t r = 0; r < reps; ++r) {
        const RunResult rr = run_once(config, c, payload, ndesc, bpd);
        if (r == 0) first = rr;
        else if (rr.cycles != first.cycles)
          throw std::runtime_error(std::string(c.name) + ": cycles differ between runs");
        secs.push_back(rr.secs);
      }
      const auto cfgs = trnsim::cosim::dma_rtl_configs();
      unsigned bytes = 0, mo = 0, mb = 0;
      for (const auto& k : cfgs)
        if (k.name == config) bytes = k.data_bytes(), mo = k.max_outstanding, mb = k.max_burst_beats;
      const double med = median(secs);
      const double lo = *std::min_element(secs.begin(), secs.end());
      const double hi = *std::max_element(secs.begin(), secs.end());
      const double bpc = static_cast<double>(payload) / first.cycles;
      const double eff = bpc / bytes;
      const double per_desc = static_cast<double>(first.cycles) / ndesc;
      const double overhead = per_desc - static_cast<double>(bpd);
      std::printf("bench_dma_rtl: %-22s %s (%u B/beat, %u-beat bursts, %u outstanding), latency %u, check PASS\n",
                  c.name, config.c_str(), bytes, mb, mo, c.latency);
      std::printf("  %llu B in %zu descriptor(s), %llu cycles: %.2f B/cycle = %.1f%% of %u B/cycle; "
                  "%.1f cycles/descriptor (%.1f over its %zu beats); max in flight R %llu W %llu\n",
                  static_cast<unsigned long long>(payload), ndesc,
                  static_cast<unsigned long long>(first.cycles), bpc, 100.0 * eff, bytes, per_desc,
                  overhead, bpd, static_cast<unsigned long long>(first.max_reads),
                  static_cast<unsigned long long>(first.max_writes));
      std::printf("  host median %.4f s of %llu (min %.4f, max %.4f): %.0f simulated cycles/s\n", med,
                  static_cast<unsigned long long>(reps), lo, hi, first.cycles / med);
      if (json) {
        std::printf(
            "{\"case\": \"%s\", \"config\": \"%s\", \"bus_bytes\": %u, \"max_outstanding\": %u, "
            "\"max_burst_beats\": %u, \"latency\": %u, \"payload\": %llu, \"descriptors\": %zu, "
            "\"beats_per_desc\": %zu, \"cycles\": %llu, \"bytes_per_cycle\": %.4f, "
            "\"efficiency\": %.5f, \"cycles_per_desc\": %.3f, \"overhead_per_desc\": %.3f, "
            "\"max_reads_in_flight\": %llu, \"max_writes_in_flight\": %llu, \"busy_cycles\": %u, "
            "\"stall_cycles\": %u, \"reps\": %llu, \"secs_median\": %.6f, \"secs_min\": %.6f, "
            "\"secs_max\": %.6f, \"cycles_per_s\": %.1f}\n",
            c.name, config.c_str(), bytes, mo, mb, c.latency,
            static_cast<unsigned long long>(payload), ndesc, bpd,
            static_cast<unsigned long long>(first.cycles), bpc, eff, per_desc, overhead,
            static_cast<unsigned long long>(first.max_reads),
            static_cast<unsigned long long>(first.max_writes), first.busy_cycles, first.stall_cycles,
            static_cast<unsigned long long>(reps), med, lo, hi, first.cycles / med);
      }
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_dma_rtl: FAIL: %s\n", e.what());
    return 1;
  }
  if (!found) {
    std::fprintf(stderr, "bench_dma_rtl: unknown case '%s'\n%s", which.c_str(), kUsage);
    return 2;
  }
  return 0;
}
