#include "mgmt/mgmt_router.h"

#include <stdexcept>

#include "common/trace.h"

namespace trnsim::mgmt {

MgmtRouter::MgmtRouter(sc_core::sc_module_name name, uint64_t ext_base, uint64_t ext_size)
    : sc_module(name), target("target"), dev("dev"), ext("ext"), ext_base_(ext_base),
      ext_size_(ext_size) {
  target.register_b_transport(this, &MgmtRouter::b_transport);
  target.register_transport_dbg(this, &MgmtRouter::transport_dbg);
  target.register_get_direct_mem_ptr(this, &MgmtRouter::get_direct_mem_ptr);
  dev.register_invalidate_direct_mem_ptr(this, &MgmtRouter::invalidate_dev);
  ext.register_invalidate_direct_mem_ptr(this, &MgmtRouter::invalidate_ext);
}

void MgmtRouter::add_target(const std::string& name, uint64_t base, uint64_t size, bool read_only) {
  auto overlaps = [&](uint64_t b, uint64_t s) { return base < b + s && b < base + size; };
  for (const Range& r : ranges_)
    if (overlaps(r.base, r.size))
      throw std::invalid_argument(std::string(this->name()) + ": " + name + " at " +
                                  TraceWriter::hex(base) + " overlaps " + r.name + " at " +
                                  TraceWriter::hex(r.base));
  if (ext_size_ && overlaps(ext_base_, ext_size_))
    throw std::invalid_argument(std::string(this->name()) + ": " + name + " at " +
                                TraceWriter::hex(base) + " overlaps the external window");
  ranges_.push_back({name, base, size, read_only});
}

MgmtRouter::Hit MgmtRouter::decode(uint64_t addr, uint64_t len, unsigned& index,
                                   uint64_t& offset) {
  if (len == 0) len = 1;
  for (unsigned i = 0; i < ranges_.size(); ++i) {
    const Range& r = ranges_[i];
    if (addr >= r.base && len <= r.size && addr - r.base <= r.size - len) {
      index = i;
      offset = addr - r.base;
      return Hit::kDev;
    }
  }
  if (ext.size() > 0 && addr >= ext_base_ && len <= ext_size_ && addr - ext_base_ <= ext_size_ - len) {
    offset = addr;
    return Hit::kExt;
  }
  return Hit::kNone;
}

void MgmtRouter::b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  const uint64_t addr = gp.get_address();
  unsigned i = 0;
  uint64_t off = 0;
  switch (decode(addr, gp.get_data_length(), i, off)) {
    case Hit::kNone:
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
      return;
    case Hit::kExt:
      ext[0]->b_transport(gp, delay);
      return;
    case Hit::kDev:
      if (ranges_[i].read_only && gp.is_write()) {
        gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
      }
      gp.set_address(off);
      dev[i]->b_transport(gp, delay);
      gp.set_address(addr);
      return;
  }
}

unsigned MgmtRouter::transport_dbg(tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  unsigned i = 0;
  uint64_t off = 0;
  switch (decode(addr, gp.get_data_length(), i, off)) {
    case Hit::kNone: return 0;
    case Hit::kExt: return ext[0]->transport_dbg(gp);
    case Hit::kDev: {
      gp.set_address(off);
      const unsigned n = dev[i]->transport_dbg(gp);
      gp.set_address(addr);
      return n;
    }
  }
  return 0;
}

bool MgmtRouter::get_direct_mem_ptr(tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  const uint64_t addr = gp.get_address();
  unsigned i = 0;
  uint64_t off = 0;
  const Hit h = decode(addr, 1, i, off);
  if (h == Hit::kNone) return false;
  if (h == Hit::kExt) {
    if (!ext[0]->get_direct_mem_ptr(gp, dmi)) return false;
    // Only what lies inside the window.
    if (dmi.get_start_address() < ext_base_) {
      dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (ext_base_ - dmi.get_start_address()));
      dmi.set_start_address(ext_base_);
    }
    if (dmi.get_end_address() > ext_base_ + ext_size_ - 1) dmi.set_end_address(ext_base_ + ext_size_ - 1);
    return true;
  }
  const Range& r = ranges_[i];
  gp.set_address(off);
  const bool ok = dev[i]->get_direct_mem_ptr(gp, dmi);
  gp.set_address(addr);
  if (!ok) return false;
  // Translate to global addresses and clip to the range.
  uint64_t lo = dmi.get_start_address(), hi = dmi.get_end_address();
  if (hi > r.size - 1) hi = r.size - 1;
  dmi.set_start_address(r.base + lo);
  dmi.set_end_address(r.base + hi);
  if (r.read_only) {
    if (dmi.is_read_allowed()) dmi.allow_read();
    else dmi.allow_none();
  }
  return true;
}

void MgmtRouter::invalidate_dev(int id, sc_dt::uint64 lo, sc_dt::uint64 hi) {
  const Range& r = ranges_.at(static_cast<unsigned>(id));
  if (lo >= r.size) return;
  const uint64_t h = hi >= r.size ? r.size - 1 : hi;
  target->invalidate_direct_mem_ptr(r.base + lo, r.base + h);
}

void MgmtRouter::invalidate_ext(int, sc_dt::uint64 lo, sc_dt::uint64 hi) {
  target->invalidate_direct_mem_ptr(lo, hi);
}

}  // namespace trnsim::mgmt
