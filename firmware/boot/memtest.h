#ifndef TRNSIM_FW_MEMTEST_H_
#define TRNSIM_FW_MEMTEST_H_

#include <stdint.h>

/* Tests [base, base+bytes) (word aligned): walking ones on the first word,
   then address-derived patterns and their inverse over every word. Returns 0
   or the address of the first failing word (*got, *want say what). */
uintptr_t memtest(volatile uint32_t* base, uint32_t bytes, uint32_t* got, uint32_t* want);

#endif
