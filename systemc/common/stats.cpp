// The statistics registry (stats.h).
#include "common/stats.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <sstream>

namespace trnsim::stats {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

const char* to_string(Kind k) {
  switch (k) {
    case Kind::kCounter: return "counter";
    case Kind::kGauge: return "gauge";
    case Kind::kHistogram: return "histogram";
  }
  return "?";
}

// --- Histogram ------------------------------------------------------------

Histogram::Histogram(const Buckets& b) : spec_(b) {
  if (b.kind == Buckets::Kind::kLog2) {
    if (b.count < 2 || b.count > 65)
      throw StatsError("log2 histogram needs 2..65 buckets, got " + std::to_string(b.count));
    counts_.assign(b.count, 0);
  } else {
    if (b.count < 1 || b.count > 100000)
      throw StatsError("linear histogram needs 1..100000 buckets, got " + std::to_string(b.count));
    if (!(b.width > 0) || !std::isfinite(b.width) || !std::isfinite(b.lo))
      throw StatsError("linear histogram needs a finite lo and a width > 0");
    counts_.assign(std::size_t(b.count) + 2, 0);
  }
  reset();
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  n_ = 0;
  sum_ = 0;
  min_ = kInf;
  max_ = -kInf;
}

std::size_t Histogram::bucket_of(double v) const {
  const std::size_t last = counts_.size() - 1;
  if (spec_.kind == Buckets::Kind::kLog2) {
    if (!(v >= 1.0)) return 0;  // also NaN
    if (v >= 0x1p63) return last;
    const uint64_t x = uint64_t(v);
    const std::size_t b = std::size_t(64 - __builtin_clzll(x));  // 1 -> 1, 2..3 -> 2, ...
    return b < last ? b : last;
  }
  if (!(v >= spec_.lo)) return 0;
  const double i = std::floor((v - spec_.lo) / spec_.width);
  if (i >= double(spec_.count)) return last;
  return std::size_t(i) + 1;
}

double Histogram::bucket_lo(std::size_t i) const {
  if (spec_.kind == Buckets::Kind::kLog2) return i == 0 ? 0.0 : std::ldexp(1.0, int(i) - 1);
  return i == 0 ? -kInf : spec_.lo + double(i - 1) * spec_.width;
}

double Histogram::bucket_hi(std::size_t i) const {
  if (i + 1 >= counts_.size()) return kInf;
  if (spec_.kind == Buckets::Kind::kLog2) return std::ldexp(1.0, int(i));
  return spec_.lo + double(i) * spec_.width;
}

// --- Registry -------------------------------------------------------------

namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n.front() == '.' || n.back() == '.') return false;
  char prev = 0;
  for (char ch : n) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '_' || ch == '[' || ch == ']' || ch == '-' || ch == '.';
    if (!ok || (ch == '.' && prev == '.')) return false;
    prev = ch;
  }
  return true;
}

bool under(const std::string& name, const std::string& prefix) {
  return prefix.empty() || name == prefix ||
         (name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0 && name[prefix.size()] == '.');
}

}  // namespace

Entry& Registry::add(const std::string& name, const std::string& description, const std::string& unit, Kind kind) {
  if (!valid_name(name))
    throw StatsError("stats: invalid name '" + name +
                     "' (dot-separated segments of letters, digits, '_', '-', '[', ']')");
  if (auto it = entries_.find(name); it != entries_.end())
    throw StatsError("stats: '" + name + "' is already registered (as a " + to_string(it->second->kind) + ": " +
                     it->second->description + ")");
  // No statistic may be a prefix group of another.
  for (auto dot = name.find('.'); dot != std::string::npos; dot = name.find('.', dot + 1))
    if (entries_.count(name.substr(0, dot)))
      throw StatsError("stats: cannot register '" + name + "': '" + name.substr(0, dot) +
                       "' is a statistic, not a group");
  if (auto it = entries_.lower_bound(name + "."); it != entries_.end() && under(it->first, name))
    throw StatsError("stats: cannot register '" + name + "': it is already a group ('" + it->first + "')");
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->description = description;
  e->unit = unit;
  e->kind = kind;
  Entry& ref = *e;
  entries_.emplace(name, std::move(e));
  return ref;
}

Counter& Registry::counter(const std::string& name, const std::string& description, const std::string& unit) {
  return add(name, description, unit, Kind::kCounter).counter;
}

Gauge& Registry::gauge(const std::string& name, const std::string& description, const std::string& unit) {
  return add(name, description, unit, Kind::kGauge).gauge;
}

