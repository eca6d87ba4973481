/* DMA engine driver: see dma.h. Follows docs/dma.md "Firmware programming
   sequence" step by step. */
#include "dma.h"

#include "intc.h"
#include "mmio.h"
#include "rt.h"

static volatile uint32_t intr_seen; /* INTR_STATE bits collected by the handler */
static uint32_t irqs;

uint32_t dma_reg_read(uint32_t off) { return mmio_read(MGMT_DMA_CSR_BASE, off); }
void dma_reg_write(uint32_t off, uint32_t v) { mmio_write(MGMT_DMA_CSR_BASE, off, v); }

int dma_present(void) {
  uint32_t id = 0;
  if (!rt_probe_read32(MGMT_DMA_CSR_BASE + DMA_ID_REG_OFFSET, &id)) return 0;
  return DMA_ID_MAGIC_GET(id) == DMA_ID_MAGIC_RESET;
}

/* Level interrupt: collect and clear (W1C) what is pending. */
static void dma_irq(unsigned source, void* ctx) {
  (void)source;
  (void)ctx;
  ++irqs;
  const uint32_t st = dma_reg_read(DMA_INTR_STATE_REG_OFFSET);
  intr_seen |= st;
  dma_reg_write(DMA_INTR_STATE_REG_OFFSET, st);
}

uint32_t dma_irq_count(void) { return irqs; }

void dma_irq_init(unsigned irq_source, unsigned q) {
  intc_register(irq_source, dma_irq, 0);
  dma_reg_write(DMA_INTR_ENABLE_REG_OFFSET,
                dma_reg_read(DMA_INTR_ENABLE_REG_OFFSET) | DMA_INTR_ENABLE_DONE_FIELD(1u << q) |
                    DMA_INTR_ENABLE_ERROR_FIELD(1u << q));
  intc_enable(irq_source);
}

void dma_queue_setup(struct dma_queue* dq, unsigned q, uint32_t ring, uint32_t entries,
                     uint32_t win_base, uint32_t win_limit) {
  dq->q = q;
  dq->ring = ring;
  dq->entries = entries;
  dq->tail = 0;
  dma_reg_write(DMA_QREG(q, CTRL), 0);
  dma_reg_write(DMA_QREG(q, CTRL), DMA_Q0_CTRL_RESET_FIELD(1));
  dma_reg_write(DMA_QREG(q, TAIL), 0);
  dma_reg_write(DMA_QREG(q, RING_BASE_LO), MGMT_TO_CHIP(ring));
  dma_reg_write(DMA_QREG(q, RING_BASE_HI), 0);
  dma_reg_write(DMA_QREG(q, RING_SIZE), DMA_Q0_RING_SIZE_ENTRIES_FIELD(entries));
  dma_reg_write(DMA_QREG(q, CPL_BASE_LO), 0);
  dma_reg_write(DMA_QREG(q, CPL_BASE_HI), 0);
  dma_reg_write(DMA_QREG(q, WIN0_BASE_LO), win_base);
  dma_reg_write(DMA_QREG(q, WIN0_BASE_HI), 0);
  dma_reg_write(DMA_QREG(q, WIN0_LIMIT_LO), win_limit);
  dma_reg_write(DMA_QREG(q, WIN0_LIMIT_HI), 0);
  dma_reg_write(DMA_QREG(q, WIN1_BASE_LO), 0); /* window 1 closed (LIMIT <= BASE) */
  dma_reg_write(DMA_QREG(q, WIN1_BASE_HI), 0);
  dma_reg_write(DMA_QREG(q, WIN1_LIMIT_LO), 0);
  dma_reg_write(DMA_QREG(q, WIN1_LIMIT_HI), 0);
  const uint32_t mine = DMA_INTR_STATE_DONE_FIELD(1u << q) | DMA_INTR_STATE_ERROR_FIELD(1u << q);
  dma_reg_write(DMA_INTR_STATE_REG_OFFSET, mine);
  intr_seen &= ~mine;
  dma_reg_write(DMA_QREG(q, CTRL), DMA_Q0_CTRL_ENABLE_FIELD(1));
}

