#include "common/axi4_mem.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace trnsim::cosim {

namespace {

constexpr uint64_t kPage = 4096;

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

unsigned log2u(unsigned v) {
  unsigned r = 0;
  while ((1u << r) < v) ++r;
  return r;
}

}  // namespace

// --- protocol checker ------------------------------------------------------------

Axi4ProtocolChecker::Axi4ProtocolChecker(unsigned data_bytes)
    : data_bytes_(data_bytes), full_size_(log2u(data_bytes)) {}

void Axi4ProtocolChecker::violation(const std::string& rule, const std::string& what) const {
  std::ostringstream os;
  os << "AXI4 protocol violation at cycle " << cycle_ << ": " << rule << ": " << what;
  throw Axi4ProtocolError(os.str());
}

void Axi4ProtocolChecker::check_hold(const Axi4MasterOut& in) {
  const Axi4MasterOut& p = prev_;
  if (prev_ar_stall_) {
    if (!in.arvalid) violation("AR_STABLE", "ARVALID dropped before ARREADY (AR to " + hex(p.araddr) + ")");
    if (in.araddr != p.araddr || in.arlen != p.arlen || in.arid != p.arid || in.arsize != p.arsize ||
        in.arburst != p.arburst)
      violation("AR_STABLE", "AR payload changed while stalled (was " + hex(p.araddr) + " len " +
                                 std::to_string(p.arlen) + ", now " + hex(in.araddr) + " len " +
                                 std::to_string(in.arlen) + ")");
  }
  if (prev_aw_stall_) {
    if (!in.awvalid) violation("AW_STABLE", "AWVALID dropped before AWREADY (AW to " + hex(p.awaddr) + ")");
    if (in.awaddr != p.awaddr || in.awlen != p.awlen || in.awid != p.awid || in.awsize != p.awsize ||
        in.awburst != p.awburst)
      violation("AW_STABLE", "AW payload changed while stalled (was " + hex(p.awaddr) + ", now " +
                                 hex(in.awaddr) + ")");
  }
  if (prev_w_stall_) {
    if (!in.wvalid) violation("W_STABLE", "WVALID dropped before WREADY");
    if (in.wdata != p.wdata || in.wstrb != p.wstrb || in.wlast != p.wlast)
      violation("W_STABLE", "W payload changed while stalled");
  }
}

void Axi4ProtocolChecker::check_addr(const char* ch, uint32_t id, uint64_t addr, uint32_t len,
                                     uint32_t size, uint32_t burst) const {
  const std::string t = std::string(ch) + " id " + std::to_string(id) + " addr " + hex(addr) +
                        " len " + std::to_string(len);
  if (len > 255) violation("BURST_LEN", t + ": more than 256 beats");
  if (burst != 1) violation("BURST_TYPE", t + ": only INCR bursts are expected");
  if (size > full_size_) violation("BURST_SIZE", t + ": size wider than the bus");
  const uint64_t bytes = uint64_t{1} << size;
  const uint64_t first = addr & ~(bytes - 1);
  const uint64_t last = first + uint64_t{len} * bytes;  // address of the last beat
  if ((first >> 12) != (last >> 12)) violation("NO_4K_CROSSING", t + ": crosses a 4 KiB boundary");
}

void Axi4ProtocolChecker::check_w(const WBeat& w) {
  Aw& b = aw_.front();
  std::string t = "W beat " + std::to_string(b.beat) + " of AW id " + std::to_string(b.id) +
                  " addr " + hex(b.addr) + " len " + std::to_string(b.len);
  if (w.cycle != cycle_) t += " (sent in cycle " + std::to_string(w.cycle) + ", before its AW)";
  const bool last = b.beat == b.len;
  if (w.last != last) violation("WLAST", t + (last ? ": WLAST missing" : ": WLAST early"));
  const uint64_t bytes = uint64_t{1} << b.size;
  const uint64_t a = b.beat == 0 ? b.addr : (b.addr & ~(bytes - 1)) + uint64_t{b.beat} * bytes;
  const uint64_t lane0 = a & ~uint64_t{data_bytes_ - 1};
  for (unsigned l = 0; l < data_bytes_; ++l) {
    if (!((w.strb >> l) & 1)) continue;
    const uint64_t ba = lane0 + l;
    if (ba < (a & ~(bytes - 1)) || ba >= (a & ~(bytes - 1)) + bytes)
      violation("WSTRB", t + ": strobe on a byte lane outside the beat");
  }
  ++b.beat;
  if (last) aw_.pop_front();
}

