// ELF32 parsing by byte offsets (no host structs, so no alignment or
// endianness assumptions). Every bound is checked in 64-bit arithmetic.
#include "elf_loader.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

namespace trnsim::mgmt {

namespace {

constexpr uint16_t kEtExec = 2, kEtDyn = 3, kEmRiscv = 243;
constexpr uint32_t kPtLoad = 1, kShtSymtab = 2, kShtNobits = 8, kPfX = 1;
constexpr uint32_t kEhdrSize = 52, kPhdrSize = 32, kShdrSize = 40, kSymSize = 16;

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

class Reader {
 public:
  Reader(const std::string& name, const std::vector<uint8_t>& b) : name_(name), b_(b) {}
  [[noreturn]] void fail(const std::string& what) const { throw ElfError(name_ + ": " + what); }
  void need(uint64_t off, uint64_t len, const std::string& what) const {
    if (off + len > b_.size())
      fail("truncated: " + what + " at offset " + hex(off) + "+" + hex(len) + " runs past the end of the file (" +
           std::to_string(b_.size()) + " bytes)");
  }
  uint32_t u8(uint64_t o) const { return b_[o]; }
  uint32_t u16(uint64_t o) const { return b_[o] | (b_[o + 1] << 8); }
  uint32_t u32(uint64_t o) const {
    return b_[o] | (b_[o + 1] << 8) | (b_[o + 2] << 16) | (static_cast<uint32_t>(b_[o + 3]) << 24);
  }
  const std::vector<uint8_t>& bytes() const { return b_; }

