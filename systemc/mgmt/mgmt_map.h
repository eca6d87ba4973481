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

/* The chip as the management core sees it inside the external window: ONE
   map for the chip (systemc/chip/chip.cpp, MgmtBridge / mgmt_to_chip) and
   the management rig (systemc/mgmt/mgmt_rig.h), so one firmware ELF runs on
   both (docs/firmware.md, "Memory map").

   NeuronCore c's window, MGMT_CORE_BASE(c) (16 MiB each): */
#define MGMT_CORE_WINDOW 0x20000000
#define MGMT_CORE_STRIDE 0x01000000
#define MGMT_CORE_BASE(c) (MGMT_CORE_WINDOW + (c)*MGMT_CORE_STRIDE)
#define MGMT_CORE_CTRL 0x00000       /* core control registers (rtl/regs/core.json); chip only */
#define MGMT_CORE_TENSOR_CSR 0x10000 /* tensor engine CSRs (rtl/regs/tensor.json) */
#define MGMT_CORE_DMA_CSR(d) (0x20000 + (d)*0x1000) /* DMA engine d CSRs (rtl/regs/dma.json) */
#define MGMT_CORE_STREAM 0x30000     /* tensor stream port (below) */
#define MGMT_CORE_RESULT 0x40000     /* tensor result window: result row r (COLS FP32) at + r x COLS x 4 */
#define MGMT_CORE_RESULT_SIZE 0x10000 /* 64 KiB */
#define MGMT_ENGINE_WINDOW 0x00001000 /* 4 KiB per CSR block and the stream port */
/* Core 0's engines, used by the firmware's self-tests. */
#define MGMT_TENSOR_CSR_BASE (MGMT_CORE_BASE(0) + MGMT_CORE_TENSOR_CSR) /* 0x20010000 */
#define MGMT_DMA_CSR_BASE (MGMT_CORE_BASE(0) + MGMT_CORE_DMA_CSR(0))    /* 0x20020000 */
#define MGMT_STREAM_BASE (MGMT_CORE_BASE(0) + MGMT_CORE_STREAM)         /* 0x20030000 */
#define MGMT_TENSOR_RESULT_BASE (MGMT_CORE_BASE(0) + MGMT_CORE_RESULT)  /* 0x20040000 */
/* HBM: management address MGMT_HBM_BASE + x is HBM (chip) address x, the
   address DMA descriptors and core programs carry: MGMT_TO_CHIP converts.
   The rig has 1 MiB of device memory there (HBM 0 .. 1 MiB); the chip the
   first 256 MiB of HBM. */
#define MGMT_HBM_BASE 0x60000000
#define MGMT_HBM_SIZE 0x10000000 /* 256 MiB window */
#define MGMT_TO_CHIP(a) ((a)-MGMT_HBM_BASE)
#define MGMT_FROM_CHIP(x) ((x) + MGMT_HBM_BASE)
/* The firmware's own device memory (DMA rings, self-test buffers): the first
   MiB of HBM (the chip's hbm_alloc starts at 64 MiB). */
#define MGMT_DEVMEM_BASE MGMT_HBM_BASE
#define MGMT_DEVMEM_SIZE 0x00100000 /* 1 MiB */
/* Chip-to-chip link endpoint l registers (chip only). */
#define MGMT_LINK_BASE 0x70000000
/* Tensor stream port: 32-bit writes of two 16-bit lanes (lane 2i in bits
   15:0); a complete row (COLS lanes for weights, ROWS lanes for activations)
   is forwarded to the engine's stream as one write. On the chip a row is
   refused while the core runs a MATMUL. */
#define MGMT_STREAM_WEIGHT 0x00 /* write: weight lanes */
#define MGMT_STREAM_ACT 0x04    /* write: activation lanes */
#define MGMT_STREAM_STATUS 0x08 /* read: bit 0 error (a row was refused), 15:8 weight lanes held, 23:16 activation lanes held; write 1 to bit 0: clear the error and drop partial rows */
#define MGMT_STREAM_ROWS_FED 0x0C /* read: rows forwarded since reset */
/* Interrupt sources (interrupt controller inputs), the same on rig and chip:
   core 0's DMA engine 0 and tensor engine (block level: INTR_STATE of
   dma.json / tensor.json), and NeuronCore c's DONE/ERROR (core.json
   INTR_STATE; chip only; cores >= 29 share the last line). */
#define MGMT_IRQ_DMA 1
#define MGMT_IRQ_TENSOR 2
#define MGMT_IRQ_CORE(c) ((c) < 28 ? 3 + (c) : 31)

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
