#include "common/axi4_tlm_bridge.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <stdexcept>

#include "common/tlm_util.h"

namespace trnsim::cosim {

namespace {

unsigned log2u(unsigned v) {
  unsigned r = 0;
  while ((1u << r) < v) ++r;
  return r;
}

std::string hex(uint64_t v) {
  std::ostringstream os;
  os << "0x" << std::hex << v;
  return os.str();
}

}  // namespace

Axi4TlmBridge::Axi4TlmBridge(const Axi4TlmBridgeConfig& cfg, Issue issue)
    : cfg_(cfg), issue_(std::move(issue)), checker_(cfg.data_bytes), full_size_(log2u(cfg.data_bytes)) {
  if (cfg.data_bytes < 4 || cfg.data_bytes > 64 || (cfg.data_bytes & (cfg.data_bytes - 1)))
    throw std::invalid_argument("Axi4TlmBridge: data_bytes must be a power of two in 4..64");
  if (cfg.max_reads == 0 || cfg.max_writes == 0)
    throw std::invalid_argument("Axi4TlmBridge: max_reads and max_writes must be at least 1");
  if (!issue_) throw std::invalid_argument("Axi4TlmBridge: no issue callback");
  cur_.rdata.assign(cfg_.data_bytes / 4, 0);
}

uint64_t Axi4TlmBridge::response_cycle(uint64_t issue_cycle, const sc_core::sc_time& added,
                                       const sc_core::sc_time& period) {
  const uint64_t n = cycles_ceil(added, period);
  return issue_cycle + std::max<uint64_t>(n, 1);
}

template <class Q>
std::optional<std::size_t> Axi4TlmBridge::pick(const Q& q) const {
  // The oldest burst of each ID is a candidate once its response is due;
  // the first such in issue order wins.
  uint64_t seen_small = 0;  // IDs below 64 as a bit set, others in `seen`
  std::vector<uint32_t> seen;
  for (std::size_t i = 0; i < q.size(); ++i) {
    const uint32_t id = q[i].id;
    if (id < 64) {
      if ((seen_small >> id) & 1) continue;
      seen_small |= uint64_t{1} << id;
    } else {
      if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
      seen.push_back(id);
    }
    if (q[i].ready_cycle <= cycle_) return i;
  }
  return std::nullopt;
}

void Axi4TlmBridge::drive(Axi4SlaveOut& out) {
  const unsigned words = cfg_.data_bytes / 4;
  out.arready = reads_.size() < cfg_.max_reads;
  out.awready = aw_wait_.size() + bq_.size() < cfg_.max_writes;
  if (!aw_wait_.empty()) {
    out.wready = true;  // the beat belongs to an accepted AW
  } else {
    std::size_t early = w_cur_.beats;
    for (const auto& w : w_wait_) early += w.beats;
    out.wready = w_wait_.size() < cfg_.max_writes && early < cfg_.max_early_w_beats;
  }

  if (!r_cur_) r_cur_ = pick(reads_);
  out.rdata.resize(words);
  if (r_cur_) {
    const ReadBurst& b = reads_[*r_cur_];
    std::memcpy(out.rdata.data(), b.data.data() + std::size_t{b.beat} * cfg_.data_bytes,
                cfg_.data_bytes);
    out.rvalid = true;
    out.rid = b.id;
    out.rresp = b.resp;
    out.rlast = b.beat == b.len;
  } else {
    out.rvalid = false;
    out.rid = 0;
    out.rresp = 0;
    out.rlast = false;
    std::fill(out.rdata.begin(), out.rdata.end(), 0u);
  }

  if (!b_cur_) b_cur_ = pick(bq_);
  if (b_cur_) {
    out.bvalid = true;
    out.bid = bq_[*b_cur_].id;
    out.bresp = bq_[*b_cur_].resp;
  } else {
    out.bvalid = false;
    out.bid = 0;
    out.bresp = 0;
  }
  cur_.arready = out.arready;
  cur_.awready = out.awready;
  cur_.wready = out.wready;
  cur_.rvalid = out.rvalid;
  cur_.bvalid = out.bvalid;
}

uint64_t Axi4TlmBridge::call(uint64_t issue_cycle) {
  const uint64_t r = issue_(gp_, issue_cycle);
  if (r <= issue_cycle) {
    std::ostringstream os;
    os << "Axi4TlmBridge: the issue callback returned response cycle " << r << " for a "
       << (gp_.is_read() ? "read" : "write") << " at " << hex(gp_.get_address())
       << " issued in cycle " << issue_cycle << " (must be later)";
    throw std::logic_error(os.str());
  }
  return r;
}

void Axi4TlmBridge::issue_read(const Axi4MasterOut& in) {
  ReadBurst b;
  b.id = in.arid;
  b.addr = in.araddr;
  b.len = in.arlen;
  const uint64_t base = in.araddr & ~uint64_t{cfg_.data_bytes - 1};
  const unsigned len = (in.arlen + 1) * cfg_.data_bytes;
  b.data.assign(len, 0);
  set_payload(gp_, tlm::TLM_READ_COMMAND, base, b.data.data(), len);
  b.ready_cycle = call(cycle_);
  const auto st = gp_.get_response_status();
  b.resp = tlm_to_axi(st);
  if (st != tlm::TLM_OK_RESPONSE) {
    std::fill(b.data.begin(), b.data.end(), 0);
    ++stats_.read_errors;
  }
  ++stats_.read_payloads;
  reads_.push_back(std::move(b));
}

void Axi4TlmBridge::issue_write(const WriteAddr& a, WriteData& w) {
  if (w.beats != a.len + 1) {
    std::ostringstream os;
    os << "AXI4 protocol violation at cycle " << cycle_ << ": WLAST: AW id " << a.id << " addr "
       << hex(a.addr) << " len " << a.len << " got a W burst of " << w.beats << " beats";
    throw Axi4ProtocolError(os.str());
  }
  const uint64_t base = a.addr & ~uint64_t{cfg_.data_bytes - 1};
  const unsigned len = static_cast<unsigned>(w.data.size());
  set_payload(gp_, tlm::TLM_WRITE_COMMAND, base, w.data.data(), len,
              w.all_enabled ? nullptr : w.be.data(), len);
  WriteResp r;
  r.id = a.id;
  r.ready_cycle = call(cycle_);
  const auto st = gp_.get_response_status();
  r.resp = tlm_to_axi(st);
  if (st != tlm::TLM_OK_RESPONSE) ++stats_.write_errors;
  ++stats_.write_payloads;
  bq_.push_back(r);
}

void Axi4TlmBridge::observe(const Axi4MasterOut& in) {
  checker_.check(cur_, in);

  // AR
  if (in.arvalid && cur_.arready) {
    if (in.arsize != full_size_)
      throw Axi4ProtocolError("AXI4 bridge at cycle " + std::to_string(cycle_) + ": AR id " +
                              std::to_string(in.arid) + " addr " + hex(in.araddr) + " size " +
                              std::to_string(in.arsize) +
                              ": only full-width bursts are bridged to TLM");
    issue_read(in);
  }
  // AW
  if (in.awvalid && cur_.awready) {
    if (in.awsize != full_size_)
      throw Axi4ProtocolError("AXI4 bridge at cycle " + std::to_string(cycle_) + ": AW id " +
                              std::to_string(in.awid) + " addr " + hex(in.awaddr) + " size " +
                              std::to_string(in.awsize) +
                              ": only full-width bursts are bridged to TLM");
    const WriteAddr a{in.awid, in.awaddr, in.awlen};
    if (!w_wait_.empty()) {
      issue_write(a, w_wait_.front());
      w_wait_.pop_front();
    } else {
      aw_wait_.push_back(a);
    }
  }
  // W
  if (in.wvalid && cur_.wready) {
    const std::size_t off = w_cur_.data.size();
    w_cur_.data.resize(off + cfg_.data_bytes);
    w_cur_.be.resize(off + cfg_.data_bytes);
    std::memcpy(w_cur_.data.data() + off, in.wdata.data(), cfg_.data_bytes);
    for (unsigned l = 0; l < cfg_.data_bytes; ++l) {
      const bool en = (in.wstrb >> l) & 1;
      w_cur_.be[off + l] = en ? TLM_BYTE_ENABLED : TLM_BYTE_DISABLED;
      w_cur_.all_enabled = w_cur_.all_enabled && en;
    }
    ++w_cur_.beats;
    ++stats_.write_beats;
    if (in.wlast) {
      if (!aw_wait_.empty()) {
        const WriteAddr a = aw_wait_.front();
        aw_wait_.pop_front();
        issue_write(a, w_cur_);
      } else {
        w_wait_.push_back(std::move(w_cur_));
      }
      w_cur_ = WriteData{};
    }
  }
  // R
  if (cur_.rvalid && in.rready) {
    ReadBurst& b = reads_[*r_cur_];
    ++stats_.read_beats;
    if (b.beat == b.len) {
      reads_.erase(reads_.begin() + static_cast<std::ptrdiff_t>(*r_cur_));
      r_cur_.reset();
    } else {
      ++b.beat;
    }
  }
  // B
  if (cur_.bvalid && in.bready) {
    bq_.erase(bq_.begin() + static_cast<std::ptrdiff_t>(*b_cur_));
    b_cur_.reset();
  }

  stats_.max_reads_outstanding = std::max<uint64_t>(stats_.max_reads_outstanding, reads_.size());
  stats_.max_writes_outstanding =
      std::max<uint64_t>(stats_.max_writes_outstanding, writes_outstanding());
  ++cycle_;
  ++stats_.cycles;
}

void Axi4TlmBridge::reset_bus() {
  reads_.clear();
  aw_wait_.clear();
  w_wait_.clear();
  w_cur_ = WriteData{};
  bq_.clear();
  r_cur_.reset();
  b_cur_.reset();
  cur_.arready = cur_.awready = cur_.wready = cur_.rvalid = cur_.bvalid = false;
  checker_.reset();
}

void Axi4TlmBridge::skip(uint64_t n) {
  if (!idle())
    throw std::logic_error("Axi4TlmBridge::skip: " + std::to_string(n) +
                           " cycles skipped with transactions in flight at cycle " +
                           std::to_string(cycle_));
  cycle_ += n;
  stats_.cycles += n;
  checker_.skip(n);
}

bool Axi4TlmBridge::idle() const {
  return reads_.empty() && aw_wait_.empty() && w_wait_.empty() && w_cur_.beats == 0 && bq_.empty();
}

}  // namespace trnsim::cosim
