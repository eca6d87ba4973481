// The configuration loader (config.h, docs/config.md). Every parameter is
// declared once in param_table(): path, storage, unit, range, help. Loading
// walks the JSON tree against that table, so unknown keys, wrong types,
// ranges and missing fields are all found in one place with the key path.
#include "common/config.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <type_traits>
#include <unistd.h>

#ifndef TRNSIM_SOURCE_CONFIG_DIR
#define TRNSIM_SOURCE_CONFIG_DIR ""
#endif

namespace trnsim::config {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

const char* to_string(DtypeClass d) {
  switch (d) {
    case DtypeClass::kFp8: return "fp8";
    case DtypeClass::kBf16: return "bf16";
    case DtypeClass::kFp32: return "fp32";
    case DtypeClass::kMxfp8: return "mxfp8";
  }
  return "?";
}

DtypeClass parse_dtype_class(const std::string& s) {
  if (s == "fp8") return DtypeClass::kFp8;
  if (s == "bf16") return DtypeClass::kBf16;
  if (s == "fp32") return DtypeClass::kFp32;
  if (s == "mxfp8") return DtypeClass::kMxfp8;
  throw ConfigError("unknown datatype class '" + s + "' (expected fp8, bf16, fp32 or mxfp8)");
}

double TensorRates::of(DtypeClass d) const {
  switch (d) {
    case DtypeClass::kFp8: return fp8;
    case DtypeClass::kBf16: return bf16;
    case DtypeClass::kFp32: return fp32;
    case DtypeClass::kMxfp8: return mxfp8;
  }
  return 0;
}

double ElemRates::of(DtypeClass d) const {
  switch (d) {
    case DtypeClass::kFp8:
    case DtypeClass::kMxfp8: return fp8;
    case DtypeClass::kBf16: return bf16;
    case DtypeClass::kFp32: return fp32;
  }
  return 0;
}

namespace {

enum class Storage { kU32, kU64, kF64, kStr, kFid };

struct ParamDef {
  ParamInfo info;
  Storage storage;
  std::function<void*(ChipConfig&)> field;
  const void* cfield(const ChipConfig& c) const { return field(const_cast<ChipConfig&>(c)); }
};

struct Table {
  std::vector<ParamDef> defs;
  std::vector<ParamInfo> infos;
  std::map<std::string, std::size_t> by_path;
  std::set<std::string> groups;  // "core", "core.tensor", ...

