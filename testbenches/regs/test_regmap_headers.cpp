// The generated C and C++ headers describe the same map, and the C++ register
// table is self-consistent (what a C++ model built from it relies on).
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <string>

#include "regs_c_tables.h"
#include "regtest_regs.hpp"
#include "tensor_regs.hpp"

namespace {

using trnsim::regs::FieldDesc;
using trnsim::regs::HwAccess;
using trnsim::regs::LayoutDesc;
using trnsim::regs::RegisterDesc;
using trnsim::regs::SwAccess;

constexpr std::uint32_t kPattern = 0x12345678u;

template <std::size_t N>
void check_registers(const c_block& c, const RegisterDesc (&regs)[N], std::uint32_t addr_bits) {
  INFO("block " << c.name);
  CHECK(c.addr_bits == addr_bits);
  REQUIRE(c.num_regs == N);
  std::size_t cf = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const RegisterDesc& r = regs[i];
    INFO("register " << r.name);
    CHECK(c.regs[i].name == r.name);
    CHECK(c.regs[i].offset == r.offset);
    CHECK(c.regs[i].reset == r.reset);
    // Sorted, aligned, inside the address space.
    CHECK(r.offset % 4 == 0);
    CHECK(r.offset < (1u << addr_bits));
    if (i > 0) CHECK(regs[i - 1].offset < r.offset);

    std::uint32_t seen = 0, rw = 0, wo = 0, w1c = 0, in = 0, cst = 0, reset = 0;
    for (std::size_t j = 0; j < r.num_fields; ++j, ++cf) {
      const FieldDesc& f = r.fields[j];
      INFO("field " << f.name);
      REQUIRE(cf < c.num_fields);
      const c_field& cfld = c.fields[cf];
      CHECK(cfld.name == std::string(r.name) + "." + std::string(f.name));
      CHECK(cfld.lsb == f.lsb);
      CHECK(cfld.width == f.width);
      CHECK(cfld.mask == f.mask);
      CHECK(f.mask == (f.width == 32 ? 0xFFFFFFFFu : (1u << f.width) - 1));
      CHECK(cfld.field_all_ones == (f.mask << f.lsb));
      CHECK(cfld.get_pattern == trnsim::regs::field_get(kPattern, f.lsb, f.mask));
      CHECK(cfld.set_zero == trnsim::regs::field_set(0xFFFFFFFFu, f.lsb, f.mask, 0));
      const std::uint32_t bits = f.mask << f.lsb;
      CHECK((seen & bits) == 0);  // no overlap
      seen |= bits;
      CHECK((f.reset & ~f.mask) == 0);
      switch (f.sw) {
        case SwAccess::RW: rw |= bits; reset |= f.reset << f.lsb; break;
        case SwAccess::WO: wo |= bits; break;
        case SwAccess::W1C: w1c |= bits; reset |= f.reset << f.lsb; break;
        case SwAccess::RO:
          if (f.hw == HwAccess::IN) {
            in |= bits;
            CHECK(f.reset == 0);
          } else {
            cst |= bits;
            reset |= f.reset << f.lsb;
          }
          break;
      }
      if (j > 0) CHECK(r.fields[j - 1].lsb < f.lsb);
    }
    CHECK(r.rw_mask == rw);
    CHECK(r.wo_mask == wo);
    CHECK(r.w1c_mask == w1c);
    CHECK(r.hw_in_mask == in);
    CHECK(r.const_mask == cst);
    CHECK(r.write_mask() == (rw | wo | w1c));
    CHECK(r.reset == reset);
  }
  CHECK(cf == c.num_fields);
}

}  // namespace

