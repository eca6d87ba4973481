#include "dma_scenario.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include <tlm>

#include <chrono>
#include <memory>

#include "blocks.h"
#include "common/trace.h"
#include "dma/dma_host.h"
#include "dma/dma_lockstep.h"
#include "dma/dma_tlm.h"
#include "dma_regs.hpp"

namespace trnsim::app {

namespace regs = trnsim::regs::dma;

namespace {

// Defaults for queues without a `queue` line (docs/usage.md).
constexpr uint64_t kDefaultRing = 0xF0000000;     // + q * kRingStride
constexpr uint64_t kRingStride = 0x100000;
constexpr uint64_t kDefaultCpl = 0xF8000000;      // + q * kCplStride
constexpr uint64_t kCplStride = 0x10000;
constexpr uint64_t kAllMemory = uint64_t{1} << 48;

class LineParser {
 public:
  LineParser(const std::string& file, int line) : file_(file), line_(line) {}
  [[noreturn]] void fail(const std::string& msg) const {
    throw ScenarioError(file_ + ":" + std::to_string(line_) + ": " + msg);
  }
  // Decimal or 0x hex, with an optional K (x1024), M (x1024^2) or G suffix.
  uint64_t number(const std::string& field, const std::string& v, uint64_t lo = 0,
                  uint64_t hi = UINT64_MAX) const {
    std::string s = v;
    uint64_t mul = 1;
    if (!s.empty() && s.rfind("0x", 0) != 0 && s.rfind("0X", 0) != 0) {
      const char c = static_cast<char>(std::toupper(static_cast<unsigned char>(s.back())));
      if (c == 'K') mul = 1024;
      if (c == 'M') mul = 1024 * 1024;
      if (c == 'G') mul = uint64_t{1} << 30;
      if (mul != 1) s.pop_back();
    }
    std::size_t used = 0;
    unsigned long long x = 0;
    try {
      if (s.empty() || s[0] == '-' || s[0] == '+') throw std::invalid_argument("");
      x = std::stoull(s, &used, 0);
    } catch (const std::exception&) {
      used = std::string::npos;
    }
    if (used != s.size()) fail(field + ": '" + v + "' is not a number (decimal, 0x hex, K/M/G suffix)");
    if (mul != 1 && x > UINT64_MAX / mul) fail(field + ": '" + v + "' is too large");
    x *= mul;
    if (x < lo || x > hi)
      fail(field + ": " + v + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
    return x;
  }
  // Hex bytes from tokens like "de ad be ef" or "deadbeef" (an even number of digits each).
  std::vector<uint8_t> hex_bytes(const std::string& field, const std::vector<std::string>& toks,
                                 std::size_t from) const {
    std::vector<uint8_t> out;
    for (std::size_t i = from; i < toks.size(); ++i) {
      std::string t = toks[i];
      if (t.rfind("0x", 0) == 0 || t.rfind("0X", 0) == 0) t = t.substr(2);
      if (t.empty() || t.size() % 2 != 0)
        fail(field + ": '" + toks[i] + "' is not whole hex bytes (an even number of hex digits)");
      for (std::size_t k = 0; k < t.size(); k += 2) {
        unsigned v = 0;
        for (std::size_t j = k; j < k + 2; ++j) {
          const char c = t[j];
          if (!std::isxdigit(static_cast<unsigned char>(c)))
            fail(field + ": '" + toks[i] + "' is not hex");
          v = v * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(c))
                                                 ? c - '0'
                                                 : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
        }
        out.push_back(static_cast<uint8_t>(v));
      }
    }
    if (out.empty()) fail(field + ": no bytes given");
    return out;
  }
  int line() const { return line_; }