  template <class F>
  void add(const std::string& path, F f, const char* unit, double lo, double hi, const char* help) {
    using T = std::remove_pointer_t<decltype(f(std::declval<ChipConfig&>()))>;
    Storage s;
    ParamType t;
    if constexpr (std::is_same_v<T, unsigned>) {
      s = Storage::kU32, t = ParamType::kUint;
    } else if constexpr (std::is_same_v<T, uint64_t>) {
      s = Storage::kU64, t = ParamType::kUint;
    } else if constexpr (std::is_same_v<T, double>) {
      s = Storage::kF64, t = ParamType::kDouble;
    } else if constexpr (std::is_same_v<T, std::string>) {
      s = Storage::kStr, t = ParamType::kString;
    } else {
      static_assert(std::is_same_v<T, Fidelity>, "unsupported parameter type");
      s = Storage::kFid, t = ParamType::kFidelity;
    }
    ParamInfo info{path, t, unit, lo, hi, help};
    by_path[path] = defs.size();
    defs.push_back(ParamDef{info, s, [f](ChipConfig& c) -> void* { return f(c); }});
    infos.push_back(info);
    std::string p = path;
    for (auto dot = p.rfind('.'); dot != std::string::npos; dot = p.rfind('.')) {
      p.resize(dot);
      groups.insert(p);
    }
  }
};

constexpr double kGHz = 10.0;  // upper bound of every clock

// Every parameter, once. Order = the order of the dump and of docs/config.md.
const Table& param_table() {
  static const Table t = [] {
    Table b;
#define F(expr) [](ChipConfig& c) { return &c.expr; }
    b.add("name", F(name), "", 0, 0, "preset name, reported in run summaries");
    b.add("cores", F(cores), "", 1, 64, "NeuronCores on the chip");
    // Tensor engine.
    b.add("core.tensor.rows", F(core.tensor.rows), "PE", 1, 1024, "systolic array rows (contraction K per pass)");
    b.add("core.tensor.cols", F(core.tensor.cols), "PE", 1, 1024, "systolic array columns (stationary free size N)");
    b.add("core.tensor.clock_ghz", F(core.tensor.clock_ghz), "GHz", 0.01, kGHz, "tensor engine clock");
    b.add("core.tensor.macs_per_pe_cycle.fp8", F(core.tensor.macs_per_pe_cycle.fp8), "MAC/PE/cycle", 0, 16, "FP8 rate (0 = unsupported)");
    b.add("core.tensor.macs_per_pe_cycle.bf16", F(core.tensor.macs_per_pe_cycle.bf16), "MAC/PE/cycle", 0.0625, 16, "BF16 rate");
    b.add("core.tensor.macs_per_pe_cycle.fp32", F(core.tensor.macs_per_pe_cycle.fp32), "MAC/PE/cycle", 0, 16, "FP32 rate (0 = unsupported)");
    b.add("core.tensor.macs_per_pe_cycle.mxfp8", F(core.tensor.macs_per_pe_cycle.mxfp8), "MAC/PE/cycle", 0, 16, "MXFP8 rate (0 = unsupported)");
    b.add("core.tensor.matmul_min_cycles", F(core.tensor.matmul_min_cycles), "cycles", 0, 100000, "minimum array occupancy of one MATMUL");
    b.add("core.tensor.cmd_depth", F(core.tensor.cmd_depth), "entries", 1, 64, "tensor engine command queue depth");
    b.add("core.tensor.rtl_config", F(core.tensor.rtl_config), "", 0, 0, "configs/rtl_configs.json tensor entry for rtl/lockstep (\"\" = none)");
    // Vector, scalar, GpSimd engines.
    for (const char* e : {"vector", "scalar", "gpsimd"}) {
      const std::string p = std::string("core.") + e;
      auto eng = [e](ChipConfig& c) -> EngineConfig& {
        return e[0] == 'v' ? c.core.vector : e[0] == 's' ? c.core.scalar : c.core.gpsimd;
      };
      auto P = [&](const char* leaf) { return p + "." + leaf; };
      b.add(P("clock_ghz"), [eng](ChipConfig& c) { return &eng(c).clock_ghz; }, "GHz", 0.01, kGHz, "engine clock");
      b.add(P("elems_per_cycle.fp8"), [eng](ChipConfig& c) { return &eng(c).elems_per_cycle.fp8; }, "elem/cycle", 0, 4096, "FP8 throughput (0 = unsupported)");
      b.add(P("elems_per_cycle.bf16"), [eng](ChipConfig& c) { return &eng(c).elems_per_cycle.bf16; }, "elem/cycle", 1, 4096, "BF16 throughput");
      b.add(P("elems_per_cycle.fp32"), [eng](ChipConfig& c) { return &eng(c).elems_per_cycle.fp32; }, "elem/cycle", 1, 4096, "FP32 throughput");
      b.add(P("startup_cycles"), [eng](ChipConfig& c) { return &eng(c).startup_cycles; }, "cycles", 0, 100000, "fixed cost per instruction");
    }
    // Memories in the core.
    b.add("core.sbuf.partitions", F(core.sbuf.partitions), "", 1, 128, "SBUF partitions (PSUM has as many)");
    b.add("core.sbuf.bytes_per_partition", F(core.sbuf.bytes_per_partition), "B", 4, 1 << 20, "SBUF bytes per partition (multiple of 4)");
    b.add("core.psum.banks", F(core.psum.banks), "", 1, 8, "PSUM banks");
    b.add("core.psum.bank_bytes", F(core.psum.bank_bytes), "B", 4, 1 << 16, "PSUM bytes per bank per partition (multiple of 4; banks x bank_bytes <= 65536)");
    b.add("core.semaphores", F(core.semaphores), "", 1, 256, "semaphores per core");
    // DMA.
    b.add("core.dma.engines", F(core.dma.engines), "", 1, 64, "DMA engines per core");
    b.add("core.dma.queues", F(core.dma.queues), "", 1, 256, "queues per DMA engine");
    b.add("core.dma.data_bits", F(core.dma.data_bits), "bit", 32, 1024, "DMA bus width (power of two)");
    b.add("core.dma.max_burst_beats", F(core.dma.max_burst_beats), "beats", 1, 256, "longest AXI burst");
    b.add("core.dma.max_outstanding", F(core.dma.max_outstanding), "bursts", 1, 256, "bursts in flight per engine");
    b.add("core.dma.clock_ghz", F(core.dma.clock_ghz), "GHz", 0.01, kGHz, "DMA engine clock");
    b.add("core.dma.fixed_latency_ns", F(core.dma.fixed_latency_ns), "ns", 0, 1e6, "trigger-to-first-beat cost per transfer");
    b.add("core.dma.rtl_config", F(core.dma.rtl_config), "", 0, 0, "configs/rtl_configs.json dma entry for rtl/lockstep (\"\" = none)");
    // HBM.
    b.add("hbm.stacks", F(hbm.stacks), "", 1, 16, "HBM stacks");
    b.add("hbm.channels_per_stack", F(hbm.channels_per_stack), "", 1, 64, "independent channels per stack");
    b.add("hbm.capacity_gib", F(hbm.capacity_gib), "GiB", 1, 1024, "capacity of the whole chip (address map holds 1 TiB)");
    b.add("hbm.peak_gb_per_s_per_stack", F(hbm.peak_gb_per_s_per_stack), "GB/s", 1, 10000, "peak bandwidth of one stack (1 GB = 1e9 B)");
    b.add("hbm.latency_ns", F(hbm.latency_ns), "ns", 0, 10000, "access latency excluding row-buffer effects");
    b.add("hbm.row_buffer_bytes", F(hbm.row_buffer_bytes), "B", 64, 65536, "row (page) size per channel (power of two)");
    b.add("hbm.row_hit_ns", F(hbm.row_hit_ns), "ns", 0, 1000, "added on a row-buffer hit");
    b.add("hbm.row_miss_ns", F(hbm.row_miss_ns), "ns", 0, 1000, "added on a row-buffer miss (>= row_hit_ns)");
    b.add("hbm.queue_depth", F(hbm.queue_depth), "requests", 1, 4096, "request queue per channel");
    // Interconnect, links, management core.
    b.add("interconnect.port_gb_per_s", F(interconnect.port_gb_per_s), "GB/s", 1, 100000, "bandwidth of each port");
    b.add("interconnect.latency_ns", F(interconnect.latency_ns), "ns", 0, 10000, "one traversal");
    b.add("c2c.links", F(c2c.links), "", 0, 64, "chip-to-chip link ports");
    b.add("c2c.gb_per_s", F(c2c.gb_per_s), "GB/s", 0, 100000, "bandwidth per link per direction");
    b.add("c2c.latency_ns", F(c2c.latency_ns), "ns", 0, 1e7, "link latency (bounds the fabric quantum)");
    b.add("mgmt.clock_ghz", F(mgmt.clock_ghz), "GHz", 0.001, kGHz, "management core clock");
    b.add("fidelity.tensor", F(fidelity.tensor), "", 0, 0, "default tensor engine form: rtl, tlm or lockstep");
    b.add("fidelity.dma", F(fidelity.dma), "", 0, 0, "default DMA engine form: rtl, tlm or lockstep");
#undef F
    return b;
  }();
  return t;
}

// --- small helpers --------------------------------------------------------

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// Known keys directly under `parent` (leaves and groups), full paths.
std::vector<std::string> children_of(const std::string& parent) {
  const Table& t = param_table();
  std::set<std::string> out;
  auto consider = [&](const std::string& p) {
    if (parent.empty()) {
      if (p.find('.') == std::string::npos) out.insert(p);
    } else if (p.size() > parent.size() + 1 && p.compare(0, parent.size() + 1, parent + ".") == 0 &&
               p.find('.', parent.size() + 1) == std::string::npos) {
      out.insert(p);
    }
  };
  for (const auto& d : t.defs) consider(d.info.path);
  for (const auto& g : t.groups) consider(g);
  return {out.begin(), out.end()};
}

std::string last_segment(const std::string& p) {
  auto dot = p.rfind('.');
  return dot == std::string::npos ? p : p.substr(dot + 1);
}

// The nearest known key to `path`: among its siblings by the last segment,
// then among every parameter by the full path.
std::string nearest_key(const std::string& path) {
  const auto dot = path.rfind('.');
  const std::string parent = dot == std::string::npos ? "" : path.substr(0, dot);
  std::string best;
  std::size_t best_d = std::numeric_limits<std::size_t>::max();
  for (const auto& s : children_of(parent)) {
    const std::size_t d = edit_distance(last_segment(path), last_segment(s));
    if (d < best_d) best_d = d, best = s;
  }
  if (!best.empty() && best_d <= std::max<std::size_t>(2, last_segment(path).size() / 2)) return best;
  for (const auto& d : param_table().defs) {
    const std::size_t e = edit_distance(path, d.info.path);
    if (e < best_d) best_d = e, best = d.info.path;
  }
  return best;
}

[[noreturn]] void unknown_key(const std::string& origin, const std::string& path) {
  throw ConfigError(origin + ": unknown key '" + path + "' (did you mean '" + nearest_key(path) + "'?)");
}

std::string fmt_num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) {
    std::ostringstream o;
    o << static_cast<long long>(v);
    return o.str();
  }
  std::ostringstream o;
  o.precision(15);
  o << v;
  return o.str();
}

