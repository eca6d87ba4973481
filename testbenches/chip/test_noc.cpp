// The on-chip interconnect: routing and translation, unmapped and overlap
// errors, bandwidth sharing between initiators, DMI, debug transport, trace.
#include <catch2/catch.hpp>

#include <systemc>
#include <tlm>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chip/hbm.h"
#include "chip/noc.h"
#include "chip_probe.h"
#include "common/trace.h"
#include "mem/memory.h"

using namespace trnsim::chip;
using trnsim::Memory;
using trnsim::MemoryConfig;
using trnsim::chip::test::Probe;
using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::SC_ZERO_TIME;

namespace {

MemoryConfig mem(uint64_t base, uint64_t size) {
  MemoryConfig m;
  m.base = base;
  m.size = size;
  return m;
}

}  // namespace

TEST_CASE("noc: routes translate addresses and unmapped accesses answer an address error") {
  NocConfig nc;
  nc.latency = sc_time(5, SC_NS);
  nc.initiator_bytes_per_ns = 0;
  nc.target_bytes_per_ns = 8;
  Noc noc("noc", nc);
  Memory m0("m0", mem(0, 0x10000));                   // sees local offsets
  Memory m1("m1", mem(0x2000'0000, 0x10000));         // sees global addresses
  Probe p("p");
  p.socket.bind(noc.in);
  noc.out.bind(m0.socket);
  noc.out.bind(m1.socket);
  noc.add_route(0x1000'0000, 0x10000, 0, true, "m0");
  noc.add_route(0x2000'0000, 0x10000, 1, false, "m1");
  CHECK(noc.routes().size() == 2);
  sc_time d_write;
  p.body = [&](Probe& pr) {
    uint32_t w = 0xA5A5F00D, r = 0;
    d_write = pr.timed(tlm::TLM_WRITE_COMMAND, 0x1000'0100, &w, 4);
    uint32_t w1 = 0x600DCAFE;
    pr.timed(tlm::TLM_WRITE_COMMAND, 0x2000'0200, &w1, 4);
    pr.timed(tlm::TLM_READ_COMMAND, 0x1000'0100, &r, 4);
    CHECK(r == w);
    sc_time d = SC_ZERO_TIME;
    CHECK(pr.access(tlm::TLM_READ_COMMAND, 0x3000'0000, &r, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(pr.access(tlm::TLM_READ_COMMAND, 0x0FFF'FFFC, &r, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    // Straddling the end of a route is not an access to it.
    CHECK(pr.access(tlm::TLM_READ_COMMAND, 0x1000'FFFE, &r, 4, d) == tlm::TLM_ADDRESS_ERROR_RESPONSE);
    CHECK(d == SC_ZERO_TIME);
    // The target's own errors come back through the NoC.
    m1.add_error_range(0x2000'0800, 0x2000'0900, tlm::TLM_GENERIC_ERROR_RESPONSE);
    CHECK(pr.access(tlm::TLM_WRITE_COMMAND, 0x2000'0800, &w, 4, d) == tlm::TLM_GENERIC_ERROR_RESPONSE);
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  uint32_t host = 0;
  m0.read_bytes(0x100, &host, 4);
  CHECK(host == 0xA5A5F00Du);
  m1.read_bytes(0x2000'0200, &host, 4);
  CHECK(host == 0x600DCAFEu);
  CHECK(noc.unmapped() == 3);
  // 4 bytes at 8 B/ns = 0.5 ns on the target port, + 5 ns traversal.
  CHECK(d_write == sc_time(5.5, SC_NS));
  CHECK(noc.initiator_stats(0).transactions == 4);
  CHECK(noc.initiator_stats(0).bytes == 16);
  CHECK(noc.target_stats(0).transactions == 2);
  CHECK(noc.target_stats(1).transactions == 2);
  CHECK(noc.target_stats(5).transactions == 0);
}

TEST_CASE("noc: overlapping routes are refused naming both ranges") {
  Noc noc("noc", NocConfig{});
  noc.add_route(0x1000, 0x1000, 0, true, "sbuf");
  noc.add_route(0x3000, 0x1000, 1, true, "psum");
  noc.add_route(0x2000, 0x1000, 2);  // adjacent on both sides: fine
  CHECK_THROWS_WITH(noc.add_route(0x1800, 0x100, 3, true, "csr"),
                    Catch::Contains("'csr' [0x1800, 0x1900)") &&
                        Catch::Contains("overlaps 'sbuf' [0x1000, 0x2000)"));
  CHECK_THROWS_WITH(noc.add_route(0x3FFF, 0x10, 3, true, "edge"),
                    Catch::Contains("'edge'") && Catch::Contains("'psum' [0x3000, 0x4000)"));
  CHECK_THROWS_WITH(noc.add_route(0x0, 0x100000, 3, true, "all"), Catch::Contains("overlaps"));
  CHECK_THROWS_WITH(noc.add_route(0x9000, 0, 3, true, "empty"), Catch::Contains("size 0"));
  CHECK_THROWS_WITH(noc.add_route(~uint64_t{0} - 4, 0x10, 3, true, "wrap"),
                    Catch::Contains("wraps"));
  CHECK(noc.routes().size() == 3);
  CHECK(noc.routes()[1].base == 0x2000);  // kept sorted
  NocConfig bad;
  bad.target_bytes_per_ns = -1;
  CHECK_THROWS_WITH(Noc("noc2", bad), Catch::Contains("target_bytes_per_ns"));
}

TEST_CASE("noc: two initiators sharing one target each get about half its bandwidth") {
  NocConfig nc;
  nc.latency = sc_time(10, SC_NS);
  nc.initiator_bytes_per_ns = 64;
  nc.target_bytes_per_ns = 16;
  nc.target_port_bytes_per_ns = {-1, 32};  // out[1] faster
  Noc noc("noc", nc);
  Memory shared("shared", mem(0, 0x100000));
  Memory own("own", mem(0, 0x100000));
  Probe a("a"), b("b"), c("c");
  a.socket.bind(noc.in);
  b.socket.bind(noc.in);
  c.socket.bind(noc.in);
  noc.out.bind(shared.socket);
  noc.out.bind(own.socket);
  noc.add_route(0x0, 0x100000, 0, true, "shared");
  noc.add_route(0x100000, 0x100000, 1, true, "own");
  const unsigned kN = 200, kLen = 1024;
  const sc_time t0(1, sc_core::SC_US);
  sc_time end_a, end_b, end_c;
  auto stream = [&](uint64_t base, sc_time& end) {
    return [&, base](Probe& pr) {
      std::vector<uint8_t> buf(kLen, 0x11);
      wait(t0);
      for (unsigned i = 0; i < kN; ++i)
        wait(pr.timed(tlm::TLM_WRITE_COMMAND, base + (i % 64) * kLen, buf.data(), kLen));
      end = sc_core::sc_time_stamp();
    };
  };
  a.body = stream(0x0, end_a);
  b.body = stream(0x40000, end_b);
  c.body = stream(0x100000, end_c);
  sc_core::sc_start();
  REQUIRE(a.done);
  REQUIRE(b.done);
  REQUIRE(c.done);
  const double bytes = double(kN) * kLen;
  const double ra = bytes / (end_a - t0).to_seconds() / 1e9;  // B/ns
  const double rb = bytes / (end_b - t0).to_seconds() / 1e9;
  const double rc = bytes / (end_c - t0).to_seconds() / 1e9;
  INFO("a " << ra << " B/ns, b " << rb << " B/ns, c " << rc << " B/ns");
  CHECK(ra == Approx(8).epsilon(0.1));
  CHECK(rb == Approx(8).epsilon(0.1));
  CHECK(ra + rb <= 16.0 * 1.001);
  // c alone on a 32 B/ns target: 1 KiB = 32 ns + 10 ns latency per synchronous write.
  CHECK(rc == Approx(1024.0 / 42.0).epsilon(0.01));
  CHECK(noc.target_stats(0).wait > sc_time(1, sc_core::SC_US));
  CHECK(noc.target_stats(1).wait == SC_ZERO_TIME);
  CHECK(noc.target_stats(0).bytes == 2 * bytes);
  CHECK(noc.initiator_stats(2).bytes == bytes);
}

TEST_CASE("noc: DMI is forwarded with address translation and invalidations come back") {
  NocConfig nc;
  nc.latency = sc_time(3, SC_NS);
  Noc noc("noc", nc);
  Memory m0("m0", mem(0, 0x10000));
  Memory m1("m1", mem(0x5000'0000, 0x1000));
  Memory m2("m2", mem(0, 0x1000));
  Probe p("p");
  p.socket.bind(noc.in);
  noc.out.bind(m0.socket);
  noc.out.bind(m1.socket);
  noc.out.bind(m2.socket);
  noc.add_route(0x4000'0000, 0x10000, 0, true, "m0");
  noc.add_route(0x5000'0000, 0x800, 1, false, "m1");  // only half of m1 is mapped
  NocRoute r2;
  r2.name = "m2";
  r2.base = 0x6000'0000;
  r2.size = 0x1000;
  r2.target = 2;
  r2.dmi = false;
  noc.add_route(r2);
  bool granted0 = false, granted1 = false, granted2 = true;
  tlm::tlm_dmi d0, d1, d2;
  uint32_t via_tlm = 0;
  bool hint = false;
  p.body = [&](Probe& pr) {
    granted0 = pr.dmi(0x4000'0010, d0);
    granted1 = pr.dmi(0x5000'0010, d1);
    granted2 = pr.dmi(0x6000'0010, d2);
    if (granted0) {
      const uint32_t v = 0xDEADBEEF;
      std::memcpy(d0.get_dmi_ptr() + (0x4000'0040 - d0.get_start_address()), &v, 4);
    }
    tlm::tlm_generic_payload gp;
    trnsim::set_payload(gp, tlm::TLM_READ_COMMAND, 0x4000'0040,
                        reinterpret_cast<unsigned char*>(&via_tlm), 4);
    sc_time d = SC_ZERO_TIME;
    pr.socket->b_transport(gp, d);
    hint = gp.is_dmi_allowed();
    m0.add_error_range(0x100, 0x200, tlm::TLM_GENERIC_ERROR_RESPONSE);  // invalidates all of m0
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  REQUIRE(granted0);
  CHECK(d0.get_start_address() == 0x4000'0000);
  CHECK(d0.get_end_address() == 0x4000'FFFF);
  CHECK(d0.get_dmi_ptr() == m0.host_ptr(0, 1));
  CHECK(d0.get_read_latency() == sc_time(3, SC_NS));
  CHECK(via_tlm == 0xDEADBEEFu);
  CHECK(hint);
  REQUIRE(granted1);
  CHECK(d1.get_start_address() == 0x5000'0000);
  CHECK(d1.get_end_address() == 0x5000'07FF);  // clipped to the route
  CHECK(d1.get_dmi_ptr() == m1.host_ptr(0x5000'0000, 1));
  CHECK_FALSE(granted2);
  CHECK(d2.get_start_address() == 0x6000'0000);  // the denied range, in global addresses
  CHECK(d2.get_end_address() == 0x6000'0FFF);
  REQUIRE(p.invalidations.size() == 1);
  CHECK(p.invalidations[0].first == 0x4000'0000);
  CHECK(p.invalidations[0].second == 0x4000'FFFF);
}

TEST_CASE("noc: debug transport is routed translated and clipped") {
  Noc noc("noc", NocConfig{});
  Memory m0("m0", mem(0, 0x1000));
  Probe p("p");
  p.socket.bind(noc.in);
  noc.out.bind(m0.socket);
  noc.add_route(0x8000, 0x1000, 0, true, "m0");
  unsigned n_w = 0, n_r = 0, n_clip = 0, n_miss = 0;
  std::vector<uint8_t> back(16);
  p.body = [&](Probe& pr) {
    std::vector<uint8_t> data(16);
    for (unsigned i = 0; i < 16; ++i) data[i] = static_cast<uint8_t>(0xA0 + i);
    n_w = pr.dbg(tlm::TLM_WRITE_COMMAND, 0x8010, data.data(), 16);
    n_r = pr.dbg(tlm::TLM_READ_COMMAND, 0x8010, back.data(), 16);
    std::vector<uint8_t> big(64);
    n_clip = pr.dbg(tlm::TLM_READ_COMMAND, 0x8FF8, big.data(), 64);
    n_miss = pr.dbg(tlm::TLM_READ_COMMAND, 0x7000, big.data(), 4);
  };
  sc_core::sc_start();
  REQUIRE(p.done);
  CHECK(n_w == 16);
  CHECK(n_r == 16);
  CHECK(back[0] == 0xA0);
  CHECK(back[15] == 0xAF);
  uint8_t host = 0;
  m0.read_bytes(0x1F, &host, 1);
  CHECK(host == 0xAF);
  CHECK(n_clip == 8);
  CHECK(n_miss == 0);
  CHECK(noc.initiator_stats(0).transactions == 0);  // debug traffic costs nothing
}

TEST_CASE("noc: hbm behind the noc is bounded by the port and traced") {
  const std::string path = "noc_trace_test.json";
  std::remove(path.c_str());
  NocConfig nc;
  nc.latency = sc_time(10, SC_NS);
  nc.initiator_bytes_per_ns = 200;
  nc.target_bytes_per_ns = 400;  // below the HBM's 725 B/ns: the port limits
  Noc noc("noc", nc);
  HbmConfig hc;
  hc.capacity = uint64_t{1} << 30;
  hc.stacks = 1;
  Hbm hbm("hbm", hc);
  Probe a("a"), b("b"), c("c");
  a.socket.bind(noc.in);
  b.socket.bind(noc.in);
  c.socket.bind(noc.in);
  noc.out.bind(hbm.socket);
  noc.add_route(0x1'0000'0000, uint64_t{1} << 30, 0, true, "hbm");
  trnsim::TraceWriter tw(path);
  noc.set_trace(&tw);
  const unsigned kN = 30, kLen = 65536;
  sc_time end[3];
  auto stream = [&](unsigned k) {
    return [&, k](Probe& pr) {
      std::vector<uint8_t> buf(kLen);
      for (unsigned i = 0; i < kN; ++i)
        wait(pr.timed(tlm::TLM_READ_COMMAND, 0x1'0000'0000 + (k * kN + i) * uint64_t{kLen},
                      buf.data(), kLen));
      end[k] = sc_core::sc_time_stamp();
    };
  };
  a.body = stream(0);
  b.body = stream(1);
  c.body = stream(2);
  sc_core::sc_start();
  REQUIRE(a.done);
  REQUIRE(b.done);
  REQUIRE(c.done);
  const sc_time span = std::max({end[0], end[1], end[2]});
  const double rate = 3.0 * kN * kLen / span.to_seconds() / 1e9;
  INFO("three initiators through the NoC: " << rate << " B/ns");
  CHECK(rate <= 400.0);
  CHECK(rate >= 0.8 * 400.0);
  CHECK(hbm.total_stats().bytes_read == 3ull * kN * kLen);
  noc.set_trace(nullptr);
  tw.close();
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string json = ss.str();
  CHECK(json.find("noc.in0") != std::string::npos);
  CHECK(json.find("noc.in2") != std::string::npos);
  CHECK(json.find("\"R hbm\"") != std::string::npos);
  CHECK(tw.events() >= 3 * kN);
}