int dma_push(struct dma_queue* dq, uint32_t src, uint32_t dst, uint32_t len, uint32_t flags) {
  const uint32_t next = (dq->tail + 1) % dq->entries;
  const uint32_t head = DMA_Q0_HEAD_INDEX_GET(dma_reg_read(DMA_QREG(dq->q, HEAD)));
  if (next == head) return -1; /* full: HEAD == TAIL means empty */
  volatile uint32_t* d = (volatile uint32_t*)(uintptr_t)(dq->ring + dq->tail * DMA_DESC_SIZE);
  d[DMA_DESC_SRC_LO_OFFSET / 4] = DMA_DESC_SRC_LO_ADDR_FIELD(src);
  d[DMA_DESC_SRC_HI_OFFSET / 4] = 0;
  d[DMA_DESC_DST_LO_OFFSET / 4] = DMA_DESC_DST_LO_ADDR_FIELD(dst);
  d[DMA_DESC_DST_HI_OFFSET / 4] = 0;
  d[DMA_DESC_LEN_OFFSET / 4] = DMA_DESC_LEN_BYTES_FIELD(len);
  d[DMA_DESC_CTRL_OFFSET / 4] = DMA_DESC_CTRL_ROWS_FIELD(1) | flags;
  d[DMA_DESC_SRC_STRIDE_OFFSET / 4] = DMA_DESC_SRC_STRIDE_BYTES_FIELD(len);
  d[DMA_DESC_DST_STRIDE_OFFSET / 4] = DMA_DESC_DST_STRIDE_BYTES_FIELD(len);
  const int index = (int)dq->tail;
  dq->tail = next;
  return index;
}

void dma_doorbell(struct dma_queue* dq) {
  __asm__ volatile("fence" ::: "memory"); /* descriptors before the doorbell */
  dma_reg_write(DMA_QREG(dq->q, TAIL), DMA_Q0_TAIL_INDEX_FIELD(dq->tail));
}

uint32_t dma_error(const struct dma_queue* dq, uint32_t* addr_lo) {
  const uint32_t st = dma_reg_read(DMA_QREG(dq->q, STATUS));
  if (addr_lo) *addr_lo = dma_reg_read(DMA_QREG(dq->q, ERR_ADDR_LO));
  return DMA_Q0_STATUS_ERROR_GET(st) ? DMA_Q0_STATUS_CODE_GET(st) : DMA_ERR_CODE_NONE;
}

enum dma_wait_result dma_wait(struct dma_queue* dq, uint32_t timeout_us) {
  const uint32_t err_bit = DMA_INTR_STATE_ERROR_FIELD(1u << dq->q);
  const uint32_t done_bit = DMA_INTR_STATE_DONE_FIELD(1u << dq->q);
  const uint64_t deadline = rt_deadline_us(timeout_us);
  for (;;) {
    if (intr_seen & err_bit) return DMA_WAIT_ERROR;
    if (DMA_Q0_STATUS_ERROR_GET(dma_reg_read(DMA_QREG(dq->q, STATUS)))) return DMA_WAIT_ERROR;
    if (DMA_Q0_HEAD_INDEX_GET(dma_reg_read(DMA_QREG(dq->q, HEAD))) == dq->tail) {
      intr_seen &= ~done_bit;
      return DMA_WAIT_DONE;
    }
    if (!rt_wait_event(&intr_seen, err_bit | done_bit, deadline)) {
      /* timed out; a last look at the engine itself */
      if (DMA_Q0_HEAD_INDEX_GET(dma_reg_read(DMA_QREG(dq->q, HEAD))) == dq->tail) return DMA_WAIT_DONE;
      return DMA_WAIT_TIMEOUT;
    }
    intr_seen &= ~done_bit; /* consumed: re-check HEAD above */
  }
}

void dma_queue_reset(struct dma_queue* dq) {
  dma_reg_write(DMA_QREG(dq->q, CTRL), 0);
  dma_reg_write(DMA_QREG(dq->q, CTRL), DMA_Q0_CTRL_RESET_FIELD(1));
  dq->tail = 0;
  dma_reg_write(DMA_QREG(dq->q, TAIL), 0);
  const uint32_t mine = DMA_INTR_STATE_DONE_FIELD(1u << dq->q) | DMA_INTR_STATE_ERROR_FIELD(1u << dq->q);
  dma_reg_write(DMA_INTR_STATE_REG_OFFSET, mine);
  intr_seen &= ~mine;
  dma_reg_write(DMA_QREG(dq->q, CTRL), DMA_Q0_CTRL_ENABLE_FIELD(1));
}
