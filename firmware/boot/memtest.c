#include "memtest.h"

static uint32_t pattern(uintptr_t a, unsigned pass) {
  const uint32_t p = (uint32_t)a * 0x9E3779B1u ^ 0xA5A5A5A5u;
  return pass ? ~p : p;
}

uintptr_t memtest(volatile uint32_t* base, uint32_t bytes, uint32_t* got, uint32_t* want) {
  const uint32_t words = bytes / 4;
  for (unsigned b = 0; b < 32; ++b) {
    base[0] = 1u << b;
    if (base[0] != 1u << b) {
      *got = base[0];
      *want = 1u << b;
      return (uintptr_t)base;
    }
  }
  for (unsigned pass = 0; pass < 2; ++pass) {
    for (uint32_t i = 0; i < words; ++i) base[i] = pattern((uintptr_t)&base[i], pass);
    for (uint32_t i = 0; i < words; ++i) {
      const uint32_t w = pattern((uintptr_t)&base[i], pass);
      if (base[i] != w) {
        *got = base[i];
        *want = w;
        return (uintptr_t)&base[i];
      }
    }
  }
  return 0;
}
