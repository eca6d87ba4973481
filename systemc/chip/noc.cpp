#include "chip/noc.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/trace.h"

namespace trnsim::chip {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

bool bad_bw(double v) { return !(v >= 0) || std::isinf(v); }

std::string range_str(const NocRoute& r) {
  return (r.name.empty() ? std::string("route") : "'" + r.name + "'") + " [" +
         TraceWriter::hex(r.base) + ", " + TraceWriter::hex(r.base + r.size) + ") -> out[" +
         std::to_string(r.target) + "]";
}

}  // namespace

Noc::Noc(sc_core::sc_module_name name, const NocConfig& cfg)
    : sc_module(name), in("in"), out("out"), cfg_(cfg) {
  const std::string who = this->name();
  if (bad_bw(cfg.initiator_bytes_per_ns))
    throw std::invalid_argument(who + ": NocConfig.initiator_bytes_per_ns must be finite and >= 0");
  if (bad_bw(cfg.target_bytes_per_ns))
    throw std::invalid_argument(who + ": NocConfig.target_bytes_per_ns must be finite and >= 0");
  for (size_t i = 0; i < cfg.initiator_port_bytes_per_ns.size(); ++i)
    if (std::isnan(cfg.initiator_port_bytes_per_ns[i]) || std::isinf(cfg.initiator_port_bytes_per_ns[i]))
      throw std::invalid_argument(who + ": NocConfig.initiator_port_bytes_per_ns[" +
                                  std::to_string(i) + "] must be finite");
  for (size_t i = 0; i < cfg.target_port_bytes_per_ns.size(); ++i)
    if (std::isnan(cfg.target_port_bytes_per_ns[i]) || std::isinf(cfg.target_port_bytes_per_ns[i]))
      throw std::invalid_argument(who + ": NocConfig.target_port_bytes_per_ns[" +
                                  std::to_string(i) + "] must be finite");
  in.register_b_transport(this, &Noc::b_transport);
  in.register_transport_dbg(this, &Noc::transport_dbg);
  in.register_get_direct_mem_ptr(this, &Noc::get_direct_mem_ptr);
  out.register_invalidate_direct_mem_ptr(this, &Noc::invalidate_direct_mem_ptr);
}

void Noc::add_route(uint64_t base, uint64_t size, unsigned target, bool strip_base,
                    const std::string& name) {
  NocRoute r;
  r.name = name;
  r.base = base;
  r.size = size;
  r.target = target;
  r.strip_base = strip_base;
  add_route(r);
}

void Noc::add_route(const NocRoute& r) {
  if (r.size == 0)
    throw std::invalid_argument(std::string(name()) + ": " + range_str(r) + " has size 0");
  if (r.base + r.size - 1 < r.base)
    throw std::invalid_argument(std::string(name()) + ": " + range_str(r) +
                                " wraps past the end of the address space");
  for (const NocRoute& o : routes_)
    if (r.base <= o.base + (o.size - 1) && o.base <= r.base + (r.size - 1))
      throw std::invalid_argument(std::string(name()) + ": " + range_str(r) + " overlaps " +
                                  range_str(o));
  const auto pos = std::upper_bound(routes_.begin(), routes_.end(), r.base,
                                    [](uint64_t b, const NocRoute& x) { return b < x.base; });
  routes_.insert(pos, r);
}

void Noc::end_of_elaboration() {
  for (const NocRoute& r : routes_)
    if (r.target >= out.size())
      throw std::invalid_argument(std::string(name()) + ": " + range_str(r) + " names out[" +
                                  std::to_string(r.target) + "] but only " +
                                  std::to_string(out.size()) + " target(s) are bound");
  in_port(static_cast<unsigned>(in.size() ? in.size() - 1 : 0));
  out_port(static_cast<unsigned>(out.size() ? out.size() - 1 : 0));
}

