#include "common/lockstep.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "common/tlm_util.h"

namespace trnsim::cosim {

namespace {
const char* cmd_name(tlm::tlm_command c) {
  return c == tlm::TLM_READ_COMMAND ? "read" : c == tlm::TLM_WRITE_COMMAND ? "write" : "ignore";
}
std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%" PRIx64, v);
  return b;
}
std::string bytes_hex(const std::vector<uint8_t>& d, std::size_t from, std::size_t max) {
  std::string s;
  char b[4];
  for (std::size_t i = from; i < d.size() && i < from + max; ++i) {
    std::snprintf(b, sizeof b, "%02x", d[i]);
    if (i > from && (i - from) % 4 == 0) s += ' ';
    s += b;
  }
  if (d.size() > from + max) s += " ...";
  return s;
}
}  // namespace

LockstepRecord LockstepRecord::from(const tlm::tlm_generic_payload& gp, const sc_core::sc_time& t) {
  LockstepRecord r;
  r.cmd = gp.get_command();
  r.address = gp.get_address();
  r.data.assign(gp.get_data_ptr(), gp.get_data_ptr() + gp.get_data_length());
  r.byte_enables = trnsim::byte_enables(gp);
  r.status = gp.get_response_status();
  r.time = t;
  return r;
}

LockstepRecord LockstepRecord::level(bool value) {
  LockstepRecord r;
  r.data = {static_cast<uint8_t>(value)};
  r.status = tlm::TLM_OK_RESPONSE;
  r.time = sc_core::sc_time_stamp();
  return r;
}

std::string LockstepRecord::describe(std::size_t max_bytes) const {
  std::string s = std::string(cmd_name(cmd)) + " addr=" + hex(address) +
                  " len=" + std::to_string(data.size());
  tlm::tlm_generic_payload tmp;
  tmp.set_response_status(status);
  s += " resp=" + tmp.get_response_string();
  s += " at " + time.to_string();
  if (!byte_enables.empty()) s += " (byte enables set)";
  s += "\n      data: " + bytes_hex(data, 0, max_bytes);
  return s;
}

void CycleError::add(int64_t rtl_cycle, int64_t tlm_cycle) {
  ++count;
  const int64_t d = tlm_cycle - rtl_cycle;
  sum_signed += d;
  sum_abs += static_cast<uint64_t>(d < 0 ? -d : d);
  if ((d < 0 ? -d : d) > max_abs) max_abs = d < 0 ? -d : d;
  first_rtl = first_rtl < 0 ? rtl_cycle : std::min(first_rtl, rtl_cycle);
  first_tlm = first_tlm < 0 ? tlm_cycle : std::min(first_tlm, tlm_cycle);
  last_rtl = std::max(last_rtl, rtl_cycle);
  last_tlm = std::max(last_tlm, tlm_cycle);
}

void CycleError::merge(const CycleError& o) {
  if (o.count == 0) return;
  const bool empty = count == 0;
  count += o.count;
  sum_signed += o.sum_signed;
  sum_abs += o.sum_abs;
  max_abs = std::max(max_abs, o.max_abs);
  first_rtl = empty ? o.first_rtl : std::min(first_rtl, o.first_rtl);
  first_tlm = empty ? o.first_tlm : std::min(first_tlm, o.first_tlm);
  last_rtl = std::max(last_rtl, o.last_rtl);
  last_tlm = std::max(last_tlm, o.last_tlm);
}

double CycleError::span_error_percent() const {
  const int64_t rs = rtl_span();
  return rs > 0 ? 100.0 * static_cast<double>(tlm_span() - rs) / static_cast<double>(rs) : 0.0;
}

LockstepChecker::LockstepChecker(std::string block, sc_core::sc_time period)
    : block_(std::move(block)), period_(period) {}

void LockstepChecker::diverge(const std::string& what, const std::string& detail) {
  if (diverged()) return;
  std::ostringstream o;
  o << "lockstep divergence in " << block_ << " at " << sc_core::sc_time_stamp() << ": " << what
    << "\n" << detail;
  report_ = o.str();
  std::fprintf(stderr, "%s\n", report_.c_str());
  if (on_divergence_) on_divergence_(report_);
  if (stop_ && sc_core::sc_is_running()) sc_core::sc_stop();
}

