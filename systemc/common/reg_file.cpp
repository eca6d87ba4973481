#include "common/reg_file.h"

namespace trnsim {

const regs::RegisterDesc* RegFile::find(uint32_t offset) const {
  for (const auto& r : table_)
    if (r.offset == offset) return &r;
  return nullptr;
}

void RegFile::reset() {
  value_.assign(table_.size(), 0);
  for (std::size_t i = 0; i < table_.size(); ++i)
    value_[i] = table_[i].reset & (table_[i].rw_mask | table_[i].w1c_mask);
}

bool RegFile::read(uint32_t offset, uint32_t& value) const {
  for (std::size_t i = 0; i < table_.size(); ++i) {
    const auto& r = table_[i];
    if (r.offset != offset) continue;
    uint32_t v = value_[i] & (r.rw_mask | r.w1c_mask);
    v |= r.reset & r.const_mask;
    if (r.hw_in_mask && hw_in_) v |= hw_in_(offset) & r.hw_in_mask;
    value = v;
    return true;
  }
  return false;
}

bool RegFile::write(uint32_t offset, uint32_t value, uint8_t wstrb) {
  for (std::size_t i = 0; i < table_.size(); ++i) {
    const auto& r = table_[i];
    if (r.offset != offset) continue;
    const uint32_t bytes = regs::strobe_to_mask(wstrb);
    uint32_t& v = value_[i];
    v = (v & ~(r.rw_mask & bytes)) | (value & r.rw_mask & bytes);
    v &= ~(value & r.w1c_mask & bytes);
    if (on_write_) on_write_(offset, value & bytes, bytes);
    return true;
  }
  return false;
}

uint32_t RegFile::stored(uint32_t offset) const {
  for (std::size_t i = 0; i < table_.size(); ++i)
    if (table_[i].offset == offset) return value_[i];
  return 0;
}

void RegFile::hw_set(uint32_t offset, uint32_t bits) {
  for (std::size_t i = 0; i < table_.size(); ++i)
    if (table_[i].offset == offset) value_[i] |= bits & table_[i].w1c_mask;
}

uint32_t RegFile::field(uint32_t offset, uint32_t lsb, uint32_t mask) const {
  uint32_t v = 0;
  read(offset, v);
  return (v >> lsb) & mask;
}

}  // namespace trnsim
