/* Boot and on-demand self-tests of the DMA and tensor engines
   (docs/firmware.md "Self-tests"). Each returns a MAILBOX_STATUS_* code and
   fills out[3] with the reply data. */
#ifndef TRNSIM_FW_SELFTEST_H_
#define TRNSIM_FW_SELFTEST_H_

#include <stdint.h>

/* Probes the engines (no fault if they are absent), wires their interrupts
   and sets up DMA queue 0. Prints what it found. */
void selftest_init(void);
int selftest_dma_present(void);
int selftest_tensor_present(void);

/* DMA loopback: copy a pattern in device memory through queue 0 and compare
   (inject_fault: a descriptor outside the queue's window instead; the error
   is reported as HW_ERROR and the queue is reset). */
uint32_t selftest_dma(int inject_fault, uint32_t out[3]);
/* Sets the DMA queue up afresh (on the chip a kernel may have used it since). */
void selftest_dma_prepare(void);
/* Tensor known-answer GEMM (tensor_kat.h); inject_fault: a command with
   K_ROWS = 0, reported as HW_ERROR. */
uint32_t selftest_tensor(int inject_fault, uint32_t out[3]);
/* Memory test of the first `bytes` of device memory (0 if none). */
uint32_t selftest_devmem(uint32_t bytes);

/* Self-tests passed and failed since boot. */
uint32_t selftest_passed(void);
uint32_t selftest_failed(void);

#endif