Histogram& Registry::histogram(const std::string& name, const std::string& description, const std::string& unit,
                               const Buckets& buckets) {
  std::unique_ptr<Histogram> h;
  try {
    h = std::make_unique<Histogram>(buckets);
  } catch (const StatsError& e) {
    throw StatsError("stats: '" + name + "': " + e.what());
  }
  Entry& e = add(name, description, unit, Kind::kHistogram);
  e.histogram = std::move(h);
  return *e.histogram;
}

const Entry* Registry::find(const std::string& name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : it->second.get();
}

const Entry& Registry::get(const std::string& name, Kind kind) const {
  const Entry* e = find(name);
  if (!e) throw StatsError("stats: no statistic named '" + name + "'");
  if (e->kind != kind)
    throw StatsError("stats: '" + name + "' is a " + to_string(e->kind) + ", not a " + to_string(kind));
  return *e;
}

uint64_t Registry::counter_value(const std::string& name) const { return get(name, Kind::kCounter).counter.value; }
double Registry::gauge_value(const std::string& name) const { return get(name, Kind::kGauge).gauge.value; }
const Histogram& Registry::histogram_at(const std::string& name) const {
  return *get(name, Kind::kHistogram).histogram;
}

uint64_t Registry::sum_counters(const std::string& pattern) const {
  auto split = [](const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (auto dot = s.find('.'); dot != std::string::npos; dot = s.find('.', start)) {
      out.push_back(s.substr(start, dot - start));
      start = dot + 1;
    }
    out.push_back(s.substr(start));
    return out;
  };
  const auto pat = split(pattern);
  uint64_t sum = 0;
  for (const auto& [name, e] : entries_) {
    if (e->kind != Kind::kCounter) continue;
    const auto segs = split(name);
    if (segs.size() != pat.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < segs.size() && match; ++i) match = pat[i] == "*" || pat[i] == segs[i];
    if (match) sum += e->counter.value;
  }
  return sum;
}

std::vector<std::string> Registry::names(const std::string& prefix) const {
  std::vector<std::string> out;
  for (const auto& kv : entries_)
    if (under(kv.first, prefix)) out.push_back(kv.first);
  return out;
}

void Registry::reset() {
  for (auto& kv : entries_) {
    Entry& e = *kv.second;
    e.counter.value = 0;
    e.gauge.value = 0;
    if (e.histogram) e.histogram->reset();
  }
}

namespace {
nlohmann::json bound(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }
}  // namespace

std::string Registry::to_json(const std::string& prefix, int indent) const {
  nlohmann::json root = nlohmann::json::object();  // std::map: sorted keys
  for (const auto& [name, e] : entries_) {
    if (!under(name, prefix)) continue;
    nlohmann::json j;
    j["kind"] = to_string(e->kind);
    j["unit"] = e->unit;
    j["description"] = e->description;
    switch (e->kind) {
      case Kind::kCounter: j["value"] = e->counter.value; break;
      case Kind::kGauge: j["value"] = bound(e->gauge.value); break;
      case Kind::kHistogram: {
        const Histogram& h = *e->histogram;
        j["count"] = h.count();
        j["sum"] = bound(h.sum());
        j["min"] = bound(h.min());
        j["max"] = bound(h.max());
        j["mean"] = bound(h.mean());
        nlohmann::json b = nlohmann::json::array();
        for (std::size_t i = 0; i < h.counts().size(); ++i)
          b.push_back({{"lo", bound(h.bucket_lo(i))}, {"hi", bound(h.bucket_hi(i))}, {"count", h.counts()[i]}});
        j["buckets"] = std::move(b);
        break;
      }
    }
    root[name] = std::move(j);
  }
  return root.dump(indent);
}

void Registry::write_json(std::ostream& os, const std::string& prefix) const { os << to_json(prefix) << "\n"; }

std::string Registry::summary(const std::string& prefix) const {
  std::size_t width = 4;
  for (const auto& kv : entries_)
    if (under(kv.first, prefix)) width = std::max(width, kv.first.size());
  std::ostringstream o;
  char buf[256];
  for (const auto& [name, e] : entries_) {
    if (!under(name, prefix)) continue;
    std::string value;
    switch (e->kind) {
      case Kind::kCounter: value = std::to_string(e->counter.value); break;
      case Kind::kGauge:
        std::snprintf(buf, sizeof buf, "%.6g", e->gauge.value);
        value = buf;
        break;
      case Kind::kHistogram: {
        const Histogram& h = *e->histogram;
        std::snprintf(buf, sizeof buf, "n=%llu mean=%.6g min=%.6g max=%.6g", (unsigned long long)h.count(),
                      h.mean(), h.min(), h.max());
        value = buf;
        break;
      }
    }
    o << name << std::string(width - name.size() + 2, ' ') << value;
    if (!e->unit.empty()) o << " " << e->unit;
    o << "\n";
  }
  return o.str();
}

}  // namespace trnsim::stats