 private:
  const std::string& name_;
  const std::vector<uint8_t>& b_;
};

void read_symbols(const Reader& r, ElfImage& img) {
  const uint32_t shoff = r.u32(32), shentsize = r.u16(46), shnum = r.u16(48);
  if (shoff == 0 || shnum == 0) return;  // stripped of sections: no symbols, not an error
  if (shentsize != kShdrSize) r.fail("section header size is " + std::to_string(shentsize) + ", expected 40");
  r.need(shoff, uint64_t{shnum} * kShdrSize, "section headers");
  for (uint32_t i = 0; i < shnum; ++i) {
    const uint64_t sh = shoff + uint64_t{i} * kShdrSize;
    if (r.u32(sh + 4) != kShtSymtab) continue;
    const uint32_t off = r.u32(sh + 16), size = r.u32(sh + 20), link = r.u32(sh + 24);
    if (link >= shnum) r.fail("symbol table (section " + std::to_string(i) + ") links to missing string table " + std::to_string(link));
    const uint64_t str = shoff + uint64_t{link} * kShdrSize;
    const uint32_t stroff = r.u32(str + 16), strsize = r.u32(str + 20);
    if (r.u32(str + 4) == kShtNobits) r.fail("string table of the symbol table has no file contents");
    r.need(off, size, "symbol table");
    r.need(stroff, strsize, "string table");
    const auto& b = r.bytes();
    for (uint64_t s = off; s + kSymSize <= uint64_t{off} + size; s += kSymSize) {
      const uint32_t name = r.u32(s);
      if (name == 0 || name >= strsize) continue;
      const auto* begin = reinterpret_cast<const char*>(b.data() + stroff + name);
      const void* nul = std::memchr(begin, 0, strsize - name);
      if (!nul) r.fail("symbol name at string table offset " + std::to_string(name) + " is not terminated");
      const std::string n(begin, static_cast<const char*>(nul));
      const uint32_t value = r.u32(s + 4);
      img.symbols.emplace(n, value);
      if (n == "tohost") img.tohost = value;
      if (n == "fromhost") img.fromhost = value;
    }
  }
}

}  // namespace

ElfImage parse_elf(const std::string& name, const std::vector<uint8_t>& bytes,
                   const std::vector<MemRegion>& regions) {
  const Reader r(name, bytes);
  if (bytes.size() < 4 || std::memcmp(bytes.data(), "\x7f" "ELF", 4) != 0) r.fail("not an ELF file (bad magic)");
  r.need(0, kEhdrSize, "ELF header");
  if (r.u8(4) == 2) r.fail("64-bit ELF (ELFCLASS64); the management core runs 32-bit RISC-V ELF (ELFCLASS32, -march=rv32...)");
  if (r.u8(4) != 1) r.fail("unknown ELF class " + std::to_string(r.u8(4)) + " (expected ELFCLASS32)");
  if (r.u8(5) != 1) r.fail("not little-endian (EI_DATA " + std::to_string(r.u8(5)) + "); RISC-V ELF is ELFDATA2LSB");
  if (r.u8(6) != 1 || r.u32(20) != 1) r.fail("unknown ELF version");
  const uint32_t type = r.u16(16), machine = r.u16(18);
  if (machine != kEmRiscv)
    r.fail("machine is " + std::to_string(machine) + ", not RISC-V (EM_RISCV = 243)");
  if (type == kEtDyn) r.fail("type is ET_DYN (shared object or PIE), not an executable (ET_EXEC); link with -static -no-pie");
  if (type != kEtExec) r.fail("type is " + std::to_string(type) + ", not an executable (ET_EXEC)");

  ElfImage img;
  img.entry = r.u32(24);
  const uint32_t phoff = r.u32(28), phentsize = r.u16(42), phnum = r.u16(44);
  if (phnum == 0) r.fail("no program headers");
  if (phnum == 0xFFFF) r.fail("extended program header numbering (PN_XNUM) is not supported");
  if (phentsize != kPhdrSize) r.fail("program header size is " + std::to_string(phentsize) + ", expected 32");
  r.need(phoff, uint64_t{phnum} * kPhdrSize, "program headers");

  for (uint32_t i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + uint64_t{i} * kPhdrSize;
    if (r.u32(ph) != kPtLoad) continue;
    const uint32_t off = r.u32(ph + 4), vaddr = r.u32(ph + 8), paddr = r.u32(ph + 12),
                   filesz = r.u32(ph + 16), memsz = r.u32(ph + 20), flags = r.u32(ph + 24);
    const std::string seg = "segment " + std::to_string(i);
    if (filesz > memsz) r.fail(seg + ": file size " + hex(filesz) + " is larger than its memory size " + hex(memsz));
    if (memsz == 0) continue;
    r.need(off, filesz, seg + " contents");
    const MemRegion* in = nullptr;
    for (const MemRegion& m : regions)
      if (paddr >= m.base && uint64_t{paddr} + memsz <= uint64_t{m.base} + m.size) in = &m;
    if (!in) {
      std::string where;
      for (const MemRegion& m : regions)
        where += (where.empty() ? "" : ", ") + m.name + " " + hex(m.base) + ".." + hex(uint64_t{m.base} + m.size - 1);
      r.fail(seg + " at " + hex(paddr) + "+" + hex(memsz) + " is outside " +
             (regions.size() == 1 ? where : "every memory region (" + where + ")"));
    }
    for (const ElfSegment& o : img.segments)
      if (paddr < uint64_t{o.addr} + o.data.size() && o.addr < uint64_t{paddr} + memsz)
        r.fail("segments " + std::to_string(o.index) + " (" + hex(o.addr) + "+" + hex(o.data.size()) +
               ") and " + std::to_string(i) + " (" + hex(paddr) + "+" + hex(memsz) + ") overlap");
    ElfSegment s{i, paddr, vaddr, flags, std::vector<uint8_t>(memsz, 0)};
    std::memcpy(s.data.data(), bytes.data() + off, filesz);
    img.segments.push_back(std::move(s));
  }
  if (img.segments.empty()) r.fail("no loadable (PT_LOAD) segments");
  bool entry_ok = false;
  for (const ElfSegment& s : img.segments)
    if ((s.flags & kPfX) && img.entry >= s.vaddr && uint64_t{img.entry} < uint64_t{s.vaddr} + s.data.size())
      entry_ok = true;
  if (!entry_ok) r.fail("entry point " + hex(img.entry) + " is not inside a loaded executable segment");
  read_symbols(r, img);
  return img;
}

ElfImage load_elf(const std::string& path, const std::vector<MemRegion>& regions) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ElfError(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw ElfError(path + ": read error");
  return parse_elf(path, bytes, regions);
}

}  // namespace trnsim::mgmt
