/* DMA engine driver (rtl/regs/dma.json, programming sequence in docs/dma.md).
   Every offset, field and error code comes from the generated dma_regs.h; the
   engine's base address is MGMT_DMA_CSR_BASE (mgmt_map.h). One struct
   dma_queue per queue in use; the driver keeps the software tail. */
#ifndef TRNSIM_FW_DMA_H_
#define TRNSIM_FW_DMA_H_

#include <stdint.h>

#include "dma_regs.h"

/* Queue q's copy of a queue-0 register offset (Q0_<name>). */
#define DMA_Q_STRIDE (DMA_Q1_CTRL_REG_OFFSET - DMA_Q0_CTRL_REG_OFFSET)
#define DMA_QREG(q, name) (DMA_Q0_##name##_REG_OFFSET + (uint32_t)(q)*DMA_Q_STRIDE)

/* Descriptor flags (DMA_DESC_CTRL fields). */
#define DMA_FLAG_IRQ DMA_DESC_CTRL_IRQ_FIELD(1)
#define DMA_FLAG_LAST DMA_DESC_CTRL_LAST_FIELD(1)
#define DMA_FLAG_CPL DMA_DESC_CTRL_CPL_FIELD(1)

struct dma_queue {
  unsigned q;       /* queue number */
  uint32_t ring;    /* ring base (32-byte aligned, management address in the HBM window) */
  uint32_t entries; /* RING_SIZE */
  uint32_t tail;    /* software tail: next free entry */
};

enum dma_wait_result { DMA_WAIT_DONE = 0, DMA_WAIT_ERROR = 1, DMA_WAIT_TIMEOUT = 2 };

/* 1 if a DMA engine answers at MGMT_DMA_CSR_BASE with the right ID magic
   (a bus error is caught, not a fault). */
int dma_present(void);
uint32_t dma_reg_read(uint32_t off);
void dma_reg_write(uint32_t off, uint32_t v);

/* Registers the interrupt handler on intc source irq and enables it, and
   enables the engine's DONE and ERROR interrupts for queue q. */
void dma_irq_init(unsigned irq_source, unsigned q);

/* Sets up queue q (disabled first): ring (a management address in the HBM
   window; the engine gets its chip address), one window [win_base, win_limit)
   of chip addresses,
   no completion records; then enables it. HEAD and the software tail are 0. */
void dma_queue_setup(struct dma_queue* dq, unsigned q, uint32_t ring, uint32_t entries,
                     uint32_t win_base, uint32_t win_limit);
/* Writes a 1-D descriptor (src, dst: chip addresses, MGMT_TO_CHIP) at the software tail and advances it (modulo
   RING_SIZE); returns its index, or -1 if the ring is full. The doorbell is
   separate (dma_doorbell), so several descriptors can go with one. */
int dma_push(struct dma_queue* dq, uint32_t src, uint32_t dst, uint32_t len, uint32_t flags);
void dma_doorbell(struct dma_queue* dq); /* Qn_TAIL = software tail */
/* Sleeps (WFI) until HEAD reaches the software tail (done), the queue stops
   with an error, or timeout_us of mtime passes. */
enum dma_wait_result dma_wait(struct dma_queue* dq, uint32_t timeout_us);
/* The queue's error code (DMA_ERR_CODE_*; 0 = none) and address. */
uint32_t dma_error(const struct dma_queue* dq, uint32_t* addr_lo);
/* Recovery after an error (docs/dma.md step 4): disable, RESET, tail 0,
   INTR_STATE cleared, enable. */
void dma_queue_reset(struct dma_queue* dq);

/* Interrupts seen by the handler since boot. */
uint32_t dma_irq_count(void);

#endif
