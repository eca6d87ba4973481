#include "chip/hbm.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "common/trace.h"

namespace trnsim::chip {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

[[noreturn]] void bad(const std::string& who, const std::string& field, const std::string& why) {
  throw std::invalid_argument(who + ": HbmConfig." + field + " " + why);
}

bool is_pow2(uint64_t v) { return v && !(v & (v - 1)); }

}  // namespace

Hbm::Hbm(sc_core::sc_module_name name, const HbmConfig& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg) {
  const std::string who = this->name();
  if (cfg.capacity == 0) bad(who, "capacity", "must be > 0");
  if (cfg.base + cfg.capacity < cfg.base) bad(who, "capacity", "makes base + capacity overflow");
  if (cfg.stacks == 0) bad(who, "stacks", "must be > 0");
  if (cfg.channels_per_stack == 0) bad(who, "channels_per_stack", "must be > 0");
  if (cfg.banks_per_channel == 0) bad(who, "banks_per_channel", "must be > 0");
  if (cfg.interleave_bytes == 0) bad(who, "interleave_bytes", "must be > 0");
  if (cfg.row_bytes == 0) bad(who, "row_bytes", "must be > 0");
  if (!(cfg.stack_bytes_per_ns >= 0) || std::isinf(cfg.stack_bytes_per_ns))
    bad(who, "stack_bytes_per_ns", "must be finite and >= 0");
  if (!is_pow2(cfg.storage_page_bytes)) bad(who, "storage_page_bytes", "must be a power of two");
  num_channels_ = cfg.stacks * cfg.channels_per_stack;
  channel_bw_ = cfg.stack_bytes_per_ns / cfg.channels_per_stack;
  ch_.resize(num_channels_);
  for (Channel& c : ch_) {
    c.open_row.assign(cfg.banks_per_channel, -1);
    c.bank_free.assign(cfg.banks_per_channel, SC_ZERO_TIME);
  }
  stats_.resize(num_channels_);
  socket.register_b_transport(this, &Hbm::b_transport);
  socket.register_transport_dbg(this, &Hbm::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &Hbm::get_direct_mem_ptr);
}

Hbm::~Hbm() = default;

bool Hbm::in_range(uint64_t addr, uint64_t len) const {
  return addr >= cfg_.base && len <= cfg_.capacity && addr - cfg_.base <= cfg_.capacity - len;
}

bool Hbm::untimed() const {
  return cfg_.stack_bytes_per_ns == 0 && cfg_.base_latency == SC_ZERO_TIME &&
         cfg_.row_hit_latency == SC_ZERO_TIME && cfg_.activate_latency == SC_ZERO_TIME &&
         cfg_.precharge_latency == SC_ZERO_TIME && cfg_.activate_interval == SC_ZERO_TIME;
}

double Hbm::peak_bytes_per_second() const { return cfg_.stack_bytes_per_ns * cfg_.stacks * 1e9; }

HbmLocation Hbm::locate(uint64_t addr) const {
  if (!in_range(addr, 1))
    throw std::out_of_range(std::string(name()) + ": address " + TraceWriter::hex(addr) +
                            " is outside the HBM [" + TraceWriter::hex(cfg_.base) + ", " +
                            TraceWriter::hex(cfg_.base + cfg_.capacity) + ")");
  const uint64_t off = addr - cfg_.base;
  const uint64_t g = off / cfg_.interleave_bytes;
  HbmLocation l;
  l.channel = static_cast<unsigned>(g % num_channels_);
  l.stack = l.channel / cfg_.channels_per_stack;
  l.local = (g / num_channels_) * cfg_.interleave_bytes + off % cfg_.interleave_bytes;
  l.column = l.local % cfg_.row_bytes;
  l.bank = static_cast<unsigned>((l.local / cfg_.row_bytes) % cfg_.banks_per_channel);
  l.row = l.local / (cfg_.row_bytes * cfg_.banks_per_channel);
  return l;
}

// ---- sparse storage ----

uint8_t* Hbm::page(uint64_t index) {
  auto& p = pages_[index];
  if (!p) p = std::make_unique<uint8_t[]>(cfg_.storage_page_bytes);  // value-initialised: zeros
  return p.get();
}

const uint8_t* Hbm::page_if(uint64_t index) const {
  const auto it = pages_.find(index);
  return it == pages_.end() ? nullptr : it->second.get();
}

