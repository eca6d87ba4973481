// ElfImage / load_elf: the checked contents of a 32-bit little-endian RISC-V
// executable. Anything else (wrong class, machine or type, truncation,
// segments outside the given memory regions or overlapping) is an ElfError
// whose message starts with the file name and says what is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace trnsim::mgmt {

struct ElfError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A memory region segments may be loaded into, e.g. {"RAM", 0x80000000, 16 MiB}.
struct MemRegion {
  std::string name;
  uint32_t base;
  uint32_t size;  // bytes, > 0
};

struct ElfSegment {
  uint32_t index;             // program header index (as in error messages, readelf -l)
  uint32_t addr;              // load (physical) address
  uint32_t vaddr;             // address the program runs it at
  uint32_t flags;             // PF_X=1, PF_W=2, PF_R=4
  std::vector<uint8_t> data;  // memsz bytes: file bytes, then zeros
};

struct ElfImage {
  uint32_t entry = 0;
  std::vector<ElfSegment> segments;  // PT_LOAD with memsz > 0, in header order
  std::map<std::string, uint32_t> symbols;  // named symbols from .symtab (if present)
  std::optional<uint32_t> tohost, fromhost;
};

// name is only used in messages (normally the path).
ElfImage parse_elf(const std::string& name, const std::vector<uint8_t>& bytes,
                   const std::vector<MemRegion>& regions);
ElfImage load_elf(const std::string& path, const std::vector<MemRegion>& regions);

}  // namespace trnsim::mgmt