std::string type_name(ParamType t) {
  switch (t) {
    case ParamType::kUint: return "an unsigned integer";
    case ParamType::kDouble: return "a number";
    case ParamType::kString: return "a string";
    case ParamType::kFidelity: return "one of \"rtl\", \"tlm\", \"lockstep\"";
  }
  return "?";
}

std::string range_text(const ParamInfo& i) { return fmt_num(i.min) + ".." + fmt_num(i.max); }

// Store one JSON value into the field, checking type and range.
void set_field(ChipConfig& c, const ParamDef& d, const json& v, const std::string& origin) {
  const ParamInfo& i = d.info;
  auto wrong_type = [&] {
    throw ConfigError(origin + ": " + i.path + ": expected " + type_name(i.type) + ", got " + v.dump());
  };
  auto out_of_range = [&](const std::string& shown) {
    throw ConfigError(origin + ": " + i.path + " = " + shown + " is out of range (allowed " +
                      range_text(i) + (i.unit.empty() ? "" : " " + i.unit) + ")");
  };
  switch (d.storage) {
    case Storage::kU32:
    case Storage::kU64: {
      if (v.is_number_integer() && !v.is_number_unsigned()) out_of_range(v.dump());  // negative
      if (!v.is_number_unsigned()) wrong_type();
      const uint64_t x = v.get<uint64_t>();
      if (double(x) < i.min || double(x) > i.max) out_of_range(v.dump());
      if (d.storage == Storage::kU32)
        *static_cast<unsigned*>(d.field(c)) = static_cast<unsigned>(x);
      else
        *static_cast<uint64_t*>(d.field(c)) = x;
      break;
    }
    case Storage::kF64: {
      if (!v.is_number()) wrong_type();
      const double x = v.get<double>();
      if (!(x >= i.min && x <= i.max)) out_of_range(v.dump());
      *static_cast<double*>(d.field(c)) = x;
      break;
    }
    case Storage::kStr:
      if (!v.is_string()) wrong_type();
      *static_cast<std::string*>(d.field(c)) = v.get<std::string>();
      break;
    case Storage::kFid: {
      if (!v.is_string()) wrong_type();
      try {
        *static_cast<Fidelity*>(d.field(c)) = parse_fidelity(v.get<std::string>(), origin + ": " + i.path);
      } catch (const std::invalid_argument& e) {
        throw ConfigError(e.what());
      }
      break;
    }
  }
}

