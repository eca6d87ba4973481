/* Tables built in C (regs_c_tables.c, compiled as strict C99) from the generated C
 * headers' X-macro lists, so that test_regmap_headers can compare them with the C++
 * headers. Valid C and C++. */
#ifndef TRNSIM_TESTBENCHES_REGS_REGS_C_TABLES_H_
#define TRNSIM_TESTBENCHES_REGS_REGS_C_TABLES_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct c_reg {
  const char* name;
  uint32_t offset;
  uint32_t reset;
};

struct c_field {
  const char* name; /* "REG.FIELD" or "LAYOUT.WORD.FIELD" */
  uint32_t word_offset;
  uint32_t lsb;
  uint32_t width;
  uint32_t mask;
  uint32_t field_all_ones; /* _FIELD(0xFFFFFFFF) */
  uint32_t get_pattern;    /* _GET(0x12345678) */
  uint32_t set_zero;       /* _SET(0xFFFFFFFF, 0) */
};

struct c_enum_value {
  const char* name; /* "ENUM.VALUE" */
  uint32_t value;
};

struct c_block {
  const char* name;
  uint32_t addr_bits;
  const struct c_reg* regs;
  size_t num_regs;
  const struct c_field* fields;
  size_t num_fields;
  const struct c_enum_value* enum_values;
  size_t num_enum_values;
  const struct c_field* layout_fields;
  size_t num_layout_fields;
};

extern const struct c_block tensor_c_block;
extern const struct c_block regtest_c_block;

#ifdef __cplusplus
}
#endif

#endif /* TRNSIM_TESTBENCHES_REGS_REGS_C_TABLES_H_ */