void LockstepChecker::compare(const std::string& what, const LockstepRecord& rtl,
                              const LockstepRecord& tlm, bool compare_data) {
  ++compared_;
  std::string field;
  std::size_t first_diff = 0;
  if (rtl.cmd != tlm.cmd) field = "command";
  else if (rtl.address != tlm.address) field = "address";
  else if (rtl.data.size() != tlm.data.size()) field = "length";
  else if (rtl.status != tlm.status) field = "response";
  else if (rtl.byte_enables != tlm.byte_enables) field = "byte enables";
  else {
    for (std::size_t i = 0; i < rtl.data.size(); ++i) {
      // Bytes a write does not enable do not matter.
      if (!rtl.byte_enables.empty() && rtl.byte_enables[i] == 0) continue;
      if (rtl.data[i] != tlm.data[i]) {
        field = "data";
        first_diff = i;
        break;
      }
    }
    if (field == "data" && !compare_data) {
      ++soft_;
      return;
    }
  }
  if (field.empty()) return;
  std::size_t from = field == "data" ? (first_diff / 16) * 16 : 0;
  std::ostringstream d;
  d << "  " << field << " differs";
  if (field == "data") d << " first at byte " << first_diff;
  d << "\n  rtl: " << rtl.describe() << "\n  tlm: " << tlm.describe();
  if (from > 0)
    d << "\n  around byte " << from << ":\n      rtl: " << bytes_hex(rtl.data, from, 32)
      << "\n      tlm: " << bytes_hex(tlm.data, from, 32);
  diverge(what, d.str());
}

void LockstepChecker::push(Side side, const std::string& channel, const LockstepRecord& rec,
                           const std::string& timing_op) {
  Channel& c = ch_[channel];
  if (!timing_op.empty()) c.timing_op = timing_op;
  const int s = static_cast<int>(side), o = 1 - s;
  ++c.n[s];
  if (c.q[o].empty()) {
    c.q[s].push_back(rec);
    return;
  }
  const LockstepRecord other = c.q[o].front();
  c.q[o].pop_front();
  const LockstepRecord& r = side == Side::kRtl ? rec : other;
  const LockstepRecord& t = side == Side::kRtl ? other : rec;
  const uint64_t index = c.matched++;
  compare(channel + " #" + std::to_string(index), r, t, true);
  if (!c.timing_op.empty()) timing(c.timing_op, r.time, t.time);
}

std::size_t LockstepChecker::pending(Side side, const std::string& channel) const {
  auto it = ch_.find(channel);
  return it == ch_.end() ? 0 : it->second.q[static_cast<int>(side)].size();
}

uint64_t LockstepChecker::pushed(Side side, const std::string& channel) const {
  auto it = ch_.find(channel);
  return it == ch_.end() ? 0 : it->second.n[static_cast<int>(side)];
}

void LockstepChecker::compare_now(const std::string& what, const LockstepRecord& rtl,
                                  const LockstepRecord& tlm, bool compare_data,
                                  const std::string& timing_op) {
  compare(what, rtl, tlm, compare_data);
  if (!timing_op.empty()) timing(timing_op, rtl.time, tlm.time);
}

void LockstepChecker::timing(const std::string& op, const sc_core::sc_time& rtl,
                             const sc_core::sc_time& tlm) {
  const auto cyc = [&](const sc_core::sc_time& t) {
    return static_cast<int64_t>(t.value() / period_.value());
  };
  errors_[op].add(cyc(rtl), cyc(tlm));
}

void LockstepChecker::finish() {
  for (const auto& [name, c] : ch_) {
    for (int s = 0; s < 2 && !diverged(); ++s) {
      if (c.q[s].empty()) continue;
      const char* who = s == 0 ? "rtl" : "tlm";
      const char* other = s == 0 ? "tlm" : "rtl";
      diverge(name + " #" + std::to_string(c.matched),
              std::string("  the ") + who + " form issued " + std::to_string(c.q[s].size()) +
                  " more than the " + other + " form; the first unmatched:\n  " + who + ": " +
                  c.q[s].front().describe());
    }
  }
}

CycleError LockstepChecker::overall_cycle_error() const {
  CycleError all;
  for (const auto& [op, e] : errors_) all.merge(e);
  return all;
}

