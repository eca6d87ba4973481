/* Firmware for the gdb tests on the management subsystem (docs/firmware.md,
   "Debugging with gdb"; testbenches/mgmt/gdb_mgmt_watch.gdb and
   gdb_mgmt_interrupt.py):
   - puts known values in peripheral registers, for gdb to read through its
     debug path: mailbox SCRATCH = 0x5ca7c4ed, CLINT mtimecmp = 0x12_00345678;
   - stores to the global `watched` twice (5 -> 7 -> 42): `watch watched`;
   - then spins while `spin` is non-zero, counting in `spins`: a long loop
     for Ctrl-C (the test sets `spin` once main is reached, later clears it),
     bounded so a forgotten run still ends; exit 0 if `watched` is 42.
   No engines: the bare subsystem is enough. */
#include <stdint.h>
#include <stdio.h>

#include "clint.h"
#include "mailbox.h"

#define GDB_TEST_SCRATCH 0x5ca7c4edu
#define GDB_TEST_CMP 0x0000001200345678ull
#define GDB_TEST_MAX_SPINS 200000000u

volatile uint32_t watched = 5;
volatile uint32_t spin; /* 0: no loop; the Ctrl-C test sets it at main */
volatile uint32_t spins;

__attribute__((noinline)) static void set_watched(uint32_t v) { watched = v; }

int main(void) {
  mailbox_set_scratch(GDB_TEST_SCRATCH);
  clint_set_cmp(GDB_TEST_CMP);
  set_watched(7);
  set_watched(watched * 6);
  while (spin && spins < GDB_TEST_MAX_SPINS) ++spins;
  printf("gdb test: watched %lu, spin %lu after %lu spins\n", (unsigned long)watched,
         (unsigned long)spin, (unsigned long)spins);
  return watched == 42 ? 0 : 1;
}