 private:
  const std::string& file_;
  int line_;
};

std::vector<std::string> split(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> out;
  std::string t;
  while (is >> t) out.push_back(t);
  return out;
}

// key=value fields and bare flags after the fixed arguments.
struct Fields {
  std::map<std::string, std::string> kv;
  std::vector<std::string> flags;
};

Fields fields(const LineParser& p, const std::vector<std::string>& toks, std::size_t from,
              const std::vector<std::string>& keys, const std::vector<std::string>& flag_names,
              const std::string& what, bool repeat_ok = false) {
  Fields f;
  for (std::size_t i = from; i < toks.size(); ++i) {
    const auto eq = toks[i].find('=');
    if (eq == std::string::npos) {
      if (std::find(flag_names.begin(), flag_names.end(), toks[i]) == flag_names.end())
        p.fail(what + ": unknown field '" + toks[i] + "'");
      f.flags.push_back(toks[i]);
      continue;
    }
    const std::string k = toks[i].substr(0, eq), v = toks[i].substr(eq + 1);
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      p.fail(what + ": unknown field '" + k + "'");
    if (v.empty()) p.fail(what + ": field '" + k + "' has no value");
    if (f.kv.count(k) && !repeat_ok) p.fail(what + ": field '" + k + "' given twice");
    if (repeat_ok && f.kv.count(k)) f.kv[k] += "," + v;
    else f.kv[k] = v;
  }
  return f;
}

uint32_t parse_err_code(const LineParser& p, const std::string& v) {
  for (uint32_t c = 1; c <= 9; ++c)
    if (v == dma_err_name(c)) return c;
  if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0])))
    p.fail("expect error: CODE '" + v + "' is not an error name (RING_CONFIG .. CPL_WRITE_ERR, "
           "docs/dma.md) or a number");
  return static_cast<uint32_t>(p.number("expect error CODE", v, 1, 15));
}

}  // namespace

const char* dma_err_name(uint32_t code) {
  switch (static_cast<regs::ErrCode>(code)) {
    case regs::ErrCode::NONE: return "NONE";
    case regs::ErrCode::RING_CONFIG: return "RING_CONFIG";
    case regs::ErrCode::DESC_READ: return "DESC_READ";
    case regs::ErrCode::ZERO_LEN: return "ZERO_LEN";
    case regs::ErrCode::LEN_TOO_BIG: return "LEN_TOO_BIG";
    case regs::ErrCode::SRC_WINDOW: return "SRC_WINDOW";
    case regs::ErrCode::DST_WINDOW: return "DST_WINDOW";
    case regs::ErrCode::READ_ERR: return "READ_ERR";
    case regs::ErrCode::WRITE_ERR: return "WRITE_ERR";
    case regs::ErrCode::CPL_WRITE_ERR: return "CPL_WRITE_ERR";
  }
  return "?";
}

