/* The kernel launch block of the mailbox command KERNEL_LAUNCH
   (docs/firmware.md, "Kernel launch"): written in HBM by the host
   (trnsim::chip::Chip::place_launch_block), read by the firmware
   (firmware/boot/kernel.c). Plain C, little-endian 32-bit words, so the
   firmware and the C++ host share this one definition.

   Mailbox: ARG0 = core, ARG1 = HBM (chip) address of the block (8-byte
   aligned, inside the first MGMT_HBM_SIZE bytes of HBM), ARG2 = 0.
   The firmware zeroes semaphores 0 .. zero_sems-1, programs E<e>_PROG_LO/HI
   and E<e>_COUNT of every engine with count > 0, starts them (CTRL.START),
   sleeps until the core's DONE or ERROR interrupt, then waits until each
   wait[i] semaphore reaches its value (the kernel's DMAs are complete), at
   most timeout_us in all. Replies: OK, DATA0/1 = management-core cycles
   from start to completion (low/high), DATA2 = STATUS.DONE; HW_ERROR, DATA0 =
   the core's ERR_CODE.CODE, DATA1 = ERR_INDEX, DATA2 = 3 | ERR_CODE.ENGINE
   << 8; TIMEOUT, DATA0 = 3; BAD_ARG (core, address, magic, counts, or the
   core is running); NO_DEVICE (no core control registers: e.g. the rig). */
#ifndef TRNSIM_MGMT_LAUNCH_H_
#define TRNSIM_MGMT_LAUNCH_H_

#include <stdint.h>

#define MGMT_LAUNCH_MAGIC 0x4b4c4e43u /* 'CNLK' */
#define MGMT_LAUNCH_ENGINES 5         /* tensor, vector, scalar, gpsimd, sync (isa.json engine) */
#define MGMT_LAUNCH_MAX_WAITS 64 /* >= the DMA queues a kernel may use (the GEMM spreads over up to 32) */
#define MGMT_LAUNCH_DEFAULT_TIMEOUT_US 10000u
#define MGMT_ENGINE_CORE 3u /* HW_ERROR / TIMEOUT: the NeuronCore (1 DMA, 2 tensor) */

struct mgmt_launch_engine {
  uint32_t prog_lo, prog_hi; /* stream address in HBM (64-byte aligned) */
  uint32_t count;            /* instructions; 0: the engine is not started */
  uint32_t reserved;
};

struct mgmt_launch_wait {
  uint32_t sem;   /* semaphore index */
  uint32_t value; /* done when sem >= value */
};

struct mgmt_launch_block {
  uint32_t magic;      /* MGMT_LAUNCH_MAGIC */
  uint32_t zero_sems;  /* semaphores 0 .. zero_sems-1 set to 0 before the start */
  uint32_t num_waits;  /* entries of wait[] used (<= MGMT_LAUNCH_MAX_WAITS) */
  uint32_t timeout_us; /* 0: MGMT_LAUNCH_DEFAULT_TIMEOUT_US (mtime) */
  struct mgmt_launch_engine engine[MGMT_LAUNCH_ENGINES];
  struct mgmt_launch_wait wait[MGMT_LAUNCH_MAX_WAITS];
};

#endif /* TRNSIM_MGMT_LAUNCH_H_ */
