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

/* The engines as the management core sees them inside the external window
   (docs/firmware.md, "The management rig"). The rig (systemc/mgmt/mgmt_rig.h)
   puts one tensor engine, one DMA engine, a tensor stream port and device
   memory here; the chip model must map the same management-view addresses
   onto its engines so the same firmware runs on both. */
#define MGMT_TENSOR_CSR_BASE 0x20000000 /* tensor engine CSRs (rtl/regs/tensor.json) */
#define MGMT_DMA_CSR_BASE 0x20001000    /* DMA engine CSRs (rtl/regs/dma.json) */
#define MGMT_STREAM_BASE 0x20002000     /* tensor stream port (below) */
#define MGMT_ENGINE_WINDOW 0x00001000   /* 4 KiB each */
/* Device memory: reachable by the core and by the DMA engine at the same
   addresses (the DMA's descriptors, rings and data use these addresses). The
   tensor engine's result rows land at MGMT_TENSOR_RESULT_BASE + psum_row x
   COLS x 4. */
#define MGMT_DEVMEM_BASE 0x40000000
#define MGMT_DEVMEM_SIZE 0x00100000 /* 1 MiB */
#define MGMT_TENSOR_RESULT_BASE 0x400F0000 /* last 64 KiB of device memory */
/* Tensor stream port: 32-bit writes of two 16-bit lanes (lane 2i in bits
   15:0); a complete row (COLS lanes for weights, ROWS lanes for activations)
   is forwarded to the engine's stream as one write. */
#define MGMT_STREAM_WEIGHT 0x00 /* write: weight lanes */
#define MGMT_STREAM_ACT 0x04    /* write: activation lanes */
#define MGMT_STREAM_STATUS 0x08 /* read: bit 0 error (a row was refused), 15:8 weight lanes held, 23:16 activation lanes held; write 1 to bit 0: clear the error and drop partial rows */
#define MGMT_STREAM_ROWS_FED 0x0C /* read: rows forwarded since reset */
/* Interrupt sources of the engines (interrupt controller inputs). */
#define MGMT_IRQ_DMA 1
#define MGMT_IRQ_TENSOR 2

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
