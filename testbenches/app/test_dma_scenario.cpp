// The DMA scenario file format of `trnsim dma` (systemc/app/dma_scenario.h):
// what it accepts, and that every error names file:line and the field.
#include <sstream>

#include <catch2/catch.hpp>
#include "dma_scenario.h"

using trnsim::app::DmaExpect;
using trnsim::app::parse_dma_scenario;
using trnsim::app::ScenarioError;

namespace {

trnsim::app::DmaScenario parse(const std::string& text) {
  std::istringstream in(text);
  return parse_dma_scenario(in, "s.txt");
}

// The message of the ScenarioError that parsing text throws ("" if none).
std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("dma scenario: a full file parses", "[app][dma]") {
  const auto sc = parse(
      "# comment\n"
      "config q2_d64\n"
      "latency 100   # trailing comment\n"
      "fill 0x1000 4K seed=9\n"
      "fill 0x9000 16\n"
      "mem 0x2000 00 11 2233 0xff\n"
      "queue 1 ring=0x40000 entries=8 cpl=0x50000 window=0x1000:0x3000 window=0x8000:0xa000\n"
      "desc 0 src=0x1000 dst=0x8000 len=100\n"
      "desc 1 src=0x1000 dst=0x8000 len=64 rows=4 src_stride=128 dst_stride=0x100 irq last cpl\n"
      "expect copy\n"
      "expect mem 0x8000 0a0b\n"
      "expect error 1 DST_WINDOW\n"
      "expect error 0 7\n");
  CHECK(sc.config == "q2_d64");
  REQUIRE(sc.latency);
  CHECK(*sc.latency == 100);
  REQUIRE(sc.mem.size() == 3);
  CHECK(sc.mem[0].random_len == 4096);
  CHECK(sc.mem[0].seed.value_or(0) == 9);
  CHECK(!sc.mem[1].seed);
  CHECK(sc.mem[2].bytes == std::vector<uint8_t>{0x00, 0x11, 0x22, 0x33, 0xff});
  const auto& q = sc.queues[1];
  CHECK(q.line == 7);
  CHECK(q.ring.value_or(0) == 0x40000);
  CHECK(q.entries.value_or(0) == 8);
  CHECK(q.cpl.value_or(0) == 0x50000);
  REQUIRE(q.windows.size() == 2);
  CHECK(q.windows[1].base == 0x8000);
  CHECK(q.windows[1].limit == 0xa000);
  CHECK(sc.queues[0].line == 0);
  REQUIRE(sc.descs.size() == 2);
  CHECK(sc.descs[0].desc.rows == 1);
  const auto& d = sc.descs[1];
  CHECK(d.line == 9);
  CHECK(d.queue == 1);
  CHECK(d.desc.len == 64);
  CHECK(d.desc.rows == 4);
  CHECK(d.desc.src_stride == 128);
  CHECK(d.desc.dst_stride == 256);
  CHECK((d.desc.irq && d.desc.last && d.desc.cpl));
  REQUIRE(sc.expects.size() == 4);
  CHECK(sc.expects[0].kind == DmaExpect::kCopy);
  CHECK(sc.expects[1].kind == DmaExpect::kBytes);
  CHECK(sc.expects[1].bytes == std::vector<uint8_t>{0x0a, 0x0b});
  CHECK(sc.expects[2].kind == DmaExpect::kError);
  CHECK(sc.expects[2].queue == 1);
  CHECK(sc.expects[2].code == 6);
  CHECK(sc.expects[3].code == 7);
}

TEST_CASE("dma scenario: errors name file:line and the field", "[app][dma]") {
  const std::string d = "desc 0 src=0 dst=0x100 len=4\n";
  struct Case {
    std::string text, want;
  } cases[] = {
      {"\n\nfrob 1\n", "s.txt:3: unknown keyword 'frob'"},
      {d + "desc 0 src=0x10 dst=0x20 len=12x4\n", "s.txt:2: desc field 'len': '12x4' is not a number"},
      {"desc 0 dst=0x20 len=4\n", "s.txt:1: desc: field 'src' is missing"},
      {"desc 0 src=1 dst=2 len=4 speed=3\n", "s.txt:1: desc: unknown field 'speed'"},
      {"desc 0 src=1 dst=2 len=4 fast\n", "s.txt:1: desc: unknown field 'fast'"},
      {"desc 0 src=1 src=2 dst=2 len=4\n", "s.txt:1: desc: field 'src' given twice"},
      {"desc 0 src=1 dst=2 len=\n", "s.txt:1: desc: field 'len' has no value"},
      {"desc 4 src=1 dst=2 len=4\n", "s.txt:1: desc queue: 4 is outside 0..3"},
      {"desc 0 src=1 dst=2 len=4G\n", "s.txt:1: desc field 'len': 4G is outside 0..4294967295"},
      {"desc 0 src=1 dst=2 len=4 rows=65536\n", "s.txt:1: desc field 'rows': 65536 is outside 0..65535"},
      {"desc 0 src=-1 dst=2 len=4\n", "s.txt:1: desc field 'src': '-1' is not a number"},
      {d + "mem 0x10 0g\n", "s.txt:2: mem bytes: '0g' is not hex"},
      {d + "mem 0x10 123\n", "s.txt:2: mem bytes: '123' is not whole hex bytes"},
      {d + "mem 0x10\n", "s.txt:2: mem: expected 'mem ADDR HEXBYTES...'"},
      {d + "fill 0x10 0\n", "s.txt:2: fill length: 0 is outside 1.."},
      {d + "fill 0x10 8 sede=1\n", "s.txt:2: fill: unknown field 'sede'"},
      {d + "queue 0 ring=0x10\n", "s.txt:2: queue: field 'ring': must be a multiple of 32 bytes"},
      {d + "queue 0 window=0x10\n", "s.txt:2: queue: field 'window': '0x10' is not BASE:LIMIT"},
      {d + "queue 0 window=0x20:0x10\n", "s.txt:2: queue: field 'window': limit must be above base"},
      {d + "queue 0 window=0:1 window=2:3 window=4:5\n", "s.txt:2: queue: field 'window': at most 2"},
      {d + "queue 0 entries=1\n", "s.txt:2: entries: 1 is outside 2..65535"},
      {d + "queue 0\nqueue 0\n", "s.txt:3: queue: queue 0 already set up at line 2"},
      {d + "latency 0\n", "s.txt:2: latency: 0 is outside 1..100000"},
      {d + "config\n", "s.txt:2: config: expected 'config NAME'"},
      {d + "expect nothing\n", "s.txt:2: expect: unknown check 'nothing'"},
      {d + "expect error 0 BAD_THING\n", "s.txt:2: expect error: CODE 'BAD_THING' is not an error name"},
      {d + "expect copy now\n", "s.txt:2: expect copy: takes no arguments"},
      {"# nothing\n", "s.txt:1: no 'desc' line in the file"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const std::string got = error_of(c.text);
    CHECK(got.rfind(c.want, 0) == 0);
    if (got.rfind(c.want, 0) != 0) WARN("got: " << got);
  }
}

TEST_CASE("dma scenario: error code names", "[app][dma]") {
  CHECK(std::string(trnsim::app::dma_err_name(6)) == "DST_WINDOW");
  CHECK(std::string(trnsim::app::dma_err_name(1)) == "RING_CONFIG");
  CHECK(std::string(trnsim::app::dma_err_name(9)) == "CPL_WRITE_ERR");
  CHECK(std::string(trnsim::app::dma_err_name(15)) == "?");
}

TEST_CASE("dma scenario: a missing file", "[app][dma]") {
  CHECK_THROWS_WITH(trnsim::app::read_dma_scenario("/nonexistent/s.txt"),
                    "/nonexistent/s.txt: cannot open scenario file");
}
