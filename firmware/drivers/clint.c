#include "clint.h"

#include "clint_regs.h"
#include "mmio.h"

uint64_t clint_mtime(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = mmio_read(MGMT_CLINT_BASE, CLINT_MTIME_HI_REG_OFFSET);
    lo = mmio_read(MGMT_CLINT_BASE, CLINT_MTIME_LO_REG_OFFSET);
    hi2 = mmio_read(MGMT_CLINT_BASE, CLINT_MTIME_HI_REG_OFFSET);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

uint32_t clint_freq_khz(void) {
  return CLINT_FREQ_KHZ_VALUE_GET(mmio_read(MGMT_CLINT_BASE, CLINT_FREQ_KHZ_REG_OFFSET));
}

void clint_set_cmp(uint64_t cmp) {
  /* High word to all ones first: no transient compare value below mtime. */
  mmio_write(MGMT_CLINT_BASE, CLINT_MTIMECMP_HI_REG_OFFSET, 0xFFFFFFFFu);
  mmio_write(MGMT_CLINT_BASE, CLINT_MTIMECMP_LO_REG_OFFSET, (uint32_t)cmp);
  mmio_write(MGMT_CLINT_BASE, CLINT_MTIMECMP_HI_REG_OFFSET, (uint32_t)(cmp >> 32));
}

void clint_disable_cmp(void) { clint_set_cmp(~(uint64_t)0); }

void clint_set_msip(int on) {
  mmio_write(MGMT_CLINT_BASE, CLINT_MSIP_REG_OFFSET, CLINT_MSIP_MSIP_FIELD(on ? 1u : 0u));
}
