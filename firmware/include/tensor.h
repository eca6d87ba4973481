/* Tensor engine driver (rtl/regs/tensor.json, programming model in
   docs/tensor.md). Offsets and fields from the generated tensor_regs.h; the
   engine's CSRs are at MGMT_TENSOR_CSR_BASE, its streams are fed through the
   stream port at MGMT_STREAM_BASE and its result rows land at
   MGMT_TENSOR_RESULT_BASE (mgmt_map.h). */
#ifndef TRNSIM_FW_TENSOR_H_
#define TRNSIM_FW_TENSOR_H_

#include <stdint.h>

#include "tensor_regs.h"

struct tensor_geometry {
  unsigned rows, cols, psum_depth;
};

struct tensor_cmd {
  unsigned dtype_a, dtype_w; /* TENSOR_DTYPE_* */
  int load_w, accumulate, emit, irq;
  unsigned m_rows, k_rows, psum_addr;
};

int tensor_present(void); /* the ID magic answers at MGMT_TENSOR_CSR_BASE */
uint32_t tensor_reg_read(uint32_t off);
void tensor_reg_write(uint32_t off, uint32_t v);
void tensor_geometry(struct tensor_geometry* g);
void tensor_irq_init(unsigned irq_source); /* handler on intc source, DONE and ERROR enabled */

/* Programs and starts one command. Returns 0 if queued, else the refusal's
   ERR_CODE.CODE (TENSOR_ERR_CODE_*); the refusal's INTR_STATE.ERROR is cleared. */
uint32_t tensor_start(const struct tensor_cmd* c);
/* Feeds rows through the stream port: n rows of `lanes` 16-bit codes each
   (weights: COLS lanes, activations: ROWS lanes). Returns 0, or -1 if the
   port reported a refused row (its error is then cleared). */
int tensor_feed_weights(const uint16_t* rows, unsigned n, unsigned lanes);
int tensor_feed_acts(const uint16_t* rows, unsigned n, unsigned lanes);
/* Sleeps until CMDS_DONE reaches `target` (0 ok) or timeout_us passes (-1). */
int tensor_wait_cmds(uint32_t target, uint32_t timeout_us);
/* Result row psum_row (cols FP32 bit patterns) from the result window. */
void tensor_read_result(unsigned psum_row, unsigned cols, uint32_t* out);
void tensor_clear_results(unsigned rows, unsigned cols, uint32_t pattern);

uint32_t tensor_irq_count(void);

#endif
