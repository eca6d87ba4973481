// The statistics registry: registration, the hot-path references, duplicate
// and malformed names, histogram buckets, lookup, reset, JSON and text output.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>

#include "common/stats.h"

using namespace trnsim::stats;
using nlohmann::json;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const StatsError& e) {
    return e.what();
  }
  return "(no error)";
}
}  // namespace

TEST_CASE("registration and hot-path references", "[stats]") {
  Registry r;
  Counter& busy = r.counter("chip0.core0.tensor.busy_cycles", "cycles the array computes", "cycles");
  Gauge& util = r.gauge("chip0.core0.tensor.utilization", "busy / total", "");
  Scope core1 = r.scope("chip0.core1");
  Counter& busy1 = core1.scope("tensor").counter("busy_cycles", "cycles the array computes", "cycles");
  // Registering more entries must not move earlier ones (references stay valid).
  for (int i = 0; i < 100; ++i) r.counter("chip0.fill.c" + std::to_string(i), "filler", "");
  busy += 5;
  ++busy;
  busy.inc(4);
  busy1.inc();
  util.set(0.25);
  util.add(0.5);
  CHECK(r.counter_value("chip0.core0.tensor.busy_cycles") == 10);
  CHECK(r.counter_value("chip0.core1.tensor.busy_cycles") == 1);
  CHECK(r.gauge_value("chip0.core0.tensor.utilization") == 0.75);
  CHECK(r.sum_counters("chip0.*.tensor.busy_cycles") == 11);
  CHECK(r.sum_counters("chip0.fill.*") == 0);
  CHECK(r.size() == 103);
  CHECK(r.contains("chip0.core1.tensor.busy_cycles"));
  CHECK_FALSE(r.contains("chip0.core1.tensor"));
  const Entry* e = r.find("chip0.core0.tensor.busy_cycles");
  REQUIRE(e != nullptr);
  CHECK(e->kind == Kind::kCounter);
  CHECK(e->unit == "cycles");
  CHECK(e->description == "cycles the array computes");
  CHECK(r.names("chip0.core1") == std::vector<std::string>{"chip0.core1.tensor.busy_cycles"});
  CHECK(r.names("chip0.core").empty());  // prefixes match whole segments
  // reset zeroes values, keeps registrations and references.
  r.reset();
  CHECK(r.counter_value("chip0.core0.tensor.busy_cycles") == 0);
  CHECK(r.gauge_value("chip0.core0.tensor.utilization") == 0);
  busy += 2;
  CHECK(r.counter_value("chip0.core0.tensor.busy_cycles") == 2);
  CHECK(r.size() == 103);
}

TEST_CASE("duplicate and malformed names are errors", "[stats]") {
  Registry r;
  r.counter("chip0.dma.bytes_read", "bytes read by the DMA engines", "B");
  CHECK(error_of([&] { r.counter("chip0.dma.bytes_read", "again", "B"); }) ==
        "stats: 'chip0.dma.bytes_read' is already registered (as a counter: bytes read by the DMA engines)");
  CHECK(error_of([&] { r.gauge("chip0.dma.bytes_read", "again", "B"); }) ==
        "stats: 'chip0.dma.bytes_read' is already registered (as a counter: bytes read by the DMA engines)");
  CHECK(error_of([&] { r.counter("chip0.dma.bytes_read.x", "", ""); }) ==
        "stats: cannot register 'chip0.dma.bytes_read.x': 'chip0.dma.bytes_read' is a statistic, not a group");
  CHECK(error_of([&] { r.counter("chip0.dma", "", ""); }) ==
        "stats: cannot register 'chip0.dma': it is already a group ('chip0.dma.bytes_read')");
  const std::string bad_name =
      "(dot-separated segments of letters, digits, '_', '-', '[', ']')";
  CHECK(error_of([&] { r.counter("", "", ""); }) == "stats: invalid name '' " + bad_name);
  CHECK(error_of([&] { r.counter("a..b", "", ""); }) == "stats: invalid name 'a..b' " + bad_name);
  CHECK(error_of([&] { r.counter("a.b.", "", ""); }) == "stats: invalid name 'a.b.' " + bad_name);
  CHECK(error_of([&] { r.counter("a b", "", ""); }) == "stats: invalid name 'a b' " + bad_name);
  CHECK(r.counter("fabric.chip[17].core[3].dma.bytes_read", "", "B").value == 0);  // brackets are fine
  CHECK(error_of([&] { r.histogram("h", "", "", Buckets::log2(1)); }) ==
        "stats: 'h': log2 histogram needs 2..65 buckets, got 1");
  CHECK(error_of([&] { r.histogram("h", "", "", Buckets::linear(0, 0, 4)); }) ==
        "stats: 'h': linear histogram needs a finite lo and a width > 0");
  CHECK_FALSE(r.contains("h"));  // a failed registration registers nothing
  // Lookup errors.
  CHECK(error_of([&] { r.counter_value("nope"); }) == "stats: no statistic named 'nope'");
  CHECK(error_of([&] { r.gauge_value("chip0.dma.bytes_read"); }) ==
        "stats: 'chip0.dma.bytes_read' is a counter, not a gauge");
  CHECK(error_of([&] { r.histogram_at("chip0.dma.bytes_read"); }) ==
        "stats: 'chip0.dma.bytes_read' is a counter, not a histogram");
}