Noc::Port& Noc::in_port(unsigned i) {
  while (in_.size() <= i) {
    const size_t k = in_.size();
    Port p;
    p.bytes_per_ns = k < cfg_.initiator_port_bytes_per_ns.size() &&
                             cfg_.initiator_port_bytes_per_ns[k] >= 0
                         ? cfg_.initiator_port_bytes_per_ns[k]
                         : cfg_.initiator_bytes_per_ns;
    in_.push_back(p);
  }
  return in_[i];
}

Noc::Port& Noc::out_port(unsigned t) {
  while (out_.size() <= t) {
    const size_t k = out_.size();
    Port p;
    p.bytes_per_ns = k < cfg_.target_port_bytes_per_ns.size() && cfg_.target_port_bytes_per_ns[k] >= 0
                         ? cfg_.target_port_bytes_per_ns[k]
                         : cfg_.target_bytes_per_ns;
    out_.push_back(p);
  }
  return out_[t];
}

void Noc::set_trace(TraceWriter* trace) {
  trace_ = trace;
  tracks_.clear();
}

NocPortStats Noc::initiator_stats(unsigned port) const {
  return port < in_.size() ? in_[port].stats : NocPortStats{};
}

NocPortStats Noc::target_stats(unsigned port) const {
  return port < out_.size() ? out_[port].stats : NocPortStats{};
}

void Noc::reset_stats() {
  for (Port& p : in_) p.stats = NocPortStats{};
  for (Port& p : out_) p.stats = NocPortStats{};
  unmapped_ = 0;
}

int Noc::decode(uint64_t addr, uint64_t len) const {
  if (len == 0) len = 1;
  // The last route whose base is <= addr is the only candidate.
  auto it = std::upper_bound(routes_.begin(), routes_.end(), addr,
                             [](uint64_t a, const NocRoute& x) { return a < x.base; });
  if (it == routes_.begin()) return -1;
  --it;
  if (len > it->size || addr - it->base > it->size - len) return -1;
  return static_cast<int>(it - routes_.begin());
}

// Rounded up to the time resolution: never faster than the bandwidth.
sc_time Noc::xfer_time(uint64_t bytes, double bytes_per_ns) const {
  if (bytes_per_ns <= 0) return SC_ZERO_TIME;
  const double res_ns = sc_core::sc_get_time_resolution().to_seconds() * 1e9;
  const double ticks = static_cast<double>(bytes) / bytes_per_ns / res_ns;
  return sc_time::from_value(static_cast<sc_dt::uint64>(std::ceil(ticks - 1e-6)));
}

void Noc::b_transport(int id, tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  const int ri = decode(addr, len);
  if (ri < 0) {
    ++unmapped_;
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  const NocRoute& r = routes_[static_cast<size_t>(ri)];
  Port& ip = in_port(static_cast<unsigned>(id));
  Port& op = out_port(r.target);
  const sc_time arrival = sc_core::sc_time_stamp() + delay;
  const sc_time start = std::max({arrival, ip.free, op.free});
  const sc_time xi = xfer_time(len, ip.bytes_per_ns);
  const sc_time xo = xfer_time(len, op.bytes_per_ns);
  // Each port's own wait: how long it held the transaction up.
  ip.stats.wait += std::max(ip.free, arrival) - arrival;
  op.stats.wait += std::max(op.free, arrival) - arrival;
  ip.free = start + xi;
  op.free = start + xo;
  ip.stats.busy += xi;
  op.stats.busy += xo;
  ++ip.stats.transactions;
  ++op.stats.transactions;
  ip.stats.bytes += len;
  op.stats.bytes += len;
  // Cut-through: the target sees the request after the wait and the
  // traversal; the transaction ends when both the target and the slower
  // port have finished moving the data.
  const sc_time leave = start + cfg_.latency + std::max(xi, xo);
  delay += start - arrival + cfg_.latency;
  gp.set_address(to_target(r, addr));
  out[static_cast<int>(r.target)]->b_transport(gp, delay);
  gp.set_address(addr);
  const sc_time now = sc_core::sc_time_stamp();
  if (now + delay < leave) delay = leave - now;
  if (trace_) {
    const size_t i = static_cast<size_t>(id);
    if (tracks_.size() <= i) tracks_.resize(i + 1, -1);
    if (tracks_[i] < 0) tracks_[i] = trace_->track(name(), "noc.in" + std::to_string(id));
    trace_->slice(tracks_[i], (gp.is_write() ? "W " : "R ") + r.name, arrival, now + delay,
                  "\"addr\":\"" + TraceWriter::hex(addr) + "\",\"len\":" + std::to_string(len) +
                      ",\"wait_ps\":" + std::to_string((start - arrival).value()));
  }
  if (!r.dmi || !cfg_.dmi) gp.set_dmi_allowed(false);
}

unsigned Noc::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  const int ri = decode(addr, 1);
  if (ri < 0) return 0;
  const NocRoute& r = routes_[static_cast<size_t>(ri)];
  const unsigned len = gp.get_data_length();
  const uint64_t room = r.size - (addr - r.base);
  const unsigned n = room < len ? static_cast<unsigned>(room) : len;
  gp.set_address(to_target(r, addr));
  gp.set_data_length(n);
  const unsigned got = out[static_cast<int>(r.target)]->transport_dbg(gp);
  gp.set_data_length(len);
  gp.set_address(addr);
  return got;
}

