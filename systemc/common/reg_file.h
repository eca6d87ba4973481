// A register file that behaves like the RTL CSR block generated from the same
// JSON source (scripts/regmap.py): built from the generated kRegisters table,
// so the fast models and the RTL share one definition of every register.
//
// Semantics (identical to the generated <block>_csr.sv):
//   read:  RW and W1C bits read their stored value, CONST bits their reset
//          value, hw IN bits the value the model supplies (hw_in callback),
//          WO bits read 0.
//   write: only enabled bytes (4-bit strobe) change; RW bits take the new
//          value, W1C bits written 1 clear, WO bits are reported to the
//          model as a pulse (on_write callback with the written value).
//   An offset that is not a register (or is misaligned) is an error: the
//   access changes nothing and the bus answers SLVERR.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "regmap_types.hpp"

namespace trnsim {

class RegFile {
 public:
  // hw_in(offset) returns the value of the register's hw IN bits (others ignored).
  using HwIn = std::function<uint32_t(uint32_t offset)>;
  // on_write(offset, value, strobe_mask) after the write has been applied;
  // value holds the written data (so WO pulses can be decoded from it).
  using OnWrite = std::function<void(uint32_t offset, uint32_t value, uint32_t byte_mask)>;

  template <std::size_t N>
  explicit RegFile(const regs::RegisterDesc (&table)[N]) : table_(table, table + N) {
    reset();
  }

  void set_hw_in(HwIn f) { hw_in_ = std::move(f); }
  void set_on_write(OnWrite f) { on_write_ = std::move(f); }

  void reset();
  // Returns false (and changes nothing) for an offset that is not a register.
  bool read(uint32_t offset, uint32_t& value) const;
  bool write(uint32_t offset, uint32_t value, uint8_t wstrb = 0xF);

  // Hardware side.
  uint32_t stored(uint32_t offset) const;          // RW/W1C bits as stored
  void hw_set(uint32_t offset, uint32_t bits);     // OR into W1C bits (hw SET)
  // Field value as software would read it.
  uint32_t field(uint32_t offset, uint32_t lsb, uint32_t mask) const;

  const regs::RegisterDesc* find(uint32_t offset) const;

 private:
  std::vector<regs::RegisterDesc> table_;
  std::vector<uint32_t> value_;  // parallel to table_
  HwIn hw_in_;
  OnWrite on_write_;
};

}  // namespace trnsim
