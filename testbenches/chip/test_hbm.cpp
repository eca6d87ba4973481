// The HBM model: sparse data with byte enables, huge capacities, channel
// interleaving, row-buffer timing, queueing, bandwidth bounds and errors.
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "chip/hbm.h"
#include "chip_probe.h"

using namespace trnsim::chip;
using trnsim::chip::test::Probe;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;

// trn3-like: 4 stacks x 16 channels, 4.9 TB/s, 144 GiB.
HbmConfig trn3_like() {
  HbmConfig c;
  c.capacity = 144 * kGiB;
  c.stacks = 4;
  c.channels_per_stack = 16;
  c.stack_bytes_per_ns = 4900.0 / 4;
  return c;
}

double rate_bytes_per_s(uint64_t bytes, const sc_time& t) { return bytes / t.to_seconds(); }

}  // namespace

TEST_CASE("hbm: random writes and reads with byte enables at 144 GiB match a scoreboard") {
  const uint64_t seed = 20240605;
  INFO("seed " << seed);
  Hbm hbm("hbm", trn3_like());
  Probe p("p");
  p.socket.bind(hbm.socket);
  const uint64_t cap = 144 * kGiB;
  const uint64_t windows[] = {0, 0x1234'5000ull, cap - 16384};
  std::map<uint64_t, uint8_t> sb;  // golden bytes (absent: 0)
  uint64_t mismatches = 0, reads = 0, writes = 0;
  uint64_t pages_before_untouched = 0, pages_after_untouched = 0;
  p.body = [&](Probe& pr) {
    std::mt19937_64 rng(seed);
    std::vector<uint8_t> buf(512), be(8);
    for (int op = 0; op < 600; ++op) {
      const uint64_t addr = windows[rng() % 3] + rng() % (16384 - 512);
      const unsigned len = 1 + static_cast<unsigned>(rng() % 512);
      const bool use_be = rng() % 3 == 0;
      const unsigned be_len = 1 + static_cast<unsigned>(rng() % 8);
      for (unsigned i = 0; i < be_len; ++i) be[i] = (rng() & 1) ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
      auto enabled = [&](unsigned i) { return !use_be || be[i % be_len] == TLM_BYTE_ENABLED; };
      sc_time d = SC_ZERO_TIME;
      if (rng() & 1) {
        for (unsigned i = 0; i < len; ++i) buf[i] = static_cast<uint8_t>(rng());
        REQUIRE(pr.access(tlm::TLM_WRITE_COMMAND, addr, buf.data(), len, d,
                          use_be ? be.data() : nullptr, be_len) == tlm::TLM_OK_RESPONSE);
        for (unsigned i = 0; i < len; ++i)
          if (enabled(i)) sb[addr + i] = buf[i];
        ++writes;
      } else {
        std::fill(buf.begin(), buf.end(), 0xEE);
        REQUIRE(pr.access(tlm::TLM_READ_COMMAND, addr, buf.data(), len, d,
                          use_be ? be.data() : nullptr, be_len) == tlm::TLM_OK_RESPONSE);
        for (unsigned i = 0; i < len; ++i) {
          const auto it = sb.find(addr + i);
          const uint8_t want = !enabled(i) ? 0xEE : (it == sb.end() ? 0 : it->second);
          if (buf[i] != want) ++mismatches;
        }
        ++reads;
      }
      CHECK(d > SC_ZERO_TIME);
      wait(d);
    }
    // Untouched memory reads as zeros and allocates nothing.
    pages_before_untouched = hbm.pages_allocated();
    std::vector<uint8_t> z(4096, 0xAB);
    sc_time d = SC_ZERO_TIME;
    REQUIRE(pr.access(tlm::TLM_READ_COMMAND, 100 * kGiB + 12345, z.data(), 4096, d) ==
            tlm::TLM_OK_RESPONSE);
    CHECK(std::all_of(z.begin(), z.end(), [](uint8_t b) { return b == 0; }));
    pages_after_untouched = hbm.pages_allocated();
    // The last bytes of the 144 GiB exist; one past them does not.
    uint32_t w = 0xC0FFEE11, r = 0;
    CHECK(pr.access(tlm::TLM_WRITE_COMMAND, cap - 4, &w, 4, d) == tlm::TLM_OK_RESPONSE);
    CHECK(pr.access(tlm::TLM_READ_COMMAND, cap - 4, &r, 4, d) == tlm::TLM_OK_RESPONSE);
    CHECK(r == w);
    CHECK(pr.access(tlm::TLM_READ_COMMAND, cap - 2, &r, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(pr.access(tlm::TLM_WRITE_COMMAND, cap, &w, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  CHECK(reads > 200);
  CHECK(writes > 200);
  CHECK(mismatches == 0);
  // Three 16 KiB windows touch at most two 64 KiB pages each (+1 for the top word).
  CHECK(pages_before_untouched >= 3);
  CHECK(pages_before_untouched <= 6);
  CHECK(pages_after_untouched == pages_before_untouched);
  CHECK(hbm.address_errors() == 2);
  // Host-side view agrees with the scoreboard.
  uint64_t host_mismatch = 0;
  for (const auto& [a, v] : sb) {
    uint8_t b = 0;
    hbm.read_bytes(a, &b, 1);
    host_mismatch += b != v;
  }
  CHECK(host_mismatch == 0);
  const HbmChannelStats t = hbm.total_stats();
  CHECK(t.bytes_read + t.bytes_written > 0);
}

TEST_CASE("hbm: channel interleaving spreads a sequential stream over every channel") {
  HbmConfig c = trn3_like();  // 64 channels, 256 B granule, 1 KiB rows, 16 banks
  Hbm hbm("hbm", c);
  Probe p("p");
  p.socket.bind(hbm.socket);
  // The documented mapping.
  CHECK(hbm.locate(0).channel == 0);
  CHECK(hbm.locate(256).channel == 1);
  CHECK(hbm.locate(255).channel == 0);
  CHECK(hbm.locate(16 * 256).stack == 1);
  const HbmLocation l = hbm.locate(64 * 256 + 7);
  CHECK(l.channel == 0);
  CHECK(l.local == 256 + 7);
  CHECK(l.bank == 0);
  CHECK(l.row == 0);
  CHECK(hbm.locate(64 * 1024).bank == 1);            // next row-sized chunk of channel 0
  CHECK(hbm.locate(64 * 1024 * 16).row == 1);        // after every bank: row 1, bank 0
  CHECK(hbm.locate(64 * 1024 * 16).bank == 0);
  sc_time d64k;
  p.body = [&](Probe& pr) {
    std::vector<uint8_t> buf(65536);
    d64k = pr.timed(tlm::TLM_READ_COMMAND, 0, buf.data(), 65536);
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  for (unsigned ch = 0; ch < hbm.channels(); ++ch) {
    INFO("channel " << ch);
    CHECK(hbm.channel_stats(ch).bytes_read == 1024);
    CHECK(hbm.channel_stats(ch).row_misses == 1);  // one activate, then 3 hits
    CHECK(hbm.channel_stats(ch).row_hits == 3);
  }
  // All channels in parallel: activate + CAS + 4 x 256 B at the channel rate + base.
  const sc_time piece = sc_time::from_value(static_cast<sc_dt::uint64>(
      std::ceil(256.0 / hbm.channel_bytes_per_ns() * 1000.0 - 1e-6)));  // ps resolution
  const sc_time want = c.activate_latency + c.row_hit_latency + 4 * piece + c.base_latency;
  CHECK(d64k == want);
  // On one channel the same bytes would take 64x the transfer time.
  CHECK(d64k * 10 < 256 * piece);
}

TEST_CASE("hbm: streaming reads approach the peak bandwidth and never exceed it") {
  HbmConfig c = trn3_like();
  c.capacity = 4 * kGiB;
  Hbm hbm("hbm", c);
  Probe p("p");
  p.socket.bind(hbm.socket);
  struct Run {
    unsigned size;
    uint64_t bytes;
    sc_time span;
  };
  std::vector<Run> runs;
  p.body = [&](Probe& pr) {
    std::vector<uint8_t> buf(65536);
    uint64_t addr = 0;
    // Requests all in flight at once (a DMA with many outstanding reads),
    // sequential addresses; each run starts when the model is idle again.
    for (unsigned size : {64u, 100u, 256u, 4096u, 65536u}) {
      const sc_time t0 = sc_core::sc_time_stamp();
      const uint64_t total = 8ull << 20;
      sc_time last = SC_ZERO_TIME;
      for (uint64_t done = 0; done < total; done += size) {
        last = std::max(last, pr.timed(tlm::TLM_READ_COMMAND, addr, buf.data(), size));
        addr += size;
      }
      runs.push_back({size, total - total % size + (total % size ? size : 0), last});
      wait(last + sc_time(1, sc_core::SC_US));
      (void)t0;
    }
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  const double peak = hbm.peak_bytes_per_second();
  CHECK(peak == Approx(4.9e12));
  for (const Run& r : runs) {
    const double rate = rate_bytes_per_s(r.bytes, r.span);
    INFO("request size " << r.size << ": " << rate / 1e12 << " TB/s of " << peak / 1e12);
    CHECK(rate <= peak);
    CHECK(rate >= 0.9 * peak);
  }
  // Per channel the data bus was never busy longer than the run lasted.
  sc_time total_span = SC_ZERO_TIME;
  for (const Run& r : runs) total_span += r.span;
  for (unsigned ch = 0; ch < hbm.channels(); ++ch) CHECK(hbm.channel_stats(ch).busy <= total_span);
}

TEST_CASE("hbm: row buffer hits are faster than misses and random access is slower") {
  HbmConfig c = trn3_like();
  c.capacity = 16 * kGiB;
  Hbm seq("seq", c), rnd("rnd", c);
  Probe ps("ps"), pr_("pr");
  ps.socket.bind(seq.socket);
  pr_.socket.bind(rnd.socket);
  const uint64_t seed = 77;
  INFO("seed " << seed);
  sc_time first, hit, conflict, seq_span, rnd_span;
  const uint64_t n = 16384, size = 64;
  ps.body = [&](Probe& pr) {
    uint8_t buf[64];
    // Same bank and channel, other row: 64 channels x 1 KiB x 16 banks apart.
    const uint64_t other_row = 64ull * 1024 * 16;
    REQUIRE(seq.locate(other_row).channel == 0);
    REQUIRE(seq.locate(other_row).bank == 0);
    REQUIRE(seq.locate(other_row).row == 1);
    first = pr.timed(tlm::TLM_READ_COMMAND, 0, buf, 64);     // closed bank: activate
    wait(sc_time(1, sc_core::SC_US));
    hit = pr.timed(tlm::TLM_READ_COMMAND, 64, buf, 64);      // same row: hit
    wait(sc_time(1, sc_core::SC_US));
    conflict = pr.timed(tlm::TLM_READ_COMMAND, other_row, buf, 64);  // precharge + activate
    wait(sc_time(1, sc_core::SC_US));
    seq.reset_stats();
    for (uint64_t i = 0; i < n; ++i)
      seq_span = std::max(seq_span, pr.timed(tlm::TLM_READ_COMMAND, (1ull << 30) + i * size, buf, 64));
  };
  pr_.body = [&](Probe& pr) {
    uint8_t buf[64];
    std::mt19937_64 rng(seed);
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t a = (rng() % (c.capacity / size)) * size;
      rnd_span = std::max(rnd_span, pr.timed(tlm::TLM_READ_COMMAND, a, buf, 64));
    }
  };
  sc_core::sc_start();
  REQUIRE(ps.done);
  REQUIRE(pr_.done);
  const sc_time x = sc_time::from_value(
      static_cast<sc_dt::uint64>(std::ceil(64.0 / seq.channel_bytes_per_ns() * 1000.0 - 1e-6)));
  CHECK(first == c.base_latency + c.activate_latency + c.row_hit_latency + x);
  CHECK(hit == c.base_latency + c.row_hit_latency + x);
  CHECK(conflict ==
        c.base_latency + c.precharge_latency + c.activate_latency + c.row_hit_latency + x);
  CHECK(hit < first);
  CHECK(first < conflict);
  const HbmChannelStats s = seq.total_stats(), r = rnd.total_stats();
  CHECK(s.row_hits > 10 * s.row_misses);  // 16 x 64 B per 1 KiB row
  CHECK(r.row_misses > 10 * r.row_hits);
  INFO("sequential " << seq_span << " random " << rnd_span);
  CHECK(rnd_span > 3 * seq_span);
  CHECK(rate_bytes_per_s(n * size, seq_span) <= seq.peak_bytes_per_second());
}

TEST_CASE("hbm: concurrent initiators queue on a shared channel") {
  HbmConfig c = trn3_like();
  c.capacity = 4 * kGiB;
  c.interleave_bytes = 64 * 1024;  // a 16 KiB request stays on one channel
  c.row_bytes = 2048;
  Hbm hbm("hbm", c);
  Probe a("a"), b("b");
  a.socket.bind(hbm.socket);
  b.socket.bind(hbm.socket);
  const unsigned kReq = 40, kSize = 16384;
  sc_time a_end, b_end, pair0, pair1;
  a.body = [&](Probe& pr) {
    std::vector<uint8_t> buf(kSize);
    // Two requests at the same instant on one channel: the second waits for the first.
    pair0 = pr.timed(tlm::TLM_READ_COMMAND, 0, buf.data(), kSize);
    pair1 = pr.timed(tlm::TLM_READ_COMMAND, kSize, buf.data(), kSize);
    wait(sc_time(10, sc_core::SC_US));
    for (unsigned i = 0; i < kReq; ++i) {
      wait(pr.timed(tlm::TLM_READ_COMMAND, (i % 4) * kSize, buf.data(), kSize));
    }
    a_end = sc_core::sc_time_stamp();
  };
  b.body = [&](Probe& pr) {
    std::vector<uint8_t> buf(kSize);
    wait(sc_time(10, sc_core::SC_US));
    for (unsigned i = 0; i < kReq; ++i) {
      wait(pr.timed(tlm::TLM_READ_COMMAND, 32768 + (i % 2) * kSize, buf.data(), kSize));
    }
    b_end = sc_core::sc_time_stamp();
  };
  sc_core::sc_start();
  REQUIRE(a.done);
  REQUIRE(b.done);
  const sc_time xfer = sc_time::from_value(static_cast<sc_dt::uint64>(
      std::ceil(2048.0 / hbm.channel_bytes_per_ns() * 1000.0 - 1e-6)));  // per 2 KiB row piece
  CHECK(pair1 - pair0 == 8 * xfer);  // exactly one request's transfer later
  CHECK(hbm.channel_stats(1).bytes_read == 0);  // all on channel 0
  const sc_time t0(10, sc_core::SC_US);
  const double ch_rate = hbm.channel_bytes_per_ns() * 1e9;
  const double both = rate_bytes_per_s(2ull * kReq * kSize, std::max(a_end, b_end) - t0);
  const double ra = rate_bytes_per_s(uint64_t{kReq} * kSize, a_end - t0);
  const double rb = rate_bytes_per_s(uint64_t{kReq} * kSize, b_end - t0);
  INFO("a " << ra / 1e9 << " GB/s, b " << rb / 1e9 << " GB/s, channel " << ch_rate / 1e9);
  CHECK(both <= ch_rate);
  CHECK(both >= 0.85 * ch_rate);
  CHECK(ra == Approx(rb).epsilon(0.1));
  CHECK(ra <= 0.6 * ch_rate);
}

TEST_CASE("hbm: errors debug transport timing-only mode and DMI") {
  HbmConfig c;
  c.capacity = 1 * kGiB;
  c.stacks = 2;
  c.channels_per_stack = 4;
  Hbm hbm("hbm", c);
  HbmConfig u = c;  // untimed: DMI allowed
  u.base = 2 * kGiB;
  u.stack_bytes_per_ns = 0;
  u.base_latency = u.row_hit_latency = u.activate_latency = u.precharge_latency =
      u.activate_interval = SC_ZERO_TIME;
  Hbm fast("fast", u);
  HbmConfig t = c;  // timing only
  t.store_data = false;
  Hbm tonly("tonly", t);
  Probe p("p"), pf("pf"), pt("pt");
  p.socket.bind(hbm.socket);
  pf.socket.bind(fast.socket);
  pt.socket.bind(tonly.socket);
  uint8_t two[2] = {0, 0};
  CHECK_THROWS_WITH(hbm.read_bytes(kGiB - 1, two, 2),
                    Catch::Contains("0x3fffffff") && Catch::Contains("outside the HBM"));
  p.body = [&](Probe& pr) {
    uint32_t w = 0x12345678, r = 0;
    sc_time d = SC_ZERO_TIME;
    CHECK(pr.access(tlm::TLM_READ_COMMAND, kGiB, &r, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(d == SC_ZERO_TIME);
    CHECK(pr.access(tlm::TLM_READ_COMMAND, kGiB - 3, &r, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(pr.access(tlm::TLM_READ_COMMAND, 0, &r, 0, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    tlm::tlm_generic_payload gp;
    trnsim::set_payload(gp, tlm::TLM_WRITE_COMMAND, 0, reinterpret_cast<unsigned char*>(&w), 4);
    gp.set_streaming_width(2);
    pr.socket->b_transport(gp, d);
    CHECK(gp.get_response_status() == tlm::TLM_BURST_ERROR_RESPONSE);
    // Debug transport across a storage page, clipped at the end of memory.
    std::vector<uint8_t> data(300), back(300);
    for (unsigned i = 0; i < 300; ++i) data[i] = static_cast<uint8_t>(i * 7);
    CHECK(pr.dbg(tlm::TLM_WRITE_COMMAND, 65536 - 100, data.data(), 300) == 300);
    CHECK(pr.dbg(tlm::TLM_READ_COMMAND, 65536 - 100, back.data(), 300) == 300);
    CHECK(back == data);
    CHECK(pr.dbg(tlm::TLM_READ_COMMAND, kGiB - 8, back.data(), 300) == 8);
    CHECK(pr.dbg(tlm::TLM_READ_COMMAND, kGiB, back.data(), 4) == 0);
    tlm::tlm_dmi dmi;
    CHECK_FALSE(pr.dmi(0, dmi));  // timed: no DMI
  };
  sc_time fast_delay = sc_core::SC_ZERO_TIME;
  pf.body = [&](Probe& pr) {
    tlm::tlm_dmi dmi;
    REQUIRE(pr.dmi(2 * kGiB + 70000, dmi));
    CHECK(dmi.get_start_address() == 2 * kGiB + 65536);
    CHECK(dmi.get_end_address() == 2 * kGiB + 2 * 65536 - 1);
    CHECK(dmi.is_read_write_allowed());
    dmi.get_dmi_ptr()[70000 - 65536] = 0x5A;
    uint8_t r = 0;
    fast_delay = pr.timed(tlm::TLM_READ_COMMAND, 2 * kGiB + 70000, &r, 1);
    CHECK(r == 0x5A);
  };
  sc_time tonly_delay, timed_delay;
  pt.body = [&](Probe& pr) {
    uint32_t w = 0xFFFFFFFF, r = 1;
    pr.timed(tlm::TLM_WRITE_COMMAND, 64, &w, 4);
    wait(sc_time(1, sc_core::SC_US));
    tonly_delay = pr.timed(tlm::TLM_READ_COMMAND, 64, &r, 4);
    CHECK(r == 0);
    CHECK(tonly.pages_allocated() == 0);
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  REQUIRE(pf.done);
  REQUIRE(pt.done);
  CHECK(fast_delay == SC_ZERO_TIME);
  CHECK(tonly_delay == c.base_latency + c.row_hit_latency +
                           sc_time::from_value(static_cast<sc_dt::uint64>(
                               std::ceil(4.0 / tonly.channel_bytes_per_ns() * 1000.0 - 1e-6))));
  CHECK(hbm.address_errors() == 3);
}

TEST_CASE("hbm: bad configs are refused naming the field") {
  HbmConfig c;
  c.channels_per_stack = 0;
  CHECK_THROWS_WITH(Hbm("h1", c), Catch::Contains("channels_per_stack"));
  c = HbmConfig{};
  c.storage_page_bytes = 1000;
  CHECK_THROWS_WITH(Hbm("h2", c), Catch::Contains("storage_page_bytes"));
  c = HbmConfig{};
  c.stack_bytes_per_ns = -1;
  CHECK_THROWS_WITH(Hbm("h3", c), Catch::Contains("stack_bytes_per_ns"));
  c = HbmConfig{};
  c.capacity = 0;
  CHECK_THROWS_WITH(Hbm("h4", c), Catch::Contains("capacity"));
}

TEST_CASE("hbm: a full channel queue delays a burst of requests and is counted") {
  // One channel, 64 B per ns, hit 10 ns, activate 10 ns, base 5 ns. Five 64 B
  // reads of one row arrive at t = 0 (a burst).
  // Unbounded: r0 opens the row (ready 0 + 10 + 10 = 20, data 20..21), r1..r4
  // are hits whose CAS latency hides behind the data ahead: done 22, 23, 24,
  // 25; + base: 26, 27, 28, 29, 30.
  // queue_depth 2: r0, r1 as above (entries held until 21 and 22). r2 finds
  // the queue full and enters when r0 leaves, at 21: ready 31, data 31..32.
  // r3 enters when r1 leaves (22): ready 32, data 32..33. r4 enters when r2
  // leaves (32): ready 42, data 42..43. Completions 26, 27, 37, 38, 48; three
  // requests waited 21 + 22 + 32 = 75 ns.
  HbmConfig c;
  c.capacity = kGiB;
  c.stacks = 1;
  c.channels_per_stack = 1;
  c.stack_bytes_per_ns = 64;
  c.base_latency = sc_time(5, SC_NS);
  c.row_hit_latency = sc_time(10, SC_NS);
  c.activate_latency = sc_time(10, SC_NS);
  c.precharge_latency = sc_time(10, SC_NS);
  HbmConfig q = c;
  q.queue_depth = 2;
  Hbm free_("free", c), bounded("bounded", q);
  Probe pf("pf"), pb("pb");
  pf.socket.bind(free_.socket);
  pb.socket.bind(bounded.socket);
  std::vector<sc_time> df, db;
  sc_time late;
  auto burst = [](Probe& pr, std::vector<sc_time>& out) {
    uint8_t buf[64];
    for (unsigned i = 0; i < 5; ++i) out.push_back(pr.timed(tlm::TLM_READ_COMMAND, 64 * i, buf, 64));
  };
  pf.body = [&](Probe& pr) { burst(pr, df); };
  pb.body = [&](Probe& pr) {
    burst(pr, db);
    // Once the queue has drained, a lone request does not wait.
    wait(sc_time(100, SC_NS));
    uint8_t buf[64];
    late = pr.timed(tlm::TLM_READ_COMMAND, 64 * 5, buf, 64);
  };
  sc_core::sc_start();
  REQUIRE(pf.done);
  REQUIRE(pb.done);
  auto ns = [](const std::vector<sc_time>& v) {
    std::vector<double> r;
    for (const sc_time& t : v) r.push_back(t / sc_time(1, SC_NS));
    return r;
  };
  CHECK(ns(df) == std::vector<double>{26, 27, 28, 29, 30});
  CHECK(ns(db) == std::vector<double>{26, 27, 37, 38, 48});
  CHECK(late == c.base_latency + c.row_hit_latency + sc_time(1, SC_NS));
  CHECK(free_.total_stats().queue_full == 0);
  CHECK(free_.total_stats().queue_wait == SC_ZERO_TIME);
  CHECK(bounded.channel_stats(0).queue_full == 3);
  CHECK(bounded.channel_stats(0).queue_wait == sc_time(75, SC_NS));
  CHECK(bounded.total_stats().queue_full == 3);
  CHECK(bounded.total_stats().row_hits == 5);  // same row: back-pressure changes time, not the row state
  CHECK(bounded.total_stats().row_misses == 1);
}

TEST_CASE("hbm: a request spanning channels takes one queue entry on each") {
  // Two channels, 256 B interleave, queue_depth 1. Two 512 B reads at t = 0
  // each cover channel 0 and channel 1 (one 256 B piece each, 4 ns at 64 B/ns).
  // r0: both channels open their row: ready 20, data 20..24, done 24 + 5 = 29.
  // r1 finds both queues full and enters each when r0's piece there is done
  // (24): hits, ready 34, data 34..38, done 43. Counted once per channel.
  HbmConfig c;
  c.capacity = kGiB;
  c.stacks = 1;
  c.channels_per_stack = 2;
  c.stack_bytes_per_ns = 128;  // 64 B/ns per channel
  c.base_latency = sc_time(5, SC_NS);
  c.row_hit_latency = sc_time(10, SC_NS);
  c.activate_latency = sc_time(10, SC_NS);
  c.queue_depth = 1;
  Hbm hbm("hbm", c);
  Probe p("p");
  p.socket.bind(hbm.socket);
  sc_time d0, d1;
  p.body = [&](Probe& pr) {
    std::vector<uint8_t> buf(512);
    d0 = pr.timed(tlm::TLM_READ_COMMAND, 0, buf.data(), 512);
    d1 = pr.timed(tlm::TLM_READ_COMMAND, 512, buf.data(), 512);
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  CHECK(d0 == sc_time(29, SC_NS));
  CHECK(d1 == sc_time(43, SC_NS));
  CHECK(hbm.channel_stats(0).queue_full == 1);
  CHECK(hbm.channel_stats(1).queue_full == 1);
  CHECK(hbm.total_stats().queue_wait == sc_time(48, SC_NS));
}