json get_field(const ChipConfig& c, const ParamDef& d) {
  const void* p = d.cfield(c);
  switch (d.storage) {
    case Storage::kU32: return *static_cast<const unsigned*>(p);
    case Storage::kU64: return *static_cast<const uint64_t*>(p);
    case Storage::kF64: return *static_cast<const double*>(p);
    case Storage::kStr: return *static_cast<const std::string*>(p);
    case Storage::kFid: return std::string(trnsim::to_string(*static_cast<const Fidelity*>(p)));
  }
  return nullptr;
}

using OriginOf = std::function<std::string(const std::string& path)>;

void check_ranges(const ChipConfig& c, const OriginOf& origin_of) {
  for (const auto& d : param_table().defs) {
    if (d.storage == Storage::kStr || d.storage == Storage::kFid) continue;
    ChipConfig scratch = c;
    set_field(scratch, d, get_field(c, d), origin_of(d.info.path));
  }
}

bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

void validate_impl(const ChipConfig& c, const OriginOf& origin_of) {
  check_ranges(c, origin_of);
  auto bad = [&](const std::string& path, const std::string& what) {
    throw ConfigError(origin_of(path) + ": " + path + ": " + what);
  };
  if (c.name.empty()) bad("name", "must not be empty");
  if (c.core.tensor.rows > c.core.sbuf.partitions)
    bad("core.tensor.rows", std::to_string(c.core.tensor.rows) + " rows need as many SBUF partitions (core.sbuf.partitions = " +
                                std::to_string(c.core.sbuf.partitions) + ")");
  if (c.core.sbuf.bytes_per_partition % 4)
    bad("core.sbuf.bytes_per_partition", std::to_string(c.core.sbuf.bytes_per_partition) + " is not a multiple of 4");
  if (c.core.psum.bank_bytes % 4)
    bad("core.psum.bank_bytes", std::to_string(c.core.psum.bank_bytes) + " is not a multiple of 4");
  if (c.core.psum.banks * c.core.psum.bank_bytes > (1u << 16))
    bad("core.psum.bank_bytes", "banks x bank_bytes = " + std::to_string(c.core.psum.banks * c.core.psum.bank_bytes) +
                                    " exceeds the 65536-byte PSUM partition window (chip_map.h)");
  if (!is_pow2(c.core.dma.data_bits))
    bad("core.dma.data_bits", std::to_string(c.core.dma.data_bits) + " is not a power of two");
  if (!is_pow2(c.hbm.row_buffer_bytes))
    bad("hbm.row_buffer_bytes", std::to_string(c.hbm.row_buffer_bytes) + " is not a power of two");
  if (c.hbm.row_miss_ns < c.hbm.row_hit_ns)
    bad("hbm.row_miss_ns", fmt_num(c.hbm.row_miss_ns) + " is below hbm.row_hit_ns = " + fmt_num(c.hbm.row_hit_ns));
  if (c.c2c.links > 0 && c.c2c.gb_per_s <= 0) bad("c2c.gb_per_s", "must be > 0 when c2c.links > 0");
  if (c.fidelity.tensor != Fidelity::kTlm && c.core.tensor.rtl_config.empty())
    bad("core.tensor.rtl_config", std::string("must name an RTL configuration when fidelity.tensor is ") +
                                      trnsim::to_string(c.fidelity.tensor));
  if (c.fidelity.dma != Fidelity::kTlm && c.core.dma.rtl_config.empty())
    bad("core.dma.rtl_config", std::string("must name an RTL configuration when fidelity.dma is ") +
                                   trnsim::to_string(c.fidelity.dma));
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ConfigError("cannot open config file '" + path + "': " + std::strerror(errno));
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Parse with file:line:column syntax errors and duplicate-key detection.
json parse_json(const std::string& text, const std::string& origin) {
  struct Frame {
    std::set<std::string> keys;
    std::string key;
  };
  std::vector<Frame> frames;
  std::string duplicate;
  json::parser_callback_t cb = [&](int, json::parse_event_t ev, json& parsed) {
    switch (ev) {
      case json::parse_event_t::object_start: frames.emplace_back(); break;
      case json::parse_event_t::object_end:
        if (!frames.empty()) frames.pop_back();
        break;
      case json::parse_event_t::key: {
        const std::string k = parsed.get<std::string>();
        if (!frames.empty()) {
          if (!frames.back().keys.insert(k).second && duplicate.empty()) {
            std::string p;
            for (std::size_t i = 0; i + 1 < frames.size(); ++i) p = join(p, frames[i].key);
            duplicate = join(p, k);
          }
          frames.back().key = k;
        }
        break;
      }
      default: break;
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text, cb);
  } catch (const json::parse_error& e) {
    static const std::regex re("at line ([0-9]+), column ([0-9]+): (.*)");
    std::cmatch m;
    const char* what = e.what();
    if (std::regex_search(what, m, re))
      throw ConfigError(origin + ":" + m[1].str() + ":" + m[2].str() + ": JSON " + m[3].str());
    throw ConfigError(origin + ": JSON " + what);
  }
  if (!duplicate.empty()) throw ConfigError(origin + ": duplicate key '" + duplicate + "'");
  if (!j.is_object()) throw ConfigError(origin + ": expected a JSON object at the top level, got " + j.type_name());
  return j;
}

// Walk `j` (an object at `path`) against the table: values go into `c`,
// `seen` collects the leaves, `_sources` entries into `sources`.
void walk(const json& j, const std::string& path, ChipConfig& c, std::set<std::string>& seen,
          const OriginOf& origin_of, std::map<std::string, std::string>* sources) {
  const Table& t = param_table();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const std::string full = join(path, key);
    if (key == "_comment") continue;
    if (key == "_sources") {
      if (!it->is_object())
        throw ConfigError(origin_of(full) + ": " + full + ": expected an object {\"field\": \"source\"}, got " + it->dump());
      for (auto s = it->begin(); s != it->end(); ++s) {
        const std::string target = join(path, s.key());
        if (!t.by_path.count(target)) unknown_key(origin_of(full), target);
        if (!s->is_string() || s->get<std::string>().empty())
          throw ConfigError(origin_of(full) + ": " + full + "." + s.key() + ": expected a non-empty string, got " + s->dump());
        if (sources) (*sources)[target] = s->get<std::string>();
      }
      continue;
    }
    if (key[0] == '_') {  // metadata: only _comment and _sources exist
      const bool src = edit_distance(key, "_sources") < edit_distance(key, "_comment");
      throw ConfigError(origin_of(full) + ": unknown key '" + full + "' (did you mean '" +
                        join(path, src ? "_sources" : "_comment") + "'?)");
    }
    auto leaf = t.by_path.find(full);
    if (leaf != t.by_path.end()) {
      set_field(c, t.defs[leaf->second], *it, origin_of(full));
      seen.insert(full);
    } else if (t.groups.count(full)) {
      if (!it->is_object())
        throw ConfigError(origin_of(full) + ": " + full + ": expected an object (a group of parameters), got " + it->dump());
      walk(*it, full, c, seen, origin_of, sources);
    } else {
      unknown_key(origin_of(full), full);
    }
  }
}