// Compile-time use of the C++ header.
namespace tensor = trnsim::regs::tensor;
namespace regtest = trnsim::regs::regtest;
static_assert(tensor::find_register(tensor::CTRL_OFFSET)->name == "CTRL");
static_assert(tensor::find_register(tensor::CTRL_OFFSET + 1) == nullptr);
static_assert(tensor::NUM_REGS == sizeof(tensor::kRegisters) / sizeof(tensor::kRegisters[0]));
static_assert(static_cast<std::uint32_t>(tensor::Dtype::FP8E5M2) == 2);
static_assert(trnsim::regs::strobe_to_mask(0x5) == 0x00FF00FFu);
static_assert(trnsim::regs::field_set(0, tensor::CMD_SHAPE_K_ROWS_LSB, tensor::CMD_SHAPE_K_ROWS_MASK,
                                      0x3FF) == 0x03FF0000u);
static_assert(regtest::DESC_SIZE == 16);

TEST_CASE("C and C++ headers agree: tensor", "[regmap]") {
  check_registers(tensor_c_block, tensor::kRegisters, tensor::ADDR_BITS);
  CHECK(tensor_c_block.num_layout_fields == 0);
}

TEST_CASE("C and C++ headers agree: regtest (every feature)", "[regmap]") {
  check_registers(regtest_c_block, regtest::kRegisters, regtest::ADDR_BITS);
}

TEST_CASE("enum values agree between C and C++", "[regmap]") {
  // The C list gives every value; C++ enum classes cannot be walked, so
  // compare each named value.
  auto c_value = [](const c_block& b, const std::string& name) -> std::int64_t {
    for (std::size_t i = 0; i < b.num_enum_values; ++i) {
      if (name == b.enum_values[i].name) return b.enum_values[i].value;
    }
    return -1;
  };
  CHECK(tensor_c_block.num_enum_values == 10);
  CHECK(c_value(tensor_c_block, "DTYPE.BF16") == static_cast<std::uint32_t>(tensor::Dtype::BF16));
  CHECK(c_value(tensor_c_block, "DTYPE.FP8E4M3") ==
        static_cast<std::uint32_t>(tensor::Dtype::FP8E4M3));
  CHECK(c_value(tensor_c_block, "ERR_CODE.QUEUE_FULL") ==
        static_cast<std::uint32_t>(tensor::ErrCode::QUEUE_FULL));
  CHECK(c_value(regtest_c_block, "MODE.SLOW") == static_cast<std::uint32_t>(regtest::Mode::SLOW));
  CHECK(c_value(regtest_c_block, "OPCODE.FILL") ==
        static_cast<std::uint32_t>(regtest::Opcode::FILL));
}

TEST_CASE("layouts agree between C and C++", "[regmap]") {
  std::size_t cf = 0;
  for (const LayoutDesc& l : regtest::kLayouts) {
    std::uint32_t prev_offset = 0;
    for (std::size_t w = 0; w < l.num_words; ++w) {
      const auto& word = l.words[w];
      CHECK(word.offset % 4 == 0);
      CHECK(word.offset + 4 <= l.size);
      if (w > 0) CHECK(prev_offset < word.offset);
      prev_offset = word.offset;
      std::uint32_t seen = 0;
      for (std::size_t f = 0; f < word.num_fields; ++f, ++cf) {
        const auto& fd = word.fields[f];
        REQUIRE(cf < regtest_c_block.num_layout_fields);
        const c_field& c = regtest_c_block.layout_fields[cf];
        std::string upper(l.name);
        for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        CHECK(c.name == upper + "." + std::string(word.name) + "." + std::string(fd.name));
        CHECK(c.word_offset == word.offset);
        CHECK(c.lsb == fd.lsb);
        CHECK(c.width == fd.width);
        CHECK(c.mask == fd.mask);
        CHECK(c.field_all_ones == (fd.mask << fd.lsb));
        CHECK(c.get_pattern == trnsim::regs::field_get(kPattern, fd.lsb, fd.mask));
        CHECK(c.set_zero == trnsim::regs::field_set(0xFFFFFFFFu, fd.lsb, fd.mask, 0));
        CHECK((seen & (fd.mask << fd.lsb)) == 0);
        seen |= fd.mask << fd.lsb;
      }
    }
  }
  CHECK(cf == regtest_c_block.num_layout_fields);
  CHECK(regtest::DESC_CTRL_OP_WIDTH == 4);
  CHECK(regtest::DESC_DST_OFFSET == 8);
}