void Axi4ProtocolChecker::check(const Axi4SlaveOut& slave, const Axi4MasterOut& in) {
  check_hold(in);
  if (in.arvalid && slave.arready)
    check_addr("AR", in.arid, in.araddr, in.arlen, in.arsize, in.arburst);
  if (in.awvalid && slave.awready) {
    check_addr("AW", in.awid, in.awaddr, in.awlen, in.awsize, in.awburst);
    aw_.push_back(Aw{in.awid, in.awaddr, in.awlen, in.awsize, 0});
    while (!early_w_.empty() && !aw_.empty()) {
      check_w(early_w_.front());
      early_w_.pop_front();
    }
  }
  if (in.wvalid && slave.wready) {
    const WBeat w{in.wstrb, in.wlast, cycle_};
    if (aw_.empty())
      early_w_.push_back(w);
    else
      check_w(w);
  }
  prev_ar_stall_ = in.arvalid && !slave.arready;
  prev_aw_stall_ = in.awvalid && !slave.awready;
  prev_w_stall_ = in.wvalid && !slave.wready;
  prev_ = in;
  ++cycle_;
}

void Axi4ProtocolChecker::reset() {
  prev_ar_stall_ = prev_aw_stall_ = prev_w_stall_ = false;
  aw_.clear();
  early_w_.clear();
}

// --- Axi4Mem -----------------------------------------------------------------------

Axi4Mem::Axi4Mem(Axi4MemConfig cfg) : rng_(cfg.seed), checker_(cfg.data_bytes) {
  set_config(cfg);
}

void Axi4Mem::set_config(const Axi4MemConfig& cfg) {
  if (cfg.data_bytes < 4 || cfg.data_bytes > 64 || (cfg.data_bytes & (cfg.data_bytes - 1)))
    throw std::invalid_argument("Axi4Mem: data_bytes must be a power of two in 4..64");
  if (cfg.read_latency < 1 || cfg.write_latency < 1)
    throw std::invalid_argument("Axi4Mem: latencies must be at least 1 cycle");
  if (cfg.seed != cfg_.seed) rng_.seed(cfg.seed);
  if (cfg.data_bytes != cfg_.data_bytes) checker_ = Axi4ProtocolChecker(cfg.data_bytes);
  cfg_ = cfg;
}

// --- memory ------------------------------------------------------------------

void Axi4Mem::write(uint64_t addr, const uint8_t* data, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    const uint64_t a = addr + i;
    auto& page = pages_[a & ~(kPage - 1)];
    if (page.empty()) page.assign(kPage, 0);
    page[a & (kPage - 1)] = data[i];
  }
}

void Axi4Mem::read(uint64_t addr, uint8_t* data, std::size_t n) const {
  for (std::size_t i = 0; i < n; ++i) {
    const uint64_t a = addr + i;
    const auto it = pages_.find(a & ~(kPage - 1));
    data[i] = it == pages_.end() ? 0 : it->second[a & (kPage - 1)];
  }
}

void Axi4Mem::write32(uint64_t addr, uint32_t v) {
  uint8_t b[4] = {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)};
  write(addr, b, 4);
}

