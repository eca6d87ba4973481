/* Register access for the drivers: base from mgmt_map.h, offsets from the
   generated <block>_regs.h. */
#ifndef TRNSIM_FW_MMIO_H_
#define TRNSIM_FW_MMIO_H_

#include <stdint.h>

#include "mgmt_map.h"

static inline uint32_t mmio_read(uint32_t base, uint32_t off) {
  return *(volatile uint32_t*)(uintptr_t)(base + off);
}
static inline void mmio_write(uint32_t base, uint32_t off, uint32_t v) {
  *(volatile uint32_t*)(uintptr_t)(base + off) = v;
}

#endif