DmaScenario parse_dma_scenario(std::istream& in, const std::string& file_name) {
  DmaScenario sc;
  sc.file = file_name;
  std::string raw;
  int lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    const auto hash = raw.find('#');
    if (hash != std::string::npos) raw.resize(hash);
    const auto toks = split(raw);
    if (toks.empty()) continue;
    const LineParser p(sc.file, lineno);
    const std::string& kw = toks[0];
    auto need = [&](std::size_t n, const char* form) {
      if (toks.size() < n) p.fail(kw + ": expected '" + form + "'");
    };
    if (kw == "config") {
      need(2, "config NAME");
      if (toks.size() > 2) p.fail("config: expected one name");
      sc.config = toks[1];
    } else if (kw == "latency") {
      need(2, "latency CYCLES");
      if (toks.size() > 2) p.fail("latency: expected one number");
      sc.latency = static_cast<unsigned>(p.number("latency", toks[1], 1, 100000));
    } else if (kw == "queue") {
      need(2, "queue Q [ring=ADDR] [entries=N] [cpl=ADDR] [window=BASE:LIMIT]...");
      const unsigned q = static_cast<unsigned>(p.number("queue", toks[1], 0, 3));
      DmaScenarioQueue& dq = sc.queues[q];
      if (dq.line) p.fail("queue: queue " + std::to_string(q) + " already set up at line " +
                          std::to_string(dq.line));
      dq.line = lineno;
      const Fields f = fields(p, toks, 2, {"ring", "entries", "cpl", "window"}, {}, "queue", true);
      for (const auto& [k, v] : f.kv) {
        if (k == "window") {
          std::istringstream ws(v);
          std::string w;
          while (std::getline(ws, w, ',')) {
            const auto colon = w.find(':');
            if (colon == std::string::npos) p.fail("queue: field 'window': '" + w + "' is not BASE:LIMIT");
            cosim::DmaWindow win;
            win.base = p.number("window base", w.substr(0, colon));
            win.limit = p.number("window limit", w.substr(colon + 1));
            if (win.limit <= win.base) p.fail("queue: field 'window': limit must be above base in '" + w + "'");
            dq.windows.push_back(win);
          }
          if (dq.windows.size() > 2) p.fail("queue: field 'window': at most 2 windows per queue");
        } else if (k == "ring" || k == "cpl" || k == "entries") {
          if (v.find(',') != std::string::npos) p.fail("queue: field '" + k + "' given twice");
          if (k == "ring") dq.ring = p.number("ring", v);
          if (k == "cpl") dq.cpl = p.number("cpl", v);
          if (k == "entries") dq.entries = static_cast<uint32_t>(p.number("entries", v, 2, 65535));
        }
      }
      if (dq.ring && (*dq.ring % regs::DESC_SIZE) != 0)
        p.fail("queue: field 'ring': must be a multiple of 32 bytes");
    } else if (kw == "mem") {
      need(3, "mem ADDR HEXBYTES...");
      DmaMemInit m;
      m.line = lineno;
      m.addr = p.number("mem address", toks[1]);
      m.bytes = p.hex_bytes("mem bytes", toks, 2);
      sc.mem.push_back(m);
    } else if (kw == "fill") {
      need(3, "fill ADDR LEN [seed=S]");
      DmaMemInit m;
      m.line = lineno;
      m.addr = p.number("fill address", toks[1]);
      m.random_len = p.number("fill length", toks[2], 1, uint64_t{1} << 30);
      const Fields f = fields(p, toks, 3, {"seed"}, {}, "fill");
      if (f.kv.count("seed")) m.seed = p.number("seed", f.kv.at("seed"));
      sc.mem.push_back(m);
    } else if (kw == "desc") {
      need(2, "desc Q src=ADDR dst=ADDR len=N [rows=N] [src_stride=N] [dst_stride=N] [irq] [last] [cpl]");
      DmaScenarioDesc d;
      d.line = lineno;
      d.queue = static_cast<unsigned>(p.number("desc queue", toks[1], 0, 3));
      const Fields f = fields(p, toks, 2, {"src", "dst", "len", "rows", "src_stride", "dst_stride"},
                              {"irq", "last", "cpl"}, "desc");
      for (const char* k : {"src", "dst", "len"})
        if (!f.kv.count(k)) p.fail(std::string("desc: field '") + k + "' is missing");
      d.desc.src = p.number("desc field 'src'", f.kv.at("src"));
      d.desc.dst = p.number("desc field 'dst'", f.kv.at("dst"));
      // The 32-bit LEN field: 0 and lengths over 16 MiB - 1, which the engine
      // refuses (ZERO_LEN, LEN_TOO_BIG), are allowed so scenarios can test them.
      d.desc.len = static_cast<uint32_t>(p.number("desc field 'len'", f.kv.at("len"), 0,
                                                  regs::DESC_LEN_BYTES_MASK));
      if (f.kv.count("rows"))
        d.desc.rows = static_cast<uint32_t>(p.number("desc field 'rows'", f.kv.at("rows"), 0,
                                                     regs::DESC_CTRL_ROWS_MASK));
      if (f.kv.count("src_stride"))
        d.desc.src_stride = static_cast<uint32_t>(
            p.number("desc field 'src_stride'", f.kv.at("src_stride"), 0, UINT32_MAX));
      if (f.kv.count("dst_stride"))
        d.desc.dst_stride = static_cast<uint32_t>(
            p.number("desc field 'dst_stride'", f.kv.at("dst_stride"), 0, UINT32_MAX));
      for (const auto& fl : f.flags) {
        if (fl == "irq") d.desc.irq = true;
        if (fl == "last") d.desc.last = true;
        if (fl == "cpl") d.desc.cpl = true;
      }
      sc.descs.push_back(d);
    } else if (kw == "expect") {
      need(2, "expect copy | expect mem ADDR HEXBYTES... | expect error Q CODE");
      DmaExpect e;
      e.line = lineno;
      if (toks[1] == "copy") {
        if (toks.size() > 2) p.fail("expect copy: takes no arguments");
        e.kind = DmaExpect::kCopy;
      } else if (toks[1] == "mem") {
        need(4, "expect mem ADDR HEXBYTES...");
        e.kind = DmaExpect::kBytes;
        e.addr = p.number("expect mem address", toks[2]);
        e.bytes = p.hex_bytes("expect mem bytes", toks, 3);
      } else if (toks[1] == "error") {
        need(4, "expect error Q CODE");
        if (toks.size() > 4) p.fail("expect error: expected 'expect error Q CODE'");
        e.kind = DmaExpect::kError;
        e.queue = static_cast<unsigned>(p.number("expect error queue", toks[2], 0, 3));
        e.code = parse_err_code(p, toks[3]);
      } else {
        p.fail("expect: unknown check '" + toks[1] + "' (copy, mem or error)");
      }
      sc.expects.push_back(e);
    } else {
      p.fail("unknown keyword '" + kw + "' (config, latency, queue, mem, fill, desc, expect)");
    }
  }
  if (sc.descs.empty())
    throw ScenarioError(sc.file + ":" + std::to_string(lineno) + ": no 'desc' line in the file");
  return sc;
}

