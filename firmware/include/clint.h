/* Timer driver (rtl/regs/clint.json). */
#ifndef TRNSIM_FW_CLINT_H_
#define TRNSIM_FW_CLINT_H_

#include <stdint.h>

uint64_t clint_mtime(void);
uint32_t clint_freq_khz(void);      /* mtime ticks per millisecond */
void clint_set_cmp(uint64_t cmp);   /* MTIP = mtime >= cmp; never spuriously fires */
void clint_disable_cmp(void);       /* cmp = all ones */
void clint_set_msip(int on);

#endif
