/* Tensor engine driver: see tensor.h and docs/tensor.md "Programming model". */
#include "tensor.h"

#include "intc.h"
#include "mmio.h"
#include "rt.h"

static volatile uint32_t intr_seen;
static uint32_t irqs;

uint32_t tensor_reg_read(uint32_t off) { return mmio_read(MGMT_TENSOR_CSR_BASE, off); }
void tensor_reg_write(uint32_t off, uint32_t v) { mmio_write(MGMT_TENSOR_CSR_BASE, off, v); }

int tensor_present(void) {
  uint32_t id = 0;
  if (!rt_probe_read32(MGMT_TENSOR_CSR_BASE + TENSOR_ID_REG_OFFSET, &id)) return 0;
  return TENSOR_ID_MAGIC_GET(id) == TENSOR_ID_MAGIC_RESET;
}

void tensor_geometry(struct tensor_geometry* g) {
  const uint32_t v = tensor_reg_read(TENSOR_GEOMETRY_REG_OFFSET);
  g->rows = TENSOR_GEOMETRY_ROWS_GET(v);
  g->cols = TENSOR_GEOMETRY_COLS_GET(v);
  g->psum_depth = 1u << TENSOR_GEOMETRY_LOG2_PSUM_DEPTH_GET(v);
}

static void tensor_irq(unsigned source, void* ctx) {
  (void)source;
  (void)ctx;
  ++irqs;
  const uint32_t st = tensor_reg_read(TENSOR_INTR_STATE_REG_OFFSET);
  intr_seen |= st;
  tensor_reg_write(TENSOR_INTR_STATE_REG_OFFSET, st);
}

uint32_t tensor_irq_count(void) { return irqs; }

void tensor_irq_init(unsigned irq_source) {
  intc_register(irq_source, tensor_irq, 0);
  tensor_reg_write(TENSOR_INTR_ENABLE_REG_OFFSET,
                   TENSOR_INTR_ENABLE_DONE_FIELD(1) | TENSOR_INTR_ENABLE_ERROR_FIELD(1));
  intc_enable(irq_source);
}

uint32_t tensor_start(const struct tensor_cmd* c) {
  tensor_reg_write(TENSOR_CMD_CFG_REG_OFFSET,
                   TENSOR_CMD_CFG_DTYPE_A_FIELD(c->dtype_a) | TENSOR_CMD_CFG_DTYPE_W_FIELD(c->dtype_w) |
                       TENSOR_CMD_CFG_LOAD_W_FIELD(c->load_w != 0) |
                       TENSOR_CMD_CFG_ACCUMULATE_FIELD(c->accumulate != 0) |
                       TENSOR_CMD_CFG_EMIT_FIELD(c->emit != 0) | TENSOR_CMD_CFG_IRQ_FIELD(c->irq != 0));
  tensor_reg_write(TENSOR_CMD_SHAPE_REG_OFFSET,
                   TENSOR_CMD_SHAPE_M_ROWS_FIELD(c->m_rows) | TENSOR_CMD_SHAPE_K_ROWS_FIELD(c->k_rows));
  tensor_reg_write(TENSOR_CMD_PSUM_REG_OFFSET, TENSOR_CMD_PSUM_ADDR_FIELD(c->psum_addr));
  const uint32_t refused = TENSOR_ERR_CODE_COUNT_GET(tensor_reg_read(TENSOR_ERR_CODE_REG_OFFSET));
  intr_seen &= ~TENSOR_INTR_STATE_DONE_FIELD(1);
  tensor_reg_write(TENSOR_CTRL_REG_OFFSET, TENSOR_CTRL_START_FIELD(1));
  const uint32_t e = tensor_reg_read(TENSOR_ERR_CODE_REG_OFFSET);
  if (TENSOR_ERR_CODE_COUNT_GET(e) == refused) return TENSOR_ERR_CODE_NONE;
  tensor_reg_write(TENSOR_INTR_STATE_REG_OFFSET, TENSOR_INTR_STATE_ERROR_FIELD(1));
  intr_seen &= ~TENSOR_INTR_STATE_ERROR_FIELD(1);
  return TENSOR_ERR_CODE_CODE_GET(e);
}

static int feed(uint32_t reg, const uint16_t* rows, unsigned n, unsigned lanes) {
  const unsigned total = n * lanes;
  for (unsigned i = 0; i < total; i += 2) {
    const uint32_t hi = i + 1 < total ? rows[i + 1] : 0;
    mmio_write(MGMT_STREAM_BASE, reg, rows[i] | hi << 16);
  }
  if (mmio_read(MGMT_STREAM_BASE, MGMT_STREAM_STATUS) & 1u) {
    mmio_write(MGMT_STREAM_BASE, MGMT_STREAM_STATUS, 1u);
    return -1;
  }
  return 0;
}
int tensor_feed_weights(const uint16_t* rows, unsigned n, unsigned lanes) {
  return feed(MGMT_STREAM_WEIGHT, rows, n, lanes);
}
int tensor_feed_acts(const uint16_t* rows, unsigned n, unsigned lanes) {
  return feed(MGMT_STREAM_ACT, rows, n, lanes);
}

int tensor_wait_cmds(uint32_t target, uint32_t timeout_us) {
  const uint64_t deadline = rt_deadline_us(timeout_us);
  for (;;) {
    if ((int32_t)(tensor_reg_read(TENSOR_CMDS_DONE_REG_OFFSET) - target) >= 0) return 0;
    if (!rt_wait_event(&intr_seen, TENSOR_INTR_STATE_DONE_FIELD(1), deadline))
      return (int32_t)(tensor_reg_read(TENSOR_CMDS_DONE_REG_OFFSET) - target) >= 0 ? 0 : -1;
    intr_seen &= ~TENSOR_INTR_STATE_DONE_FIELD(1);
  }
}

void tensor_read_result(unsigned psum_row, unsigned cols, uint32_t* out) {
  const volatile uint32_t* p =
      (const volatile uint32_t*)(uintptr_t)(MGMT_TENSOR_RESULT_BASE + psum_row * cols * 4u);
  for (unsigned c = 0; c < cols; ++c) out[c] = p[c];
}

void tensor_clear_results(unsigned rows, unsigned cols, uint32_t pattern) {
  volatile uint32_t* p = (volatile uint32_t*)(uintptr_t)MGMT_TENSOR_RESULT_BASE;
  for (unsigned i = 0; i < rows * cols; ++i) p[i] = pattern;
}