// "key.path=value" -> set in the JSON tree.
void apply_override(json& root, const std::string& ov, std::map<std::string, std::string>& origins) {
  const std::string where = "override '" + ov + "'";
  const auto eq = ov.find('=');
  static const std::regex key_re("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");
  if (eq == std::string::npos || eq == 0 || !std::regex_match(ov.substr(0, eq), key_re))
    throw ConfigError(where + ": expected key.path=value (e.g. hbm.latency_ns=120)");
  const std::string key = ov.substr(0, eq), text = ov.substr(eq + 1);
  if (text.empty()) throw ConfigError(where + ": empty value");
  const Table& t = param_table();
  if (!t.by_path.count(key)) {
    if (t.groups.count(key)) throw ConfigError(where + ": '" + key + "' is a group, not a parameter");
    unknown_key(where, key);
  }
  json v = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (v.is_discarded()) v = text;  // a bare word: a string
  json* node = &root;
  std::size_t start = 0;
  for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', start)) {
    json& child = (*node)[key.substr(start, dot - start)];
    if (!child.is_object()) child = json::object();
    node = &child;
    start = dot + 1;
  }
  (*node)[key.substr(start)] = v;
  origins[key] = where;
}

ChipConfig from_json(json root, const std::string& origin, const std::vector<std::string>& overrides,
                     std::map<std::string, std::string>* sources) {
  std::map<std::string, std::string> origins;
  for (const auto& ov : overrides) apply_override(root, ov, origins);
  const OriginOf origin_of = [&](const std::string& p) {
    auto it = origins.find(p);
    return it == origins.end() ? origin : it->second;
  };
  ChipConfig c;
  std::set<std::string> seen;
  walk(root, "", c, seen, origin_of, sources);
  std::vector<std::string> missing;
  for (const auto& d : param_table().defs)
    if (!seen.count(d.info.path)) missing.push_back(d.info.path);
  if (!missing.empty()) {
    std::string msg = origin + ": missing required field" + (missing.size() > 1 ? "s" : "") + " ";
    for (std::size_t i = 0; i < missing.size(); ++i) msg += (i ? ", '" : "'") + missing[i] + "'";
    throw ConfigError(msg);
  }
  validate_impl(c, origin_of);
  return c;
}