void Hbm::copy_in(uint64_t off, const uint8_t* src, uint64_t len, const unsigned char* be,
                  unsigned be_len) {
  if (!cfg_.store_data) return;
  const uint64_t ps = cfg_.storage_page_bytes;
  uint64_t done = 0;
  while (done < len) {
    const uint64_t a = off + done;
    const uint64_t in_page = a & (ps - 1);
    const uint64_t n = std::min(len - done, ps - in_page);
    if (be) {
      bool any = false;
      for (uint64_t i = 0; i < n && !any; ++i) any = be[(done + i) % be_len] == TLM_BYTE_ENABLED;
      if (any) {
        uint8_t* p = page(a / ps) + in_page;
        for (uint64_t i = 0; i < n; ++i)
          if (be[(done + i) % be_len] == TLM_BYTE_ENABLED) p[i] = src[done + i];
      }
    } else {
      std::memcpy(page(a / ps) + in_page, src + done, n);
    }
    done += n;
  }
}

void Hbm::copy_out(uint64_t off, uint8_t* dst, uint64_t len, const unsigned char* be,
                   unsigned be_len) const {
  const uint64_t ps = cfg_.storage_page_bytes;
  uint64_t done = 0;
  while (done < len) {
    const uint64_t a = off + done;
    const uint64_t in_page = a & (ps - 1);
    const uint64_t n = std::min(len - done, ps - in_page);
    const uint8_t* p = cfg_.store_data ? page_if(a / ps) : nullptr;
    if (be) {
      for (uint64_t i = 0; i < n; ++i)
        if (be[(done + i) % be_len] == TLM_BYTE_ENABLED) dst[done + i] = p ? p[in_page + i] : 0;
    } else if (p) {
      std::memcpy(dst + done, p + in_page, n);
    } else {
      std::memset(dst + done, 0, n);
    }
    done += n;
  }
}

void Hbm::write_bytes(uint64_t addr, const void* src, uint64_t len) {
  if (!in_range(addr, len))
    throw std::out_of_range(std::string(name()) + ": write at " + TraceWriter::hex(addr) + " (" +
                            std::to_string(len) + " bytes) is outside the HBM [" +
                            TraceWriter::hex(cfg_.base) + ", " +
                            TraceWriter::hex(cfg_.base + cfg_.capacity) + ")");
  copy_in(addr - cfg_.base, static_cast<const uint8_t*>(src), len, nullptr, 0);
}

void Hbm::read_bytes(uint64_t addr, void* dst, uint64_t len) const {
  if (!in_range(addr, len))
    throw std::out_of_range(std::string(name()) + ": read at " + TraceWriter::hex(addr) + " (" +
                            std::to_string(len) + " bytes) is outside the HBM [" +
                            TraceWriter::hex(cfg_.base) + ", " +
                            TraceWriter::hex(cfg_.base + cfg_.capacity) + ")");
  copy_out(addr - cfg_.base, static_cast<uint8_t*>(dst), len, nullptr, 0);
}

// ---- timing ----

// bytes / channel bandwidth, rounded up to the time resolution so that the
// model never moves data faster than the configured peak.
sc_time Hbm::xfer_time(uint64_t bytes) const {
  if (channel_bw_ <= 0) return SC_ZERO_TIME;
  const double res_ns = sc_core::sc_get_time_resolution().to_seconds() * 1e9;
  const double ticks = static_cast<double>(bytes) / channel_bw_ / res_ns;
  return sc_time::from_value(static_cast<sc_dt::uint64>(std::ceil(ticks - 1e-6)));
}

// The time the request arriving at `arrival` gets an entry in `channel`'s
// queue (once per request and channel: `seen` remembers it). See hbm.h,
// "Bounded queues".
sc_time Hbm::admit(unsigned channel, const sc_time& arrival, std::vector<Admission>& seen) {
  for (const Admission& a : seen)
    if (a.channel == channel) return a.at;
  sc_time at = arrival;
  if (cfg_.queue_depth > 0) {
    std::deque<sc_time>& q = ch_[channel].queue;
    while (!q.empty() && q.front() <= arrival) q.pop_front();
    if (q.size() >= cfg_.queue_depth) {
      // Sorted: entries 0 .. size - depth must leave before a slot is free.
      at = q[q.size() - cfg_.queue_depth];
      HbmChannelStats& st = stats_[channel];
      ++st.queue_full;
      st.queue_wait += at - arrival;
      while (!q.empty() && q.front() <= at) q.pop_front();
    }
    q.push_back(at);  // raised to the release time as the pieces are served
  }
  seen.push_back({channel, at});
  return at;
}

