// The AXI4 memory model on its own: data round trip, per-ID ordering under
// reordering, error injection, and each protocol rule its checker enforces
// (a violating master must throw, naming the rule).
#include <catch2/catch.hpp>

#include <map>

#include "common/axi4_mem.h"

using namespace trnsim::cosim;

namespace {

// Steps the model one cycle with the given master outputs; returns what the
// slave drove in that cycle.
Axi4SlaveOut step(Axi4Mem& m, const Axi4MasterOut& in) {
  Axi4SlaveOut out;
  m.drive(out);
  m.observe(in);
  return out;
}

Axi4MasterOut idle(unsigned data_bytes) {
  Axi4MasterOut o;
  o.wdata.assign(data_bytes / 4, 0);
  o.rready = o.bready = true;
  return o;
}

}  // namespace

TEST_CASE("axi4_mem: write then read back with strobes", "[axi4_mem]") {
  Axi4MemConfig c;
  c.data_bytes = 8;
  Axi4Mem m(c);
  Axi4MasterOut in = idle(8);
  in.awvalid = true;
  in.awaddr = 0x100;
  in.awlen = 1;
  in.awsize = 3;
  step(m, in);  // AW accepted
  in.awvalid = false;
  in.wvalid = true;
  in.wdata = {0x03020100, 0x07060504};
  in.wstrb = 0xF0;
  Axi4SlaveOut o = step(m, in);
  REQUIRE(o.wready);
  in.wdata = {0x0B0A0908, 0x0F0E0D0C};
  in.wstrb = 0x0F;
  in.wlast = true;
  step(m, in);
  in.wvalid = false;
  int guard = 0;
  while (!m.idle() && ++guard < 10) step(m, in);
  CHECK(m.idle());
  CHECK(m.read32(0x100) == 0);
  CHECK(m.read32(0x104) == 0x07060504);
  CHECK(m.read32(0x108) == 0x0B0A0908);
  CHECK(m.stats().bytes_written == 8);
}

TEST_CASE("axi4_mem: responses reorder across IDs but never within one", "[axi4_mem]") {
  Axi4MemConfig c;
  c.data_bytes = 4;
  c.reorder = true;
  c.read_latency = 3;
  c.r_valid_p = 0.5;
  c.seed = 99;
  Axi4Mem m(c);
  for (uint32_t a = 0; a < 64; a += 4) m.write32(0x1000 + a, a);
  Axi4MasterOut in = idle(4);
  std::map<uint32_t, std::vector<uint32_t>> got;
  // 8 single-beat reads alternating IDs 0..3
  for (uint32_t i = 0; i < 8; ++i) {
    in.arvalid = true;
    in.arid = i % 4;
    in.araddr = 0x1000 + 4 * i;
    in.arsize = 2;
    const auto o = step(m, in);
    if (o.rvalid) got[o.rid].push_back(o.rdata[0]);
  }
  in.arvalid = false;
  for (int k = 0; k < 100 && !m.idle(); ++k) {
    const auto o = step(m, in);
    if (o.rvalid) got[o.rid].push_back(o.rdata[0]);
  }
  REQUIRE(m.idle());
  for (uint32_t id = 0; id < 4; ++id) {
    REQUIRE(got[id].size() == 2);
    CHECK(got[id][0] == 4 * id);
    CHECK(got[id][1] == 4 * (id + 4));
  }
}

TEST_CASE("axi4_mem: error injection by range and by burst number", "[axi4_mem]") {
  Axi4MemConfig c;
  c.data_bytes = 4;
  Axi4Mem m(c);
  m.add_error_range(0x2000, 0x2004, AxiResp::kSlvErr, true, true);
  m.fail_read_burst(1, AxiResp::kDecErr);
  Axi4MasterOut in = idle(4);
  std::vector<uint8_t> resps;
  for (uint64_t a : {0x1000ull, 0x1004ull, 0x2000ull}) {
    in.arvalid = true;
    in.araddr = a;
    in.arsize = 2;
    const auto o = step(m, in);
    if (o.rvalid) resps.push_back(o.rresp);
  }
  in.arvalid = false;
  for (int k = 0; k < 20 && !m.idle(); ++k) {
    const auto o = step(m, in);
    if (o.rvalid) resps.push_back(o.rresp);
  }
  CHECK(resps == std::vector<uint8_t>{0, 3, 2});
}

TEST_CASE("axi4_mem: the protocol checker names the broken rule", "[axi4_mem]") {
  Axi4MemConfig c;
  c.data_bytes = 32;
  Axi4MasterOut in = idle(32);

  SECTION("AR payload changes while stalled") {
    c.ar_ready_p = 0.0;
    Axi4Mem m(c);
    in.arvalid = true;
    in.araddr = 0x40;
    in.arsize = 5;
    step(m, in);
    in.araddr = 0x80;
    CHECK_THROWS_WITH(step(m, in), Catch::Contains("AR_STABLE") && Catch::Contains("cycle 1"));
  }
  SECTION("AWVALID dropped while stalled") {
    c.aw_ready_p = 0.0;
    Axi4Mem m(c);
    in.awvalid = true;
    in.awsize = 5;
    step(m, in);
    in.awvalid = false;
    CHECK_THROWS_WITH(step(m, in), Catch::Contains("AW_STABLE"));
  }
  SECTION("burst crossing 4 KiB") {
    Axi4Mem m(c);
    in.arvalid = true;
    in.araddr = 0xFE0;
    in.arlen = 1;
    in.arsize = 5;
    CHECK_THROWS_WITH(step(m, in), Catch::Contains("NO_4K_CROSSING"));
  }
  SECTION("burst longer than 256 beats") {
    Axi4Mem m(c);
    in.awvalid = true;
    in.awlen = 256;
    in.awsize = 5;
    CHECK_THROWS_WITH(step(m, in), Catch::Contains("BURST_LEN"));
  }
  SECTION("WLAST early and WLAST missing") {
    Axi4Mem m(c);
    in.awvalid = true;
    in.awlen = 1;
    in.awsize = 5;
    step(m, in);
    in.awvalid = false;
    in.wvalid = true;
    in.wlast = true;  // beat 0 of 2
    CHECK_THROWS_WITH(step(m, in), Catch::Contains("WLAST early"));
  }
  SECTION("W payload changes while stalled") {
    c.w_ready_p = 0.0;
    Axi4Mem m(c);
    in.awvalid = true;
    in.awsize = 5;
    step(m, in);
    in.awvalid = false;
    in.wvalid = true;
    in.wlast = true;
    in.wstrb = 1;
    step(m, in);
    in.wstrb = 3;
    CHECK_THROWS_WITH(step(m, in), Catch::Contains("W_STABLE"));
  }
}