bool Noc::get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const uint64_t addr = gp.get_address();
  const int ri = decode(addr, 1);
  if (ri < 0 || !cfg_.dmi || !routes_[static_cast<size_t>(ri)].dmi) {
    dmi.allow_none();
    // The denied region: the whole route (or just this address when unmapped).
    if (ri < 0) {
      dmi.set_start_address(addr);
      dmi.set_end_address(addr);
    } else {
      dmi.set_start_address(routes_[static_cast<size_t>(ri)].base);
      dmi.set_end_address(routes_[static_cast<size_t>(ri)].base +
                          routes_[static_cast<size_t>(ri)].size - 1);
    }
    return false;
  }
  const NocRoute& r = routes_[static_cast<size_t>(ri)];
  gp.set_address(to_target(r, addr));
  const bool ok = out[static_cast<int>(r.target)]->get_direct_mem_ptr(gp, dmi);
  gp.set_address(addr);
  // Translate the target's range (granted or denied) to global addresses,
  // clipped to the route; the pointer moves with the start.
  const uint64_t off = r.strip_base ? r.base : 0;  // global = local + off
  const uint64_t lo_route = to_target(r, r.base), hi_route = to_target(r, r.base + r.size - 1);
  uint64_t lo = dmi.get_start_address(), hi = dmi.get_end_address();
  if (lo < lo_route) {
    if (ok && dmi.get_dmi_ptr()) dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (lo_route - lo));
    lo = lo_route;
  }
  if (hi > hi_route) hi = hi_route;
  dmi.set_start_address(lo + off);
  dmi.set_end_address(hi + off);
  if (ok) {
    dmi.set_read_latency(dmi.get_read_latency() + cfg_.latency);
    dmi.set_write_latency(dmi.get_write_latency() + cfg_.latency);
  }
  return ok;
}

void Noc::invalidate_direct_mem_ptr(int id, sc_dt::uint64 lo, sc_dt::uint64 hi) {
  for (const NocRoute& r : routes_) {
    if (static_cast<int>(r.target) != id) continue;
    const uint64_t rlo = to_target(r, r.base), rhi = to_target(r, r.base + r.size - 1);
    if (hi < rlo || lo > rhi) continue;
    const uint64_t off = r.strip_base ? r.base : 0;
    const uint64_t glo = std::max<uint64_t>(lo, rlo) + off;
    const uint64_t ghi = std::min<uint64_t>(hi, rhi) + off;
    for (unsigned i = 0; i < in.size(); ++i) in[static_cast<int>(i)]->invalidate_direct_mem_ptr(glo, ghi);
  }
}

}  // namespace trnsim::chip
