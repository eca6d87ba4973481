// The statistics registry: the one place every block registers its counters,
// gauges and histograms, under hierarchical names keyed by instance path
// ("chip0.core0.tensor.busy_cycles"), each with a description and a unit.
// The JSON report, the run summary, the power model and tests read it by name.
//
// Hot path: register once at elaboration, keep the returned reference, and
// update it with plain inline arithmetic (`busy_ += n` is one add; no lookup,
// no virtual call). References stay valid for the registry's lifetime (reset()
// zeroes values, it does not unregister).
//
// Thread-compatible, like SystemC itself: one simulation thread updates a
// registry; nothing is locked. Not a global: the top (ChipTop, FabricTop)
// owns a Registry and passes it (or a Scope) to its children.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace trnsim::stats {

// Registration and lookup problems (duplicate or malformed name, unknown
// name, wrong kind, bad bucket spec). The message names the statistic.
class StatsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Counter {
  uint64_t value = 0;
  Counter& operator+=(uint64_t n) { value += n; return *this; }
  Counter& operator++() { ++value; return *this; }
  void inc(uint64_t n = 1) { value += n; }
};

struct Gauge {
  double value = 0;
  void set(double v) { value = v; }
  void add(double v) { value += v; }
  void max(double v) { if (v > value) value = v; }  // high-water marks
};

// Bucket layout, fixed at registration.
//   log2(n):  bucket 0 = [0, 1), bucket i = [2^(i-1), 2^i) for i = 1 .. n-2,
//             bucket n-1 = [2^(n-2), inf). Negative samples go to bucket 0.
//   linear(lo, width, n): bucket 0 = (-inf, lo) underflow, bucket i =
//             [lo + (i-1) width, lo + i width) for i = 1 .. n, bucket n+1 =
//             [lo + n width, inf) overflow: n + 2 buckets in all.
struct Buckets {
  enum class Kind { kLog2, kLinear };
  Kind kind = Kind::kLog2;
  unsigned count = 0;  // log2: total buckets; linear: buckets between the under/overflow
  double lo = 0, width = 1;
  static Buckets log2(unsigned n = 32) { return {Kind::kLog2, n, 0, 1}; }
  static Buckets linear(double lo, double width, unsigned n) { return {Kind::kLinear, n, lo, width}; }
};

class Histogram {
 public:
  explicit Histogram(const Buckets& b);
  void sample(double v, uint64_t weight = 1) {
    counts_[bucket_of(v)] += weight;
    n_ += weight;
    sum_ += v * double(weight);
    if (v < min_) min_ = v;
    if (v > max_) max_ = v;
  }
  std::size_t bucket_of(double v) const;
  const Buckets& buckets() const { return spec_; }
  const std::vector<uint64_t>& counts() const { return counts_; }
  double bucket_lo(std::size_t i) const;  // -inf for the first linear bucket
  double bucket_hi(std::size_t i) const;  // +inf for the last bucket
  uint64_t count() const { return n_; }
  double sum() const { return sum_; }
  double mean() const { return n_ ? sum_ / double(n_) : 0.0; }
  double min() const { return n_ ? min_ : 0.0; }  // 0 when empty
  double max() const { return n_ ? max_ : 0.0; }
  void reset();

 private:
  Buckets spec_;
  std::vector<uint64_t> counts_;
  uint64_t n_ = 0;
  double sum_ = 0, min_, max_;
};

enum class Kind { kCounter, kGauge, kHistogram };
const char* to_string(Kind k);  // "counter", "gauge", "histogram"

struct Entry {
  std::string name, description, unit;
  Kind kind;
  Counter counter;
  Gauge gauge;
  std::unique_ptr<Histogram> histogram;
};

class Scope;

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names: dot-separated segments of [A-Za-z0-9_[]-] ("core[3]" is fine),
  // no empty segment. A name may not be registered twice, nor be both a
  // statistic and a prefix of another ("a.b" and "a.b.c"), so the tree view
  // is always well formed. Throws StatsError.
  Counter& counter(const std::string& name, const std::string& description, const std::string& unit);
  Gauge& gauge(const std::string& name, const std::string& description, const std::string& unit);
  Histogram& histogram(const std::string& name, const std::string& description, const std::string& unit,
                       const Buckets& buckets);
  Scope scope(const std::string& prefix);

  // Lookup (tests, power model, reports). find() returns nullptr if absent;
  // the typed getters throw StatsError naming the statistic (unknown, or
  // registered as another kind).
  const Entry* find(const std::string& name) const;
  bool contains(const std::string& name) const { return find(name) != nullptr; }
  uint64_t counter_value(const std::string& name) const;
  double gauge_value(const std::string& name) const;
  const Histogram& histogram_at(const std::string& name) const;
  // Sum of the counters whose name matches `pattern`, where a segment "*"
  // matches any one segment ("chip0.*.dma.bytes_read").
  uint64_t sum_counters(const std::string& pattern) const;
  std::vector<std::string> names(const std::string& prefix = "") const;  // sorted
  std::size_t size() const { return entries_.size(); }

  // Zero every value (registrations and references stay).
  void reset();

  // Reports. JSON: one object keyed by full name in sorted order, each
  //   {"kind": "counter", "unit": ..., "description": ..., "value": N}
  //   {"kind": "gauge", ..., "value": X}
  //   {"kind": "histogram", ..., "count", "sum", "min", "max", "mean",
  //    "buckets": [{"lo": X|null, "hi": X|null, "count": N}, ...]}
  // (null = unbounded). Only statistics under `prefix` when given.
  std::string to_json(const std::string& prefix = "", int indent = 2) const;
  void write_json(std::ostream& os, const std::string& prefix = "") const;
  // Text table: name, value (histograms: count/mean/min/max), unit.
  std::string summary(const std::string& prefix = "") const;

 private:
  Entry& add(const std::string& name, const std::string& description, const std::string& unit, Kind kind);
  const Entry& get(const std::string& name, Kind kind) const;
  std::map<std::string, std::unique_ptr<Entry>> entries_;
};

// Registers under a fixed prefix: a block gets a Scope for its instance path.
class Scope {
 public:
  Scope(Registry& r, std::string prefix) : reg_(&r), prefix_(std::move(prefix)) {}
  Counter& counter(const std::string& n, const std::string& d, const std::string& u) { return reg_->counter(full(n), d, u); }
  Gauge& gauge(const std::string& n, const std::string& d, const std::string& u) { return reg_->gauge(full(n), d, u); }
  Histogram& histogram(const std::string& n, const std::string& d, const std::string& u, const Buckets& b) {
    return reg_->histogram(full(n), d, u, b);
  }
  Scope scope(const std::string& sub) const { return Scope(*reg_, full(sub)); }
  const std::string& prefix() const { return prefix_; }
  std::string full(const std::string& n) const { return prefix_.empty() ? n : prefix_ + "." + n; }
  Registry& registry() const { return *reg_; }

 private:
  Registry* reg_;
  std::string prefix_;
};

inline Scope Registry::scope(const std::string& prefix) { return Scope(*this, prefix); }

}  // namespace trnsim::stats
