/* A extension from C: AMOs through the __atomic builtins (amoadd, amoswap,
   amoor/and/xor) and an LR/SC loop (compare-exchange). 0 = pass. */
#include <stdint.h>

static volatile uint32_t word = 5;

int main(void) {
  if (__atomic_fetch_add(&word, 3, __ATOMIC_SEQ_CST) != 5 || word != 8) return 1;
  if (__atomic_exchange_n(&word, 100, __ATOMIC_SEQ_CST) != 8 || word != 100) return 2;
  if (__atomic_fetch_or(&word, 0x3, __ATOMIC_SEQ_CST) != 100 || word != 103) return 3;
  if (__atomic_fetch_and(&word, 0xF0, __ATOMIC_SEQ_CST) != 103 || word != 96) return 4;
  if (__atomic_fetch_xor(&word, 0xFF, __ATOMIC_SEQ_CST) != 96 || word != 159) return 5;
  uint32_t expect = 159;
  if (!__atomic_compare_exchange_n(&word, &expect, 7, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
    return 6;
  expect = 1;
  if (__atomic_compare_exchange_n(&word, &expect, 9, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST) ||
      expect != 7 || word != 7)
    return 7;
  return 0;
}