DmaScenario read_dma_scenario(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw ScenarioError(path + ": cannot open scenario file");
  return parse_dma_scenario(f, path);
}

namespace {

std::string hex(uint64_t v) {
  char b[32];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

namespace {

// The scenario's sparse address space packed into one small memory: every
// range the scenario names (memory initialisation, descriptor sources and
// destinations row by row, rings, completion records, expected bytes),
// rounded out to 4 KiB pages, merged, and laid end to end.
class ScenarioMemoryMap {
 public:
  static constexpr uint64_t kPage = 4096;
  static constexpr uint64_t kMaxBytes = uint64_t{1} << 30;

  void add(uint64_t addr, uint64_t len) {
    if (len == 0) return;
    const uint64_t lo = addr & ~(kPage - 1);
    const uint64_t end = addr + len < addr ? UINT64_MAX : addr + len;
    const uint64_t hi = end > UINT64_MAX - kPage ? UINT64_MAX & ~(kPage - 1) : (end + kPage - 1) & ~(kPage - 1);
    ranges_.push_back({lo, hi, 0});
  }
  // Sorts, merges and assigns offsets; returns the memory size needed.
  uint64_t build(const std::string& file) {
    std::sort(ranges_.begin(), ranges_.end(),
              [](const Range& a, const Range& b) { return a.lo < b.lo; });
    std::vector<Range> merged;
    for (const Range& r : ranges_) {
      if (!merged.empty() && r.lo <= merged.back().hi) merged.back().hi = std::max(merged.back().hi, r.hi);
      else merged.push_back(r);
    }
    uint64_t off = 0;
    for (Range& r : merged) {
      r.off = off;
      off += r.hi - r.lo;
      if (off > kMaxBytes)
        throw ScenarioError(file + ": the scenario touches more than 1 GiB of memory (descriptors, "
                                   "rings, fills); the simulated memory holds at most 1 GiB");
    }
    ranges_ = std::move(merged);
    return std::max<uint64_t>(off, kPage);
  }
  bool map(uint64_t addr, uint64_t len, uint64_t& out) const {
    auto it = std::upper_bound(ranges_.begin(), ranges_.end(), addr,
                               [](uint64_t a, const Range& r) { return a < r.lo; });
    if (it == ranges_.begin()) return false;
    --it;
    if (addr >= it->hi || len > it->hi - addr) return false;
    out = it->off + (addr - it->lo);
    return true;
  }

 private:
  struct Range {
    uint64_t lo, hi, off;
  };
  std::vector<Range> ranges_;
};

}  // namespace

DmaRunResult run_dma_scenario(const DmaScenario& sc, const DmaRunOptions& opt, std::ostream& out) {
  DmaRunResult result;
  const std::string config =
      opt.config_forced || sc.config.empty() ? opt.config : sc.config;
  const unsigned latency = opt.latency ? *opt.latency : sc.latency.value_or(1);
  auto where = [&](int line) { return sc.file + ":" + std::to_string(line) + ": "; };

  tlm::tlm_global_quantum::instance().set(opt.sim.quantum);
  quiet_systemc();
  const dma::DmaBlockConfig cfg = cosim::dma_block_config(config, opt.sim.period);
  const std::string& cfg_name = cfg.rtl_config;
  // Queue numbers against the configuration, before anything runs.
  for (const auto& d : sc.descs)
    if (d.queue >= cfg.num_queues)
      throw ScenarioError(where(d.line) + "desc: queue " + std::to_string(d.queue) +
                          " does not exist in configuration " + cfg_name + " (" +
                          std::to_string(cfg.num_queues) + " queues)");
  for (unsigned q = 0; q < 4; ++q)
    if (sc.queues[q].line && q >= cfg.num_queues)
      throw ScenarioError(where(sc.queues[q].line) + "queue: queue " + std::to_string(q) +
                          " does not exist in configuration " + cfg_name);
  for (const auto& e : sc.expects)
    if (e.kind == DmaExpect::kError && e.queue >= cfg.num_queues)
      throw ScenarioError(where(e.line) + "expect error: queue " + std::to_string(e.queue) +
                          " does not exist in configuration " + cfg_name);

  std::array<std::vector<const DmaScenarioDesc*>, 4> per_q;
  for (const auto& d : sc.descs) per_q[d.queue].push_back(&d);
  std::array<dma::tb::QueueSetup, 4> setup{};
  for (unsigned q = 0; q < 4; ++q) {
    const DmaScenarioQueue& dq = sc.queues[q];
    dma::tb::QueueSetup& s = setup[q];
    const uint32_t need = static_cast<uint32_t>(per_q[q].size()) + 1;
    s.ring_base = dq.ring.value_or(kDefaultRing + q * kRingStride);
    s.entries = dq.entries.value_or(std::max<uint32_t>(16, need));
    if (s.entries < need)
      throw ScenarioError(where(dq.line) + "queue: field 'entries': " + std::to_string(s.entries) +
                          " is too small for " + std::to_string(per_q[q].size()) +
                          " descriptors (needs at least " + std::to_string(need) + ")");
    s.cpl_base = dq.cpl.value_or(kDefaultCpl + q * kCplStride);
    if (dq.windows.empty()) {
      s.windows[0] = {0, kAllMemory};
    } else {
      for (std::size_t w = 0; w < dq.windows.size(); ++w)
        s.windows[w] = {dq.windows[w].base, dq.windows[w].limit};
    }
  }

  // The memory: every range the scenario names, packed.
  ScenarioMemoryMap map;
  for (const auto& m : sc.mem) map.add(m.addr, m.random_len ? m.random_len : m.bytes.size());
  for (const auto& d : sc.descs)
    for (uint32_t r = 0; r < d.desc.rows; ++r) {
      map.add(d.desc.src + uint64_t{r} * d.desc.src_stride, d.desc.len);
      map.add(d.desc.dst + uint64_t{r} * d.desc.dst_stride, d.desc.len);
    }
  for (unsigned q = 0; q < cfg.num_queues; ++q) {
    map.add(setup[q].ring_base, uint64_t{setup[q].entries} * regs::DESC_SIZE);
    map.add(setup[q].cpl_base, uint64_t{setup[q].entries} * 4);
  }
  for (const auto& e : sc.expects)
    if (e.kind == DmaExpect::kBytes) map.add(e.addr, e.bytes.size());
  dma::tb::DmaTbConfig tc;
  tc.mem.base = 0;
  tc.mem.size = map.build(sc.file);
  tc.mem.latency = cfg.period * static_cast<double>(latency);
  tc.mem.jitter_max = cfg.period * static_cast<double>(opt.jitter);
  tc.mem.jitter_step = cfg.period;
  tc.mem.seed = opt.seed;
  tc.remap = [&map](uint64_t a, uint64_t n, uint64_t& m) { return map.map(a, n, m); };
  tc.time_limit = cfg.period * (2.0 * static_cast<double>(opt.max_cycles) + 1e6);

  cosim::BlockOptions bo;
  bo.fidelity = opt.sim.fidelity;
  bo.wave = opt.sim.wave;
  bo.stop_on_divergence = true;
  std::unique_ptr<dma::DmaBlock> dut = cosim::make_dma_block("dma", cfg, bo);
  auto* ls = dynamic_cast<cosim::DmaLockstep*>(dut.get());
  if (opt.sim.inject_fault >= 0) {
    dma::DmaBlock* fast = ls ? &ls->tlm_form() : dut.get();
    auto* model = dynamic_cast<dma::DmaTlm*>(fast);
    if (!model) throw std::invalid_argument("--inject-fault needs the fast form (tlm or lockstep)");
    model->inject_fault(static_cast<uint64_t>(opt.sim.inject_fault), 0, 0x1);
  }
  std::unique_ptr<TraceWriter> trace;
  if (!opt.sim.trace.empty()) {
    trace = std::make_unique<TraceWriter>(opt.sim.trace);
    dut->set_trace(trace.get());
  }

  // What the body finds out, reported after the run.
  unsigned mask = 0;
  uint64_t cycles = 0, first_doorbell = 0;
  std::array<dma::tb::QueueStatus, 4> st{};
  std::array<unsigned, 4> resumes{};
  std::array<uint32_t, 4> sw_tail{};
  bool timed_out = false, finished = false;
  std::string timeout_msg;
  dma::tb::Counters cnt;

  auto body = [&](dma::tb::DmaTb& tb) {
    for (unsigned q = 0; q < cfg.num_queues; ++q)
      if (!per_q[q].empty() || sc.queues[q].line) tb.setup_queue(q, setup[q]);
    // Descriptors and doorbells; the cycle count starts at the first doorbell.
    const uint64_t c0 = tb.cycle();
    first_doorbell = c0;
    for (unsigned q = 0; q < cfg.num_queues; ++q) {
      if (per_q[q].empty()) continue;
      std::vector<dma::tb::Desc> ds;
      for (const auto* d : per_q[q]) {
        dma::tb::Desc x;
        x.src = d->desc.src;
        x.dst = d->desc.dst;
        x.len = d->desc.len;
        x.rows = d->desc.rows;
        x.src_stride = d->desc.src_stride;
        x.dst_stride = d->desc.dst_stride;
        x.irq = d->desc.irq;
        x.last = d->desc.last;
        x.cpl = d->desc.cpl;
        ds.push_back(x);
      }
      tb.push_many(q, ds);
      mask |= 1u << q;
    }
    try {
      for (unsigned q = 0; q < 4; ++q) {
        if (!((mask >> q) & 1)) continue;
        for (;;) {
          st[q] = tb.wait_queue(q, opt.max_cycles);
          // LAST pauses the queue; resume it until its descriptors are all done.
          if (st[q].paused && !st[q].error && st[q].head != tb.sw_tail(q)) {
            tb.resume_queue(q);
            ++resumes[q];
            continue;
          }
          break;
        }
      }
    } catch (const std::runtime_error& e) {
      timed_out = true;
      timeout_msg = e.what();
    }
    cycles = tb.cycle() - c0;
    for (unsigned q = 0; q < 4; ++q) sw_tail[q] = tb.sw_tail(q);
    cnt = tb.counters();
    finished = true;
  };
  auto host = std::make_unique<dma::tb::DmaTb>("tb", *dut, tc, body);
  host->recorder.keep_data = false;

  // Memory initialisation, in file order.
  for (const auto& m : sc.mem) {
    if (m.random_len) {
      std::mt19937_64 rng(m.seed ? *m.seed : opt.seed * 0x9E3779B97F4A7C15ull + m.line);
      std::vector<uint8_t> v(m.random_len);
      for (auto& b : v) b = static_cast<uint8_t>(rng());
      host->mem_write(m.addr, v.data(), v.size());
    } else {
      host->mem_write(m.addr, m.bytes.data(), m.bytes.size());
    }
  }
  // Sources as they are before the run, for `expect copy`.
  std::vector<std::vector<std::vector<uint8_t>>> src_rows(sc.descs.size());
  const bool want_copy = std::any_of(sc.expects.begin(), sc.expects.end(),
                                     [](const DmaExpect& e) { return e.kind == DmaExpect::kCopy; });
  if (want_copy) {
    for (std::size_t i = 0; i < sc.descs.size(); ++i) {
      const auto& d = sc.descs[i].desc;
      if (uint64_t{d.len} * d.rows > (uint64_t{1} << 30))
        throw ScenarioError(where(sc.descs[i].line) + "desc: too large for 'expect copy' (1 GiB)");
      for (uint32_t r = 0; r < d.rows; ++r)
        src_rows[i].push_back(host->mem_read_vec(d.src + uint64_t{r} * d.src_stride, d.len));
    }
  }

  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start(tc.time_limit);
  result.host_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (host->error()) std::rethrow_exception(host->error());
  if (ls) {
    ls->checker().finish();
    LockstepOutcome& o = result.lockstep;
    o.used = true;
    o.diverged = ls->checker().diverged();
    o.compared = ls->checker().compared();
    o.report = ls->checker().report();
    o.cycle_errors = ls->checker().cycle_error_report();
    o.wave_written = o.diverged && opt.sim.wave.history_mode() && std::ifstream(opt.sim.wave.path).good();
  }
  if (trace) {
    // The host's view: every memory burst the engine issued, request to response.
    for (int w = 0; w < 2; ++w) {
      const int t = trace->track("dma host", w ? "memory writes" : "memory reads");
      for (const auto& x : w ? host->recorder.writes : host->recorder.reads)
        trace->slice(t, (w ? "W " : "R ") + TraceWriter::hex(x.addr), x.start, x.end,
                     "\"len\":" + std::to_string(x.len) + ",\"resp\":" +
                         std::to_string(static_cast<int>(tlm_to_axi(x.resp))));
    }
    result.trace_events = trace->events();
    trace->close();
  }
  if (!finished && !result.lockstep.diverged)
    throw std::runtime_error(std::string("dma: the scenario did not finish on ") + dut->name() + " (" +
                             dut->fidelity() + "): simulation stopped at " +
                             sc_core::sc_time_stamp().to_string());

  char buf[512];
  bool ok = !timed_out && finished;
  out << "trnsim dma: " << sc.file << " on " << cfg_name << " (" << cfg.data_bytes()
      << " B/beat, " << cfg.num_queues << " queues, " << cfg.max_outstanding
      << " bursts in flight), memory latency " << latency;
  if (opt.jitter) out << " + 0.." << opt.jitter << " random";
  out << "\n  fidelity        " << dut->fidelity() << " (through the TLM-2.0 sockets, quantum "
      << opt.sim.quantum << ")\n";
  if (!finished) {
    // Stopped by the lockstep checker at the first divergence.
    out << "  stopped         at " << sc_core::sc_time_stamp() << " by the lockstep checker\n";
    print_lockstep(result.lockstep, out);
    out << "  result          FAIL\n";
    result.ok = false;
    return result;
  }
  uint64_t payload = 0;
  for (const auto& d : sc.descs) payload += uint64_t{d.desc.len} * d.desc.rows;
  const double bpc = cycles ? static_cast<double>(cnt.bytes_moved) / cycles : 0.0;

  std::snprintf(buf, sizeof buf, "  cycles          %llu (first doorbell to every queue stopped)\n",
                static_cast<unsigned long long>(cycles));
  out << buf;
  // Exact, unlike the polled figure above: when the last write burst
  // (data or completion record) was answered.
  uint64_t last_write = 0;
  for (const auto& w : host->recorder.writes)
    last_write = std::max(last_write, cycles_ceil(w.end, cfg.period));
  if (last_write > first_doorbell) {
    std::snprintf(buf, sizeof buf, "  engine cycles   %llu (first doorbell to the last write's response)\n",
                  static_cast<unsigned long long>(last_write - first_doorbell));
    out << buf;
  }
  std::snprintf(buf, sizeof buf,
                "  bytes           %u moved in %u descriptors (%llu in the scenario's %zu)\n",
                cnt.bytes_moved, cnt.descs_done, static_cast<unsigned long long>(payload),
                sc.descs.size());
  out << buf;
  std::snprintf(buf, sizeof buf, "  bandwidth       %.2f B/cycle, %.1f%% of the %u B/cycle peak\n",
                bpc, 100.0 * bpc / cfg.data_bytes(), cfg.data_bytes());
  out << buf;
  std::snprintf(buf, sizeof buf,
                "  counters        busy %u, stall %u cycles, errors %u\n", cnt.busy_cycles,
                cnt.stall_cycles, cnt.errors);
  out << buf;
  if (timed_out) out << "  TIMEOUT         " << timeout_msg << "\n";

  for (unsigned q = 0; q < cfg.num_queues; ++q) {
    if (!((mask >> q) & 1)) continue;
    const DmaExpect* exp_err = nullptr;
    for (const auto& e : sc.expects)
      if (e.kind == DmaExpect::kError && e.queue == q) exp_err = &e;
    const auto& s = st[q];
    std::ostringstream line;
    line << "  queue " << q << "         ";
    if (s.error) {
      const std::size_t idx = s.head < per_q[q].size() ? s.head : 0;
      line << "ERROR " << s.code << " " << dma_err_name(s.code) << " at " << hex(s.err_addr)
           << " (descriptor " << s.head << ", " << sc.file << ":" << per_q[q][idx]->line << "), "
           << s.head << "/" << per_q[q].size() << " done";
      if (exp_err && exp_err->code == s.code) {
        line << ", as expected (line " << exp_err->line << ")";
      } else {
        ok = false;
        if (exp_err) line << "; expected " << dma_err_name(exp_err->code) << " (line " << exp_err->line << ")";
      }
    } else {
      const bool all = s.head == sw_tail[q] && !timed_out;
      line << (all ? "done" : "NOT DONE") << ", " << s.head << "/" << per_q[q].size()
           << " descriptors (HEAD " << s.head << ")";
      if (resumes[q]) line << ", resumed after LAST " << resumes[q] << "x";
      if (!all) ok = false;
      if (exp_err) {
        ok = false;
        line << "; expected error " << dma_err_name(exp_err->code) << " (line " << exp_err->line << ")";
      }
    }
    out << line.str() << "\n";
  }

  for (const auto& e : sc.expects) {
    std::ostringstream line;
    if (e.kind == DmaExpect::kCopy) {
      // Every descriptor that completed: its destination equals its source.
      std::size_t checked = 0, bad = 0;
      uint64_t bytes = 0, first_bad = 0;
      int bad_line = 0;
      std::array<uint32_t, 4> seen{};
      for (std::size_t i = 0; i < sc.descs.size(); ++i) {
        const auto& sd = sc.descs[i];
        const uint32_t index_in_q = seen[sd.queue]++;
        if (st[sd.queue].error && index_in_q >= st[sd.queue].head) continue;
        ++checked;
        for (uint32_t r = 0; r < sd.desc.rows; ++r) {
          const uint64_t a = sd.desc.dst + uint64_t{r} * sd.desc.dst_stride;
          const auto got = host->mem_read_vec(a, sd.desc.len);
          bytes += sd.desc.len;
          for (std::size_t k = 0; k < got.size(); ++k) {
            if (got[k] != src_rows[i][r][k]) {
              if (bad++ == 0) {
                first_bad = a + k;
                bad_line = sd.line;
              }
            }
          }
        }
      }
      line << "  check           expect copy (line " << e.line << "): ";
      if (bad) {
        ok = false;
        line << "FAIL, " << bad << " bytes differ; first at " << hex(first_bad) << " (desc at line "
             << bad_line << ")";
      } else {
        line << "PASS, " << checked << " descriptors, " << bytes << " bytes";
      }
    } else if (e.kind == DmaExpect::kBytes) {
      const auto got = host->mem_read_vec(e.addr, e.bytes.size());
      std::size_t k = 0;
      while (k < got.size() && got[k] == e.bytes[k]) ++k;
      line << "  check           expect mem " << hex(e.addr) << " (line " << e.line << "): ";
      if (k == got.size()) {
        line << "PASS, " << got.size() << " bytes";
      } else {
        ok = false;
        std::snprintf(buf, sizeof buf, "FAIL at 0x%llx: got %02x, want %02x",
                      static_cast<unsigned long long>(e.addr + k), got[k], e.bytes[k]);
        line << buf;
      }
    } else {
      continue;  // reported with the queue
    }
    out << line.str() << "\n";
  }
  print_lockstep(result.lockstep, out);
  if (result.lockstep.diverged) ok = false;
  out << "  result          " << (ok ? "PASS" : "FAIL") << "\n";
  result.ok = ok;
  return result;
}

}  // namespace trnsim::app
