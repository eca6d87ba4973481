// ELF loader: hand-made ELF images, one defect each, and a real firmware ELF.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "mgmt/elf_loader.h"

using namespace trnsim::mgmt;

namespace {

const std::vector<MemRegion> kRam = {{"RAM", 0x80000000u, 0x01000000u}};

struct Seg {
  uint32_t addr, filesz, memsz, flags;
};

void put16(std::vector<uint8_t>& b, std::size_t o, uint32_t v) {
  b[o] = static_cast<uint8_t>(v);
  b[o + 1] = static_cast<uint8_t>(v >> 8);
}
void put32(std::vector<uint8_t>& b, std::size_t o, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[o + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A minimal ET_EXEC RISC-V ELF32: header, program headers, segment bytes
// (each segment's file bytes are 0x11 * (index + 1)).
std::vector<uint8_t> make_elf(const std::vector<Seg>& segs, uint32_t entry = 0x80000000u) {
  const std::size_t phoff = 52, data = phoff + 32 * segs.size();
  std::size_t size = data;
  for (const Seg& s : segs) size += s.filesz;
  std::vector<uint8_t> b(size, 0);
  std::memcpy(b.data(), "\x7f" "ELF", 4);
  b[4] = 1;  // ELFCLASS32
  b[5] = 1;  // little-endian
  b[6] = 1;
  put16(b, 16, 2);    // ET_EXEC
  put16(b, 18, 243);  // EM_RISCV
  put32(b, 20, 1);
  put32(b, 24, entry);
  put32(b, 28, static_cast<uint32_t>(phoff));
  put16(b, 40, 52);
  put16(b, 42, 32);
  put16(b, 44, static_cast<uint32_t>(segs.size()));
  std::size_t off = data;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    const std::size_t ph = phoff + 32 * i;
    put32(b, ph, 1);  // PT_LOAD
    put32(b, ph + 4, static_cast<uint32_t>(off));
    put32(b, ph + 8, segs[i].addr);
    put32(b, ph + 12, segs[i].addr);
    put32(b, ph + 16, segs[i].filesz);
    put32(b, ph + 20, segs[i].memsz);
    put32(b, ph + 24, segs[i].flags);
    std::memset(b.data() + off, static_cast<int>(0x11 * (i + 1)), segs[i].filesz);
    off += segs[i].filesz;
  }
  return b;
}

std::vector<Seg> good() { return {{0x80000000u, 0x40, 0x40, 5}, {0x80001000u, 0x10, 0x100, 6}}; }

}  // namespace

TEST_CASE("a well-formed ELF loads, with the bss part zero-filled", "[elf]") {
  const ElfImage img = parse_elf("good.elf", make_elf(good()), kRam);
  CHECK(img.entry == 0x80000000u);
  REQUIRE(img.segments.size() == 2);
  CHECK(img.segments[1].addr == 0x80001000u);
  REQUIRE(img.segments[1].data.size() == 0x100);
  CHECK(img.segments[1].data[0xF] == 0x22);
  CHECK(img.segments[1].data[0x10] == 0);
  CHECK_FALSE(img.tohost);
}

TEST_CASE("bad ELF files are rejected with the file and the reason", "[elf]") {
  auto bytes = make_elf(good());
  std::string want;
  SECTION("bad magic") {
    bytes[1] = 'X';
    want = "prog.elf: not an ELF file (bad magic)";
  }
  SECTION("64-bit") {
    bytes[4] = 2;
    want = "prog.elf: 64-bit ELF (ELFCLASS64)";
  }
  SECTION("big-endian") {
    bytes[5] = 2;
    want = "prog.elf: not little-endian";
  }
  SECTION("wrong machine") {
    put16(bytes, 18, 62);
    want = "prog.elf: machine is 62, not RISC-V (EM_RISCV = 243)";
  }
  SECTION("not an executable") {
    put16(bytes, 16, 3);
    want = "prog.elf: type is ET_DYN";
  }
  SECTION("truncated header") {
    bytes.resize(40);
    want = "prog.elf: truncated: ELF header";
  }
  SECTION("truncated program headers") {
    bytes.resize(70);
    want = "prog.elf: truncated: program headers at offset 0x34+0x40";
  }
  SECTION("truncated segment") {
    bytes.resize(bytes.size() - 4);
    want = "prog.elf: truncated: segment 1 contents";
  }
  SECTION("segment out of range") {
    bytes = make_elf({{0x80000000u, 0x40, 0x40, 5}, {0x70000000u, 0x10, 0x100, 6}});
    want = "prog.elf: segment 1 at 0x70000000+0x100 is outside RAM 0x80000000..0x80ffffff";
  }
  SECTION("segment running past the end of RAM") {
    bytes = make_elf({{0x80000000u, 0x40, 0x40, 5}, {0x80FFFFF0u, 0x10, 0x20, 6}});
    want = "prog.elf: segment 1 at 0x80fffff0+0x20 is outside RAM";
  }
  SECTION("overlapping segments") {
    bytes = make_elf({{0x80000000u, 0x40, 0x40, 5}, {0x80000020u, 0x10, 0x10, 6}});
    want = "prog.elf: segments 0 (0x80000000+0x40) and 1 (0x80000020+0x10) overlap";
  }
  SECTION("filesz > memsz") {
    bytes = make_elf({{0x80000000u, 0x40, 0x20, 5}});
    want = "prog.elf: segment 0: file size 0x40 is larger than its memory size 0x20";
  }
  SECTION("entry outside executable segments") {
    bytes = make_elf(good(), 0x80001000u);
    want = "prog.elf: entry point 0x80001000 is not inside a loaded executable segment";
  }
  SECTION("no loadable segments") {
    bytes = make_elf({});
    put16(bytes, 44, 0);
    want = "prog.elf: no program headers";
  }
  INFO("want: " << want);
  CHECK_THROWS_WITH(parse_elf("prog.elf", bytes, kRam), Catch::StartsWith(want));
}

TEST_CASE("several regions are named in the out-of-range message", "[elf]") {
  const std::vector<MemRegion> regions = {{"ROM", 0x1000, 0x1000}, {"RAM", 0x80000000u, 0x1000}};
  CHECK_THROWS_WITH(parse_elf("p.elf", make_elf({{0x3000, 4, 4, 5}}, 0x3000), regions),
                    Catch::Contains("outside every memory region (ROM 0x1000..0x1fff, RAM "
                                    "0x80000000..0x80000fff)"));
  CHECK(parse_elf("p.elf", make_elf({{0x1000, 4, 4, 5}}, 0x1000), regions).segments.size() == 1);
}

TEST_CASE("a missing file is an error naming it", "[elf]") {
  CHECK_THROWS_WITH(load_elf("/nonexistent/x.elf", kRam),
                    Catch::StartsWith("/nonexistent/x.elf: cannot open"));
}

TEST_CASE("a real firmware ELF: segments, entry and tohost/fromhost", "[elf]") {
  const ElfImage img = load_elf(TRNSIM_FW_DIR "/crc_test.elf", kRam);
  CHECK(img.entry == 0x80000000u);
  REQUIRE(img.tohost);
  REQUIRE(img.fromhost);
  CHECK(*img.tohost % 64 == 0);
  CHECK(*img.fromhost > *img.tohost);
  CHECK(img.symbols.count("main") == 1);
}