std::string LockstepChecker::cycle_error_report() const {
  std::ostringstream o;
  o << "cycle error of the tlm form against the rtl form (" << block_ << ", cycles of "
    << period_ << "):\n";
  o << "  operation            count   mean err   mean |err|   max |err|   rtl span   tlm span   span err\n";
  char line[256];
  const auto row = [&](const std::string& op, const CycleError& e) {
    std::snprintf(line, sizeof line,
                  "  %-20s %6" PRIu64 " %10.2f %12.2f %11" PRId64 " %10" PRId64 " %10" PRId64
                  " %9.2f%%\n",
                  op.c_str(), e.count, static_cast<double>(e.sum_signed) / e.count,
                  static_cast<double>(e.sum_abs) / e.count, e.max_abs, e.rtl_span(), e.tlm_span(),
                  e.span_error_percent());
    o << line;
  };
  for (const auto& [op, e] : errors_)
    if (e.count) row(op, e);
  const CycleError all = overall_cycle_error();
  if (all.count) row("overall", all);
  return o.str();
}

}  // namespace trnsim::cosim

namespace trnsim::cosim {

PayloadCopy::PayloadCopy(const tlm::tlm_generic_payload& src) {
  data_.assign(src.get_data_ptr(), src.get_data_ptr() + src.get_data_length());
  if (src.get_byte_enable_ptr())
    be_.assign(src.get_byte_enable_ptr(), src.get_byte_enable_ptr() + src.get_byte_enable_length());
  gp_.set_command(src.get_command());
  gp_.set_address(src.get_address());
  gp_.set_data_ptr(data_.data());
  gp_.set_data_length(static_cast<unsigned>(data_.size()));
  gp_.set_streaming_width(src.get_streaming_width());
  gp_.set_byte_enable_ptr(be_.empty() ? nullptr : be_.data());
  gp_.set_byte_enable_length(static_cast<unsigned>(be_.size()));
  gp_.set_dmi_allowed(false);
  gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
}

void PayloadCopy::copy_response_to(tlm::tlm_generic_payload& dst) const {
  dst.set_response_status(gp_.get_response_status());
  if (gp_.is_read() && dst.get_data_length() == data_.size())
    std::copy(data_.begin(), data_.end(), dst.get_data_ptr());
}

sc_core::sc_time delay_to(const sc_core::sc_time& t) {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  return t > now ? t - now : sc_core::SC_ZERO_TIME;
}

void lockstep_csr_access(LockstepChecker& checker, tlm::tlm_fw_transport_if<>& rtl,
                         tlm::tlm_fw_transport_if<>& tlm, tlm::tlm_generic_payload& gp,
                         sc_core::sc_time& delay, bool compare_data,
                         const std::function<sc_core::sc_time(const sc_core::sc_time&)>&
                             tlm_request_time) {
  // The RTL form may wait() inside, so the fast form's delay is recomputed
  // from the request time afterwards.
  const sc_core::sc_time t_req = sc_core::sc_time_stamp() + delay;
  PayloadCopy r(gp), t(gp);
  sc_core::sc_time dr = delay;
  rtl.b_transport(r.gp(), dr);
  const sc_core::sc_time rtl_end = sc_core::sc_time_stamp() + dr;
  sc_core::sc_time dt = delay_to(tlm_request_time ? tlm_request_time(t_req) : t_req);
  tlm.b_transport(t.gp(), dt);
  const sc_core::sc_time tlm_end = sc_core::sc_time_stamp() + dt;
  char what[48];
  std::snprintf(what, sizeof what, "csr %s 0x%llx", gp.is_read() ? "read" : "write",
                static_cast<unsigned long long>(gp.get_address()));
  checker.compare_now(what, LockstepRecord::from(r.gp(), rtl_end),
                      LockstepRecord::from(t.gp(), tlm_end), compare_data, "csr access");
  r.copy_response_to(gp);
  delay = delay_to(rtl_end);
}

LockstepIrq::LockstepIrq(sc_core::sc_module_name name, LockstepChecker& checker,
                         sc_core::sc_out<bool>& out)
    : sc_module(name), rtl("rtl"), tlm("tlm"), checker_(checker), out_(out) {
  SC_HAS_PROCESS(LockstepIrq);
  SC_METHOD(rtl_changed);
  sensitive << rtl;
  dont_initialize();
  SC_METHOD(tlm_changed);
  sensitive << tlm;
  dont_initialize();
}

void LockstepIrq::rtl_changed() {
  out_.write(rtl.read());
  checker_.push(Side::kRtl, "irq edge", LockstepRecord::level(rtl.read()), "irq edge");
}

void LockstepIrq::tlm_changed() {
  checker_.push(Side::kTlm, "irq edge", LockstepRecord::level(tlm.read()), "irq edge");
}

}  // namespace trnsim::cosim
