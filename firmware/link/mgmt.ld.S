/* Linker script of the management-core firmware, for the memory map in
   systemc/mgmt/mgmt_map.h (run through the C preprocessor by
   firmware/CMakeLists.txt). Code and read-only data in the boot ROM, data
   (initial values copied from ROM by start-up), bss, heap and stack in RAM;
   the top MGMT_MEMTEST_SIZE bytes of RAM stay out of the link for the boot
   memory test. The section layout is picolibc's (picolibc.ld, TLS included). */
#include "mgmt_map.h"

__flash = MGMT_ROM_BASE;
__flash_size = MGMT_ROM_SIZE;
__ram = MGMT_RAM_BASE;
__ram_size = MGMT_RAM_SIZE - MGMT_MEMTEST_SIZE;
__stack_size = 0x2000;
__memtest_start = MGMT_RAM_BASE + MGMT_RAM_SIZE - MGMT_MEMTEST_SIZE;
__memtest_size = MGMT_MEMTEST_SIZE;

INCLUDE picolibc.ld
