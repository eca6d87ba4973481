/* Compiled as C99 with -pedantic -Werror: the generated C headers must be plain C. */
#include "regs_c_tables.h"

#include "regtest_regs.h"
#include "tensor_regs.h"

#define PATTERN 0x12345678u

#define REG_ROW(B, reg) {#reg, B##_##reg##_REG_OFFSET, B##_##reg##_REG_RESET},
#define FIELD_ROW(B, reg, f)                                                           \
  {#reg "." #f, B##_##reg##_REG_OFFSET, B##_##reg##_##f##_LSB, B##_##reg##_##f##_WIDTH, \
   B##_##reg##_##f##_MASK, B##_##reg##_##f##_FIELD(0xFFFFFFFFu),                       \
   B##_##reg##_##f##_GET(PATTERN), B##_##reg##_##f##_SET(0xFFFFFFFFu, 0)},
#define ENUM_ROW(B, e, v) {#e "." #v, B##_##e##_##v},
#define LAYOUT_ROW(B, l, w, f)                                                               \
  {#l "." #w "." #f, B##_##l##_##w##_OFFSET, B##_##l##_##w##_##f##_LSB,                      \
   B##_##l##_##w##_##f##_WIDTH, B##_##l##_##w##_##f##_MASK,                                  \
   B##_##l##_##w##_##f##_FIELD(0xFFFFFFFFu), B##_##l##_##w##_##f##_GET(PATTERN),             \
   B##_##l##_##w##_##f##_SET(0xFFFFFFFFu, 0)},

#define T_REG(reg) REG_ROW(TENSOR, reg)
#define T_FIELD(reg, f) FIELD_ROW(TENSOR, reg, f)
#define T_ENUM(e, v) ENUM_ROW(TENSOR, e, v)
static const struct c_reg tensor_regs[] = {TENSOR_REG_LIST(T_REG)};
static const struct c_field tensor_fields[] = {TENSOR_FIELD_LIST(T_FIELD)};
static const struct c_enum_value tensor_enums[] = {TENSOR_ENUM_VALUE_LIST(T_ENUM)};

const struct c_block tensor_c_block = {
    "tensor", TENSOR_ADDR_BITS,
    tensor_regs, sizeof tensor_regs / sizeof tensor_regs[0],
    tensor_fields, sizeof tensor_fields / sizeof tensor_fields[0],
    tensor_enums, sizeof tensor_enums / sizeof tensor_enums[0],
    NULL, 0};

#define R_REG(reg) REG_ROW(REGTEST, reg)
#define R_FIELD(reg, f) FIELD_ROW(REGTEST, reg, f)
#define R_ENUM(e, v) ENUM_ROW(REGTEST, e, v)
#define R_LAYOUT(l, w, f) LAYOUT_ROW(REGTEST, l, w, f)
static const struct c_reg regtest_regs[] = {REGTEST_REG_LIST(R_REG)};
static const struct c_field regtest_fields[] = {REGTEST_FIELD_LIST(R_FIELD)};
static const struct c_enum_value regtest_enums[] = {REGTEST_ENUM_VALUE_LIST(R_ENUM)};
static const struct c_field regtest_layout_fields[] = {REGTEST_LAYOUT_FIELD_LIST(R_LAYOUT)};

const struct c_block regtest_c_block = {
    "regtest", REGTEST_ADDR_BITS,
    regtest_regs, sizeof regtest_regs / sizeof regtest_regs[0],
    regtest_fields, sizeof regtest_fields / sizeof regtest_fields[0],
    regtest_enums, sizeof regtest_enums / sizeof regtest_enums[0],
    regtest_layout_fields, sizeof regtest_layout_fields / sizeof regtest_layout_fields[0]};