sc_time Hbm::serve(uint64_t off, uint64_t len, bool write, const sc_time& request_arrival) {
  sc_time last = request_arrival;
  // Scratch kept between requests (no allocation per request; serve does
  // not re-enter itself).
  static thread_local std::vector<Admission> seen;
  seen.clear();
  uint64_t done = 0;
  while (done < len) {
    const HbmLocation l = locate(cfg_.base + off + done);
    const uint64_t n = std::min({len - done, cfg_.interleave_bytes - (off + done) % cfg_.interleave_bytes,
                                 cfg_.row_bytes - l.column});
    Channel& c = ch_[l.channel];
    HbmChannelStats& st = stats_[l.channel];
    const sc_time arrival = admit(l.channel, request_arrival, seen);
    const int64_t row = static_cast<int64_t>(l.row);
    sc_time ready;
    if (c.open_row[l.bank] == row) {
      ready = arrival + cfg_.row_hit_latency;
      ++st.row_hits;
    } else {
      sc_time act = std::max(arrival, c.bank_free[l.bank]);
      if (c.open_row[l.bank] >= 0) act += cfg_.precharge_latency;
      act = std::max(act, c.act_free);
      c.act_free = act + cfg_.activate_interval;
      ready = act + cfg_.activate_latency + cfg_.row_hit_latency;
      c.open_row[l.bank] = row;
      ++st.row_misses;
    }
    const sc_time xfer = xfer_time(n);
    const sc_time start = std::max(ready, c.bus_free);
    const sc_time end = start + xfer;
    c.bus_free = end;
    c.bank_free[l.bank] = end;
    if (cfg_.queue_depth > 0) c.queue.back() = std::max(c.queue.back(), end);
    st.busy += xfer;
    if (write) {
      ++st.writes;
      st.bytes_written += n;
    } else {
      ++st.reads;
      st.bytes_read += n;
    }
    last = std::max(last, end);
    done += n;
  }
  return last + cfg_.base_latency;
}

void Hbm::b_transport(int, tlm::tlm_generic_payload& gp, sc_time& delay) {
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  gp.set_dmi_allowed(false);
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return;
  }
  if (len == 0 || !in_range(addr, len)) {
    ++address_errors_;
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return;
  }
  const unsigned char* be = gp.get_byte_enable_ptr();
  const unsigned be_len = gp.get_byte_enable_length();
  if (be && be_len == 0) {
    gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
    return;
  }
  const uint64_t off = addr - cfg_.base;
  if (gp.is_write())
    copy_in(off, gp.get_data_ptr(), len, be, be_len);
  else
    copy_out(off, gp.get_data_ptr(), len, be, be_len);
  const sc_time arrival = sc_core::sc_time_stamp() + delay;
  const sc_time complete = serve(off, len, gp.is_write(), arrival);
  delay += complete - arrival;
  gp.set_dmi_allowed(cfg_.dmi && untimed() && cfg_.store_data);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned Hbm::transport_dbg(int, tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  if (!in_range(addr, 1)) return 0;
  const uint64_t n = std::min<uint64_t>(gp.get_data_length(), cfg_.capacity - (addr - cfg_.base));
  if (gp.is_write())
    copy_in(addr - cfg_.base, gp.get_data_ptr(), n, nullptr, 0);
  else if (gp.is_read())
    copy_out(addr - cfg_.base, gp.get_data_ptr(), n, nullptr, 0);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return static_cast<unsigned>(n);
}

bool Hbm::get_direct_mem_ptr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const uint64_t addr = gp.get_address();
  if (!cfg_.dmi || !untimed() || !cfg_.store_data || !in_range(addr, 1)) {
    // Say which region is *not* available, so initiators do not ask again per access.
    dmi.allow_none();
    dmi.set_start_address(cfg_.base);
    dmi.set_end_address(cfg_.base + cfg_.capacity - 1);
    if (!in_range(addr, 1)) {
      dmi.set_start_address(addr);
      dmi.set_end_address(addr);
    }
    return false;
  }
  // One storage page at a time (allocated now: the initiator may write).
  const uint64_t ps = cfg_.storage_page_bytes;
  const uint64_t off = addr - cfg_.base;
  const uint64_t first = off & ~(ps - 1);
  const uint64_t last = std::min(first + ps, cfg_.capacity) - 1;
  dmi.set_dmi_ptr(page(off / ps));
  dmi.set_start_address(cfg_.base + first);
  dmi.set_end_address(cfg_.base + last);
  dmi.allow_read_write();
  dmi.set_read_latency(SC_ZERO_TIME);
  dmi.set_write_latency(SC_ZERO_TIME);
  return true;
}

// ---- stats ----

HbmChannelStats Hbm::total_stats() const {
  HbmChannelStats t;
  for (const HbmChannelStats& s : stats_) {
    t.reads += s.reads;
    t.writes += s.writes;
    t.bytes_read += s.bytes_read;
    t.bytes_written += s.bytes_written;
    t.row_hits += s.row_hits;
    t.row_misses += s.row_misses;
    t.busy += s.busy;
    t.queue_full += s.queue_full;
    t.queue_wait += s.queue_wait;
  }
  return t;
}

sc_time Hbm::last_done() const {
  sc_time t = SC_ZERO_TIME;
  for (const Channel& c : ch_) t = std::max(t, c.bus_free);
  return t;
}

void Hbm::reset_stats() {
  for (HbmChannelStats& s : stats_) s = HbmChannelStats{};
  address_errors_ = 0;
}

}  // namespace trnsim::chip