bool is_path(const std::string& what) {
  return what.find('/') != std::string::npos ||
         (what.size() > 5 && what.compare(what.size() - 5, 5, ".json") == 0);
}

std::vector<std::string> config_dirs() {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("TRNSIM_CONFIG_DIR"); env && *env) dirs.push_back(env);
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n > 0) {
    std::string exe(buf, std::size_t(n));
    dirs.push_back(exe.substr(0, exe.rfind('/')) + "/configs");
  }
  if (*TRNSIM_SOURCE_CONFIG_DIR) dirs.push_back(TRNSIM_SOURCE_CONFIG_DIR);
  return dirs;
}

bool file_exists(const std::string& p) { return std::ifstream(p).good(); }

json load_root(const std::string& what, std::string& origin) {
  origin = is_path(what) ? what : find_preset(what);
  return parse_json(read_file(origin), origin);
}

}  // namespace

bool operator==(const ChipConfig& a, const ChipConfig& b) {
  for (const auto& d : param_table().defs)
    if (get_field(a, d) != get_field(b, d)) return false;
  return true;
}

std::string find_preset(const std::string& name) {
  static const std::regex name_re("[A-Za-z0-9_-]+");
  if (!std::regex_match(name, name_re))
    throw ConfigError("'" + name + "' is neither a preset name nor a .json path");
  std::string tried;
  for (const auto& d : config_dirs()) {
    const std::string p = d + "/" + name + ".json";
    if (file_exists(p)) return p;
    tried += (tried.empty() ? "" : ", ") + p;
  }
  std::string known;
  for (const auto& k : preset_names()) known += (known.empty() ? "" : ", ") + k;
  throw ConfigError("unknown preset '" + name + "' (known: " + (known.empty() ? "none found" : known) +
                    "; looked for " + tried + ")");
}

