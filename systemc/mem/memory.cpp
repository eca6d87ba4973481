#include "mem/memory.h"

#include <cstring>
#include <stdexcept>

#include "common/trace.h"

namespace trnsim {

using sc_core::sc_time;

Memory::Memory(sc_core::sc_module_name name, const MemoryConfig& cfg)
    : sc_module(name), socket("socket"), cfg_(cfg), data_(cfg.size, 0), rng_(cfg.seed) {
  if (cfg.size == 0) throw std::invalid_argument(std::string(this->name()) + ": size must be > 0");
  socket.register_b_transport(this, &Memory::b_transport);
  socket.register_transport_dbg(this, &Memory::transport_dbg);
  socket.register_get_direct_mem_ptr(this, &Memory::get_direct_mem_ptr);
}

static std::string range_msg(const char* who, uint64_t addr, uint64_t len, uint64_t base,
                             uint64_t size) {
  return std::string(who) + ": access at " + TraceWriter::hex(addr) + " (" + std::to_string(len) +
         " bytes) is outside the memory [" + TraceWriter::hex(base) + ", " +
         TraceWriter::hex(base + size) + ")";
}

uint8_t* Memory::host_ptr(uint64_t addr, uint64_t len) {
  if (addr < cfg_.base || len > cfg_.size || addr - cfg_.base > cfg_.size - len)
    throw std::out_of_range(range_msg(name(), addr, len, cfg_.base, cfg_.size));
  return data_.data() + (addr - cfg_.base);
}

void Memory::write_bytes(uint64_t addr, const void* src, uint64_t len) {
  std::memcpy(host_ptr(addr, len), src, len);
}

void Memory::read_bytes(uint64_t addr, void* dst, uint64_t len) const {
  if (addr < cfg_.base || len > cfg_.size || addr - cfg_.base > cfg_.size - len)
    throw std::out_of_range(range_msg(name(), addr, len, cfg_.base, cfg_.size));
  std::memcpy(dst, data_.data() + (addr - cfg_.base), len);
}

void Memory::add_error_range(uint64_t lo, uint64_t hi, tlm::tlm_response_status status) {
  errors_.push_back({lo, hi, status});
  socket->invalidate_direct_mem_ptr(0, ~uint64_t{0});
}

void Memory::clear_error_ranges() { errors_.clear(); }

tlm::tlm_response_status Memory::access(tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) return tlm::TLM_OK_RESPONSE;
  if (len == 0 || addr < cfg_.base || len > cfg_.size || addr - cfg_.base > cfg_.size - len)
    return tlm::TLM_ADDRESS_ERROR_RESPONSE;
  if (gp.get_streaming_width() < len) return tlm::TLM_BURST_ERROR_RESPONSE;
  for (const auto& e : errors_)
    if (addr < e.hi && addr + len > e.lo) return e.status;
  uint8_t* mem = data_.data() + (addr - cfg_.base);
  const unsigned char* be = gp.get_byte_enable_ptr();
  const unsigned be_len = gp.get_byte_enable_length();
  if (gp.is_write()) {
    if (!be) {
      std::memcpy(mem, gp.get_data_ptr(), len);
    } else {
      for (uint64_t i = 0; i < len; ++i)
        if (be[i % be_len] == TLM_BYTE_ENABLED) mem[i] = gp.get_data_ptr()[i];
    }
  } else {
    if (!be) {
      std::memcpy(gp.get_data_ptr(), mem, len);
    } else {
      for (uint64_t i = 0; i < len; ++i)
        if (be[i % be_len] == TLM_BYTE_ENABLED) gp.get_data_ptr()[i] = mem[i];
    }
  }
  return tlm::TLM_OK_RESPONSE;
}

void Memory::b_transport(tlm::tlm_generic_payload& gp, sc_time& delay) {
  const auto st = access(gp);
  gp.set_response_status(st);
  const uint64_t len = gp.get_data_length();
  if (st == tlm::TLM_OK_RESPONSE) {
    if (gp.is_read()) {
      ++reads_;
      bytes_read_ += len;
    } else if (gp.is_write()) {
      ++writes_;
      bytes_written_ += len;
    }
  }
  const sc_time req = sc_core::sc_time_stamp() + delay;
  const sc_time start = free_at_ > req ? free_at_ : req;
  const sc_time xfer = cfg_.bytes_per_ns > 0
                           ? sc_time(static_cast<double>(len) / cfg_.bytes_per_ns, sc_core::SC_NS)
                           : sc_core::SC_ZERO_TIME;
  free_at_ = start + xfer;
  sc_time jitter = sc_core::SC_ZERO_TIME;
  if (cfg_.jitter_max > sc_core::SC_ZERO_TIME) {
    const uint64_t steps = static_cast<uint64_t>(cfg_.jitter_max / cfg_.jitter_step);
    std::uniform_int_distribution<uint64_t> d(0, steps);
    jitter = cfg_.jitter_step * static_cast<double>(d(rng_));
  }
  delay += (start - req) + cfg_.latency + jitter + xfer;
  const bool dmi_ok = cfg_.dmi && errors_.empty() && cfg_.latency == sc_core::SC_ZERO_TIME &&
                      cfg_.bytes_per_ns == 0 && cfg_.jitter_max == sc_core::SC_ZERO_TIME;
  gp.set_dmi_allowed(dmi_ok);
}

unsigned int Memory::transport_dbg(tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  const uint64_t len = gp.get_data_length();
  if (addr < cfg_.base || addr - cfg_.base >= cfg_.size) return 0;
  const uint64_t n = std::min<uint64_t>(len, cfg_.size - (addr - cfg_.base));
  uint8_t* mem = data_.data() + (addr - cfg_.base);
  if (gp.is_write())
    std::memcpy(mem, gp.get_data_ptr(), n);
  else if (gp.is_read())
    std::memcpy(gp.get_data_ptr(), mem, n);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return static_cast<unsigned>(n);
}

bool Memory::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const bool ok = cfg_.dmi && errors_.empty() && cfg_.latency == sc_core::SC_ZERO_TIME &&
                  cfg_.bytes_per_ns == 0 && cfg_.jitter_max == sc_core::SC_ZERO_TIME;
  (void)gp;
  if (!ok) return false;
  dmi.set_dmi_ptr(data_.data());
  dmi.set_start_address(cfg_.base);
  dmi.set_end_address(cfg_.base + cfg_.size - 1);
  dmi.allow_read_write();
  dmi.set_read_latency(sc_core::SC_ZERO_TIME);
  dmi.set_write_latency(sc_core::SC_ZERO_TIME);
  return true;
}

}  // namespace trnsim
