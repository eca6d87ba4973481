/* Memory map of the management subsystem (docs/firmware.md): the one source
   for the model (MgmtSubsystem's default config), the firmware linker script
   (firmware/link/mgmt.ld.S, run through the C preprocessor) and the firmware
   drivers. Plain C preprocessor constants so C, C++ and ld scripts can use it.
   Register offsets inside each block come from rtl/regs/<block>.json. */
#ifndef TRNSIM_MGMT_MAP_H_
#define TRNSIM_MGMT_MAP_H_

/* Boot ROM: code and read-only data; the reset vector is its base. The
   simulator loads it from the ELF; the core can only read and fetch. */
#define MGMT_ROM_BASE 0x00010000
#define MGMT_ROM_SIZE 0x00010000 /* 64 KiB */

/* Peripherals: one 4 KiB window each. */
#define MGMT_CLINT_BASE 0x02000000
#define MGMT_INTC_BASE 0x0C000000
#define MGMT_UART_BASE 0x10000000
#define MGMT_MAILBOX_BASE 0x10001000
#define MGMT_DEVICE_SIZE 0x00001000

/* The rest of the chip (engines, DMA, SRAMs): forwarded unchanged to the
   subsystem's external initiator socket. */
#define MGMT_EXT_BASE 0x20000000
#define MGMT_EXT_SIZE 0x60000000 /* up to 0x7fffffff */

/* Data RAM: data, bss, heap, stack; its top MGMT_MEMTEST_SIZE bytes are kept
   out of the link for the boot program's memory test. */
#define MGMT_RAM_BASE 0x80000000
#define MGMT_RAM_SIZE 0x00040000 /* 256 KiB */
#define MGMT_MEMTEST_SIZE 0x00004000 /* 16 KiB */

/* Interrupt-controller sources inside the subsystem; the chip wires 1..31. */
#define MGMT_IRQ_MAILBOX 0
#define MGMT_IRQ_FIRST_EXTERNAL 1
#define MGMT_NUM_IRQS 32

#endif /* TRNSIM_MGMT_MAP_H_ */