std::vector<std::string> preset_names() {
  // The known presets (other *.json there, like rtl_configs.json, are not presets).
  for (const auto& d : config_dirs()) {
    std::vector<std::string> out;
    for (const char* n : {"trn2", "trn3", "tiny"})
      if (file_exists(d + "/" + n + ".json")) out.push_back(n);
    if (!out.empty()) return out;
  }
  return {};
}

ChipConfig parse_config(const std::string& json_text, const std::string& origin,
                        const std::vector<std::string>& overrides) {
  return from_json(parse_json(json_text, origin), origin, overrides, nullptr);
}

ChipConfig load_config(const std::string& what, const std::vector<std::string>& overrides) {
  std::string origin;
  json root = load_root(what, origin);
  return from_json(std::move(root), origin, overrides, nullptr);
}

std::map<std::string, std::string> load_sources(const std::string& what) {
  std::string origin;
  json root = load_root(what, origin);
  std::map<std::string, std::string> sources;
  from_json(std::move(root), origin, {}, &sources);
  return sources;
}

void validate(const ChipConfig& c, const std::string& origin) {
  validate_impl(c, [&](const std::string&) { return origin; });
}

std::string to_json(const ChipConfig& c, int indent) {
  ordered_json root = ordered_json::object();
  for (const auto& d : param_table().defs) {
    ordered_json* node = &root;
    const std::string& p = d.info.path;
    std::size_t start = 0;
    for (auto dot = p.find('.'); dot != std::string::npos; dot = p.find('.', start)) {
      node = &(*node)[p.substr(start, dot - start)];
      start = dot + 1;
    }
    (*node)[p.substr(start)] = ordered_json(get_field(c, d));
  }
  return root.dump(indent);
}