TEST_CASE("log2 histogram buckets", "[stats]") {
  Registry r;
  Histogram& h = r.histogram("lat", "latency", "ns", Buckets::log2(8));
  // bucket 0 = [0,1), 1 = [1,2), 2 = [2,4), 3 = [4,8), ..., 7 = [64, inf)
  CHECK(h.bucket_of(0) == 0);
  CHECK(h.bucket_of(0.5) == 0);
  CHECK(h.bucket_of(-3) == 0);
  CHECK(h.bucket_of(std::nan("")) == 0);
  CHECK(h.bucket_of(1) == 1);
  CHECK(h.bucket_of(1.9) == 1);
  CHECK(h.bucket_of(2) == 2);
  CHECK(h.bucket_of(3) == 2);
  CHECK(h.bucket_of(4) == 3);
  CHECK(h.bucket_of(63) == 6);
  CHECK(h.bucket_of(64) == 7);
  CHECK(h.bucket_of(1e30) == 7);
  CHECK(h.bucket_lo(0) == 0);
  CHECK(h.bucket_hi(0) == 1);
  CHECK(h.bucket_lo(3) == 4);
  CHECK(h.bucket_hi(3) == 8);
  CHECK(h.bucket_lo(7) == 64);
  CHECK(std::isinf(h.bucket_hi(7)));
  for (double v : {0.0, 1.0, 3.0, 3.0, 100.0}) h.sample(v);
  h.sample(5, 10);  // weighted
  CHECK(h.counts() == std::vector<uint64_t>{1, 1, 2, 10, 0, 0, 0, 1});
  CHECK(h.count() == 15);
  CHECK(h.sum() == 157);
  CHECK(h.min() == 0);
  CHECK(h.max() == 100);
  CHECK(h.mean() == Approx(157.0 / 15));
  r.reset();
  CHECK(h.count() == 0);
  CHECK(h.counts() == std::vector<uint64_t>(8, 0));
  CHECK(h.min() == 0);
  CHECK(h.max() == 0);
}

TEST_CASE("linear histogram buckets", "[stats]") {
  Registry r;
  Histogram& h = r.histogram("occ", "queue occupancy", "entries", Buckets::linear(10, 5, 4));
  // 0 = (-inf,10), 1 = [10,15), 2 = [15,20), 3 = [20,25), 4 = [25,30), 5 = [30,inf)
  REQUIRE(h.counts().size() == 6);
  CHECK(h.bucket_of(9.99) == 0);
  CHECK(h.bucket_of(10) == 1);
  CHECK(h.bucket_of(14.99) == 1);
  CHECK(h.bucket_of(15) == 2);
  CHECK(h.bucket_of(29.99) == 4);
  CHECK(h.bucket_of(30) == 5);
  CHECK(h.bucket_of(1e9) == 5);
  CHECK(std::isinf(h.bucket_lo(0)));
  CHECK(h.bucket_hi(0) == 10);
  CHECK(h.bucket_lo(2) == 15);
  CHECK(h.bucket_hi(2) == 20);
  CHECK(h.bucket_lo(5) == 30);
  CHECK(std::isinf(h.bucket_hi(5)));
  for (double v : {-1.0, 12.0, 13.0, 22.0, 31.0}) h.sample(v);
  CHECK(h.counts() == std::vector<uint64_t>{1, 2, 0, 1, 0, 1});
}

TEST_CASE("JSON output is stable and complete", "[stats]") {
  Registry r;
  // Registered out of order: the dump is sorted by name.
  r.counter("chip0.core1.tensor.busy_cycles", "busy", "cycles") += 7;
  r.gauge("chip0.core0.vector.util", "utilization", "").set(0.5);
  Histogram& h = r.histogram("chip0.core0.dma.latency", "DMA latency", "ns", Buckets::log2(4));
  h.sample(3);
  h.sample(100);
  const std::string text = r.to_json();
  const json j = json::parse(text);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  CHECK(keys == std::vector<std::string>{"chip0.core0.dma.latency", "chip0.core0.vector.util",
                                         "chip0.core1.tensor.busy_cycles"});
  CHECK(text.find("chip0.core0.dma.latency") < text.find("chip0.core0.vector.util"));
  CHECK(j["chip0.core1.tensor.busy_cycles"] ==
        json({{"kind", "counter"}, {"unit", "cycles"}, {"description", "busy"}, {"value", 7}}));
  CHECK(j["chip0.core0.vector.util"]["value"] == 0.5);
  const json& hj = j["chip0.core0.dma.latency"];
  CHECK(hj["kind"] == "histogram");
  CHECK(hj["count"] == 2);
  CHECK(hj["sum"] == 103.0);
  CHECK(hj["min"] == 3.0);
  CHECK(hj["max"] == 100.0);
  CHECK(hj["buckets"] == json::parse(R"([{"lo":0.0,"hi":1.0,"count":0},{"lo":1.0,"hi":2.0,"count":0},
                                          {"lo":2.0,"hi":4.0,"count":1},{"lo":4.0,"hi":null,"count":1}])"));
  // A prefix selects a subtree; the same registry dumps the same text.
  const json sub = json::parse(r.to_json("chip0.core0"));
  CHECK(sub.size() == 2);
  CHECK(r.to_json() == text);
  std::ostringstream os;
  r.write_json(os);
  CHECK(os.str() == text + "\n");
}

TEST_CASE("text summary", "[stats]") {
  Registry r;
  r.counter("core0.tensor.busy_cycles", "busy", "cycles") += 1234;
  r.gauge("core0.util", "", "").set(0.5);
  r.histogram("core0.lat", "", "ns", Buckets::log2(8)).sample(4);
  CHECK(r.summary() ==
        "core0.lat                 n=1 mean=4 min=4 max=4 ns\n"
        "core0.tensor.busy_cycles  1234 cycles\n"
        "core0.util                0.5\n");
  CHECK(r.summary("core0.tensor") == "core0.tensor.busy_cycles  1234 cycles\n");
}