uint32_t Axi4Mem::read32(uint64_t addr) const {
  uint8_t b[4];
  read(addr, b, 4);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

std::vector<uint8_t> Axi4Mem::read_vec(uint64_t addr, std::size_t n) const {
  std::vector<uint8_t> v(n);
  read(addr, v.data(), n);
  return v;
}

// --- errors --------------------------------------------------------------------

void Axi4Mem::add_error_range(uint64_t lo, uint64_t hi, AxiResp resp, bool reads, bool writes) {
  ranges_.push_back({lo, hi, resp, reads, writes});
}
void Axi4Mem::fail_read_burst(uint64_t n, AxiResp resp) { fail_reads_[read_count_ + n] = resp; }
void Axi4Mem::fail_write_burst(uint64_t n, AxiResp resp) { fail_writes_[write_count_ + n] = resp; }
void Axi4Mem::clear_errors() {
  ranges_.clear();
  fail_reads_.clear();
  fail_writes_.clear();
}

AxiResp Axi4Mem::range_resp(uint64_t lo, uint64_t hi, bool is_read) const {
  for (const auto& r : ranges_) {
    if ((is_read ? r.reads : r.writes) && lo < r.hi && r.lo < hi) return r.resp;
  }
  return AxiResp::kOkay;
}

// --- per cycle -------------------------------------------------------------------

bool Axi4Mem::coin(double p) {
  if (p >= 1.0) return true;
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < p;
}

uint64_t Axi4Mem::beat_addr(const Burst& b, uint32_t beat) const {
  const uint64_t bytes = uint64_t{1} << b.size;
  const uint64_t start = b.addr & ~(bytes - 1);
  return beat == 0 ? b.addr : start + uint64_t{beat} * bytes;
}

std::optional<std::size_t> Axi4Mem::pick(const std::deque<Burst>& q) {
  // The oldest burst of each ID is a candidate once its data is due.
  std::vector<std::size_t> cand;
  std::vector<uint32_t> seen;
  for (std::size_t i = 0; i < q.size(); ++i) {
    if (std::find(seen.begin(), seen.end(), q[i].id) != seen.end()) continue;
    seen.push_back(q[i].id);
    if (q[i].ready_cycle <= cycle_) cand.push_back(i);
  }
  if (cand.empty()) return std::nullopt;
  if (!cfg_.reorder) return cand.front();
  return cand[std::uniform_int_distribution<std::size_t>(0, cand.size() - 1)(rng_)];
}

void Axi4Mem::drive(Axi4SlaveOut& out) {
  const Axi4SlaveOut last = cur_;
  out = Axi4SlaveOut{};
  const unsigned words = cfg_.data_bytes / 4;
  out.rdata.assign(words, 0);
  out.arready = coin(cfg_.ar_ready_p);
  out.awready = coin(cfg_.aw_ready_p);
  out.wready = !waddr_.empty() && coin(cfg_.w_ready_p);

  if (!r_cur_) r_cur_ = pick(reads_);
  if (r_holding_) {
    // A beat, once offered, stays as it was until taken.
    out.rvalid = true;
    out.rid = last.rid;
    out.rdata = last.rdata;
    out.rresp = last.rresp;
    out.rlast = last.rlast;
  } else if (r_cur_ && coin(cfg_.r_valid_p)) {
    const Burst& b = reads_[*r_cur_];
    const uint64_t a = beat_addr(b, b.beat);
    const uint64_t lane0 = a & ~uint64_t{cfg_.data_bytes - 1};
    std::vector<uint8_t> bytes(cfg_.data_bytes);
    read(lane0, bytes.data(), bytes.size());
    for (unsigned w = 0; w < words; ++w) {
      out.rdata[w] = uint32_t{bytes[4 * w]} | uint32_t{bytes[4 * w + 1]} << 8 |
                     uint32_t{bytes[4 * w + 2]} << 16 | uint32_t{bytes[4 * w + 3]} << 24;
    }
    AxiResp resp = b.forced;
    if (resp == AxiResp::kOkay) {
      const uint64_t end = (a & ~((uint64_t{1} << b.size) - 1)) + (uint64_t{1} << b.size);
      resp = range_resp(a, end, true);
    }
    if (resp != AxiResp::kOkay) std::fill(out.rdata.begin(), out.rdata.end(), 0xDEADBEEFu);
    out.rvalid = true;
    out.rid = b.id;
    out.rresp = static_cast<uint8_t>(resp);
    out.rlast = b.beat == b.len;
  }

  if (!b_cur_) b_cur_ = pick(bq_);
  if (b_cur_ && (b_holding_ || coin(cfg_.b_valid_p))) {
    const Burst& b = bq_[*b_cur_];
    out.bvalid = true;
    out.bid = b.id;
    out.bresp = static_cast<uint8_t>(b.forced);
  }
  cur_ = out;
}

void Axi4Mem::observe(const Axi4MasterOut& in) {
  checker_.check(cur_, in);

  // AR
  if (in.arvalid && cur_.arready) {
    Burst b;
    b.seq = seq_++;
    b.id = in.arid;
    b.addr = in.araddr;
    b.len = in.arlen;
    b.size = in.arsize;
    b.ready_cycle = cycle_ + cfg_.read_latency;
    auto f = fail_reads_.find(read_count_);
    if (f != fail_reads_.end()) b.forced = f->second;
    ++read_count_;
    ++stats_.read_bursts;
    reads_.push_back(std::move(b));
  }
  // AW
  if (in.awvalid && cur_.awready) {
    Burst b;
    b.seq = seq_++;
    b.id = in.awid;
    b.addr = in.awaddr;
    b.len = in.awlen;
    b.size = in.awsize;
    auto f = fail_writes_.find(write_count_);
    if (f != fail_writes_.end()) b.forced = f->second;
    ++write_count_;
    ++stats_.write_bursts;
    waddr_.push_back(std::move(b));
  }
  // W (cur_.wready implies an AW accepted in an earlier cycle)
  if (in.wvalid && cur_.wready) {
    Burst& b = waddr_.front();
    const bool last = b.beat == b.len;  // WLAST and WSTRB: checked by checker_
    const uint64_t a = beat_addr(b, b.beat);
    const uint64_t lane0 = a & ~uint64_t{cfg_.data_bytes - 1};
    const uint64_t bytes = uint64_t{1} << b.size;
    for (unsigned l = 0; l < cfg_.data_bytes; ++l) {
      if (!((in.wstrb >> l) & 1)) continue;
      const uint64_t ba = lane0 + l;
      b.wbytes.emplace_back(ba, static_cast<uint8_t>(in.wdata[l / 4] >> (8 * (l % 4))));
    }
    ++stats_.write_beats;
    ++b.beat;
    if (last) {
      if (b.forced == AxiResp::kOkay) {
        const uint64_t first = b.addr & ~(bytes - 1);
        b.forced = range_resp(first, first + uint64_t{b.len + 1} * bytes, false);
      }
      if (b.forced == AxiResp::kOkay) {
        for (const auto& [addr, v] : b.wbytes) write(addr, &v, 1);
        stats_.bytes_written += b.wbytes.size();
      }
      b.wbytes.clear();
      b.ready_cycle = cycle_ + cfg_.write_latency;
      bq_.push_back(std::move(b));
      waddr_.pop_front();
    }
  }
  // R
  r_holding_ = false;
  if (cur_.rvalid) {
    if (in.rready) {
      Burst& b = reads_[*r_cur_];
      ++stats_.read_beats;
      if (b.beat == b.len) {
        reads_.erase(reads_.begin() + static_cast<std::ptrdiff_t>(*r_cur_));
        r_cur_.reset();
      } else {
        ++b.beat;
      }
    } else {
      r_holding_ = true;
    }
  }
  // B
  b_holding_ = false;
  if (cur_.bvalid) {
    if (in.bready) {
      bq_.erase(bq_.begin() + static_cast<std::ptrdiff_t>(*b_cur_));
      b_cur_.reset();
    } else {
      b_holding_ = true;
    }
  }

  stats_.max_reads_outstanding = std::max<uint64_t>(stats_.max_reads_outstanding, reads_.size());
  stats_.max_writes_outstanding =
      std::max<uint64_t>(stats_.max_writes_outstanding, waddr_.size() + bq_.size());
  ++cycle_;
  ++stats_.cycles;
}

void Axi4Mem::reset_bus() {
  reads_.clear();
  waddr_.clear();
  bq_.clear();
  r_cur_.reset();
  b_cur_.reset();
  r_holding_ = b_holding_ = false;
  checker_.reset();
}

bool Axi4Mem::idle() const { return reads_.empty() && waddr_.empty() && bq_.empty(); }
std::size_t Axi4Mem::reads_outstanding() const { return reads_.size(); }
std::size_t Axi4Mem::writes_outstanding() const { return waddr_.size() + bq_.size(); }

}  // namespace trnsim::cosim