ChipConfig tiny_config() { return load_config("tiny"); }

const std::vector<ParamInfo>& parameters() { return param_table().infos; }

std::string describe_parameters() {
  std::ostringstream o;
  for (const auto& i : parameters()) {
    o << i.path << " (";
    switch (i.type) {
      case ParamType::kUint: o << "uint"; break;
      case ParamType::kDouble: o << "number"; break;
      case ParamType::kString: o << "string"; break;
      case ParamType::kFidelity: o << "rtl|tlm|lockstep"; break;
    }
    if (i.type == ParamType::kUint || i.type == ParamType::kDouble) o << ", " << range_text(i);
    if (!i.unit.empty()) o << " " << i.unit;
    o << "): " << i.help << "\n";
  }
  return o.str();
}

// --- derived figures -----------------------------------------------------

double peak_flops_per_core(const ChipConfig& c, DtypeClass d) {
  const auto& t = c.core.tensor;
  return 2.0 * t.rows * t.cols * t.macs_per_pe_cycle.of(d) * t.clock_ghz * 1e9;
}
double peak_flops(const ChipConfig& c, DtypeClass d) { return peak_flops_per_core(c, d) * c.cores; }
double hbm_peak_bytes_per_s(const ChipConfig& c) { return c.hbm.stacks * c.hbm.peak_gb_per_s_per_stack * 1e9; }
double dma_engine_peak_bytes_per_s(const ChipConfig& c) { return c.core.dma.data_bits / 8.0 * c.core.dma.clock_ghz * 1e9; }
double dma_peak_bytes_per_s_per_core(const ChipConfig& c) { return dma_engine_peak_bytes_per_s(c) * c.core.dma.engines; }
double dma_peak_bytes_per_s(const ChipConfig& c) { return dma_peak_bytes_per_s_per_core(c) * c.cores; }
double c2c_peak_bytes_per_s(const ChipConfig& c) { return c.c2c.links * c.c2c.gb_per_s * 1e9; }
uint64_t sbuf_bytes_per_core(const ChipConfig& c) { return uint64_t(c.core.sbuf.partitions) * c.core.sbuf.bytes_per_partition; }
uint64_t psum_bytes_per_core(const ChipConfig& c) {
  return uint64_t(c.core.sbuf.partitions) * c.core.psum.banks * c.core.psum.bank_bytes;
}
uint64_t hbm_capacity_bytes(const ChipConfig& c) { return c.hbm.capacity_gib << 30; }
uint64_t period_ps(double clock_ghz) { return clock_ghz > 0 ? uint64_t(std::llround(1000.0 / clock_ghz)) : 0; }

}  // namespace trnsim::config
