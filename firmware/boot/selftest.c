/* DMA and tensor self-tests: see selftest.h. */
#include "selftest.h"

#include <stdio.h>
#include <string.h>

#include "dma.h"
#include "mailbox.h"
#include "memtest.h"
#include "mgmt_map.h"
#include "tensor.h"
#include "tensor_kat.h"

/* Device-memory layout of the self-tests (all inside MGMT_DEVMEM, management
   addresses; the DMA engine gets the chip addresses, MGMT_TO_CHIP). */
#define ST_RING (MGMT_DEVMEM_BASE + 0x0000u)  /* the self-test queue's ring, 8 entries */
#define ST_RING_ENTRIES 8u
#define ST_SRC (MGMT_DEVMEM_BASE + 0x1000u)   /* pattern source */
#define ST_DST (MGMT_DEVMEM_BASE + 0x2003u)   /* destination, deliberately unaligned */
#define ST_LEN 1000u
#define ST_GUARD 8u                            /* bytes checked untouched around ST_DST */
#define ST_MEMTEST (MGMT_DEVMEM_BASE + 0x8000u) /* boot memory test of device memory */
/* The queue's window (chip addresses): the first 960 KiB of device memory. */
#define ST_WIN_BASE MGMT_TO_CHIP(MGMT_DEVMEM_BASE)
#define ST_WIN_LIMIT (ST_WIN_BASE + 0xF0000u)
/* Fault injection: a destination (chip address) past the window. */
#define ST_BAD_DST (MGMT_TO_CHIP(MGMT_DEVMEM_BASE) + MGMT_DEVMEM_SIZE + 0x100u)
#define ST_TIMEOUT_US 2000u

#define ENGINE_DMA 1u
#define ENGINE_TENSOR 2u

static int have_dma, have_tensor;
/* The firmware's DMA queue: the last queue of DMA engine 0, so kernels (which
   use the low ISA queues on the chip) and the firmware do not share a queue. */
static struct dma_queue q0;
static uint32_t runs, passed, failed;

static const char* dma_err_name(uint32_t code) {
  switch (code) {
    case DMA_ERR_CODE_NONE: return "NONE";
    case DMA_ERR_CODE_RING_CONFIG: return "RING_CONFIG";
    case DMA_ERR_CODE_DESC_READ: return "DESC_READ";
    case DMA_ERR_CODE_ZERO_LEN: return "ZERO_LEN";
    case DMA_ERR_CODE_LEN_TOO_BIG: return "LEN_TOO_BIG";
    case DMA_ERR_CODE_SRC_WINDOW: return "SRC_WINDOW";
    case DMA_ERR_CODE_DST_WINDOW: return "DST_WINDOW";
    case DMA_ERR_CODE_READ_ERR: return "READ_ERR";
    case DMA_ERR_CODE_WRITE_ERR: return "WRITE_ERR";
    case DMA_ERR_CODE_CPL_WRITE_ERR: return "CPL_WRITE_ERR";
  }
  return "?";
}

static const char* tensor_err_name(uint32_t code) {
  switch (code) {
    case TENSOR_ERR_CODE_NONE: return "NONE";
    case TENSOR_ERR_CODE_BAD_DTYPE: return "BAD_DTYPE";
    case TENSOR_ERR_CODE_BAD_K: return "BAD_K";
    case TENSOR_ERR_CODE_BAD_M: return "BAD_M";
    case TENSOR_ERR_CODE_PSUM_RANGE: return "PSUM_RANGE";
    case TENSOR_ERR_CODE_NO_WEIGHTS: return "NO_WEIGHTS";
    case TENSOR_ERR_CODE_QUEUE_FULL: return "QUEUE_FULL";
  }
  return "?";
}

int selftest_dma_present(void) { return have_dma; }
int selftest_tensor_present(void) { return have_tensor; }
uint32_t selftest_passed(void) { return passed; }
uint32_t selftest_failed(void) { return failed; }

void selftest_init(void) {
  have_dma = dma_present();
  have_tensor = tensor_present();
  if (have_dma) {
    const uint32_t cfg = dma_reg_read(DMA_CONFIG_REG_OFFSET);
    printf("dma: engine at 0x%08x, %lu queues, %lu-byte bus\n", MGMT_DMA_CSR_BASE,
           (unsigned long)DMA_CONFIG_NUM_QUEUES_GET(cfg), (unsigned long)DMA_CONFIG_DATA_BYTES_GET(cfg));
    const unsigned q = DMA_CONFIG_NUM_QUEUES_GET(cfg) - 1;
    dma_queue_setup(&q0, q, ST_RING, ST_RING_ENTRIES, ST_WIN_BASE, ST_WIN_LIMIT);
    dma_irq_init(MGMT_IRQ_DMA, q);
  } else {
    printf("dma: no engine at 0x%08x\n", MGMT_DMA_CSR_BASE);
  }
  if (have_tensor) {
    struct tensor_geometry g;
    tensor_geometry(&g);
    printf("tensor: engine at 0x%08x, %ux%u array, PSUM depth %u\n", MGMT_TENSOR_CSR_BASE, g.rows,
           g.cols, g.psum_depth);
    tensor_irq_init(MGMT_IRQ_TENSOR);
  } else {
    printf("tensor: no engine at 0x%08x\n", MGMT_TENSOR_CSR_BASE);
  }
}

static uint32_t result(uint32_t st) {
  if (st == MAILBOX_STATUS_OK) ++passed;
  else if (st != MAILBOX_STATUS_NO_DEVICE && st != MAILBOX_STATUS_HW_ERROR) ++failed;
  return st;
}

uint32_t selftest_devmem(uint32_t bytes) {
  if (!have_dma) return 0;
  uint32_t got = 0, want = 0;
  const uintptr_t bad = memtest((volatile uint32_t*)(uintptr_t)ST_MEMTEST, bytes, &got, &want);
  if (bad) {
    printf("devmem memtest: FAIL at 0x%08lx: read 0x%08lx, wrote 0x%08lx\n", (unsigned long)bad,
           (unsigned long)got, (unsigned long)want);
    ++failed;
    return (uint32_t)bad;
  }
  printf("devmem memtest: %lu KiB at 0x%08x: PASS\n", (unsigned long)(bytes / 1024), ST_MEMTEST);
  ++passed;
  return 0;
}

void selftest_dma_prepare(void) {
  if (have_dma) dma_queue_setup(&q0, q0.q, ST_RING, ST_RING_ENTRIES, ST_WIN_BASE, ST_WIN_LIMIT);
}

/* Recovers queue 0 after an error and fills the HW_ERROR reply. */
static uint32_t dma_report_error(uint32_t out[3]) {
  uint32_t addr = 0;
  const uint32_t code = dma_error(&q0, &addr);
  printf("dma: queue %u stopped: error %lu (%s) at 0x%08lx; resetting the queue\n", q0.q,
         (unsigned long)code, dma_err_name(code), (unsigned long)addr);
  dma_queue_reset(&q0);
  out[0] = code;
  out[1] = addr;
  out[2] = ENGINE_DMA;
  return MAILBOX_STATUS_HW_ERROR;
}

uint32_t selftest_dma(int inject_fault, uint32_t out[3]) {
  if (!have_dma) return MAILBOX_STATUS_NO_DEVICE;
  ++runs;
  if (inject_fault) {
    printf("dma: fault injection: descriptor to 0x%08lx, outside the window [0x%08x, 0x%08x)\n",
           (unsigned long)ST_BAD_DST, ST_WIN_BASE, ST_WIN_LIMIT);
    if (dma_push(&q0, MGMT_TO_CHIP(ST_SRC), ST_BAD_DST, 64, DMA_FLAG_IRQ) < 0) return result(MAILBOX_STATUS_TEST_FAILED);
    dma_doorbell(&q0);
    const enum dma_wait_result w = dma_wait(&q0, ST_TIMEOUT_US);
    if (w == DMA_WAIT_ERROR) return dma_report_error(out);
    out[0] = ENGINE_DMA;
    printf("dma: fault injection: expected an error, got %s\n", w == DMA_WAIT_DONE ? "done" : "timeout");
    return result(w == DMA_WAIT_DONE ? MAILBOX_STATUS_TEST_FAILED : MAILBOX_STATUS_TIMEOUT);
  }
  /* Pattern (different every run), cleared destination with guard bytes. */
  volatile uint32_t* src = (volatile uint32_t*)(uintptr_t)ST_SRC;
  volatile uint8_t* dst = (volatile uint8_t*)(uintptr_t)ST_DST;
  for (uint32_t i = 0; i < ST_LEN / 4; ++i) src[i] = (i * 0x9E3779B1u) ^ (runs << 24) ^ 0xA5u;
  for (uint32_t i = 0; i < ST_LEN + 2 * ST_GUARD; ++i) dst[(int32_t)i - (int32_t)ST_GUARD] = 0xEE;
  if (dma_push(&q0, MGMT_TO_CHIP(ST_SRC), MGMT_TO_CHIP(ST_DST), ST_LEN, DMA_FLAG_IRQ) < 0) return result(MAILBOX_STATUS_TEST_FAILED);
  dma_doorbell(&q0);
  const enum dma_wait_result w = dma_wait(&q0, ST_TIMEOUT_US);
  if (w == DMA_WAIT_ERROR) return dma_report_error(out);
  if (w == DMA_WAIT_TIMEOUT) {
    printf("dma: self-test: no completion within %u us\n", ST_TIMEOUT_US);
    dma_queue_reset(&q0);
    out[0] = ENGINE_DMA;
    return result(MAILBOX_STATUS_TIMEOUT);
  }
  const volatile uint8_t* s8 = (const volatile uint8_t*)(uintptr_t)ST_SRC;
  for (uint32_t i = 0; i < ST_LEN + 2 * ST_GUARD; ++i) {
    const int32_t j = (int32_t)i - (int32_t)ST_GUARD;
    const uint8_t want = (j < 0 || j >= (int32_t)ST_LEN) ? 0xEE : s8[j];
    const uint8_t got = dst[j];
    if (got != want) {
      printf("dma: self-test FAIL: byte %ld at 0x%08lx: read 0x%02x, expected 0x%02x\n", (long)j,
             (unsigned long)(ST_DST + j), got, want);
      out[0] = (uint32_t)j;
      out[1] = got;
      out[2] = want;
      return result(MAILBOX_STATUS_TEST_FAILED);
    }
  }
  out[0] = ST_LEN;
  out[1] = dma_reg_read(DMA_DESCS_DONE_REG_OFFSET);
  out[2] = dma_irq_count();
  printf("dma: self-test PASS: %u bytes 0x%08x -> 0x%08x\n", ST_LEN, ST_SRC, ST_DST);
  return result(MAILBOX_STATUS_OK);
}

uint32_t selftest_tensor(int inject_fault, uint32_t out[3]) {
  if (!have_tensor) return MAILBOX_STATUS_NO_DEVICE;
  struct tensor_geometry g;
  tensor_geometry(&g);
  struct tensor_cmd c = {TENSOR_DTYPE_BF16, TENSOR_DTYPE_BF16, 1, 0, 1, 1, KAT_M, KAT_K, 0};
  if (inject_fault) {
    c.k_rows = 0;
    printf("tensor: fault injection: a command with K_ROWS = 0\n");
    const uint32_t code = tensor_start(&c);
    if (code == TENSOR_ERR_CODE_NONE) {
      printf("tensor: fault injection: the command was accepted\n");
      return result(MAILBOX_STATUS_TEST_FAILED);
    }
    const uint32_t count = TENSOR_ERR_CODE_COUNT_GET(tensor_reg_read(TENSOR_ERR_CODE_REG_OFFSET));
    printf("tensor: command refused: error %lu (%s), %lu refusals\n", (unsigned long)code,
           tensor_err_name(code), (unsigned long)count);
    out[0] = code;
    out[1] = count;
    out[2] = ENGINE_TENSOR;
    return MAILBOX_STATUS_HW_ERROR;
  }
  if (g.rows < KAT_K || g.cols < KAT_N || g.rows > KAT_MAX_LANES || g.cols > KAT_MAX_LANES ||
      g.psum_depth < KAT_M) {
    printf("tensor: the %ux%u array does not fit the %ux%ux%u known-answer test\n", g.rows, g.cols,
           KAT_M, KAT_K, KAT_N);
    return result(MAILBOX_STATUS_TEST_FAILED);
  }
  /* Rows padded to the array's lanes with zeros (static: 4 KiB at the
     largest array would crowd the 8 KiB stack). */
  static uint16_t w[KAT_K][KAT_MAX_LANES], a[KAT_M][KAT_MAX_LANES];
  memset(w, 0, sizeof w);
  memset(a, 0, sizeof a);
  for (unsigned k = 0; k < KAT_K; ++k)
    for (unsigned n = 0; n < KAT_N; ++n) w[k][n] = kat_w[k][n];
  for (unsigned m = 0; m < KAT_M; ++m)
    for (unsigned k = 0; k < KAT_K; ++k) a[m][k] = kat_a[m][k];
  tensor_clear_results(KAT_M, g.cols, 0xDEADBEEFu);
  const uint32_t done0 = tensor_reg_read(TENSOR_CMDS_DONE_REG_OFFSET);
  const uint32_t code = tensor_start(&c);
  if (code != TENSOR_ERR_CODE_NONE) {
    printf("tensor: known-answer command refused: error %lu (%s)\n", (unsigned long)code,
           tensor_err_name(code));
    out[0] = code;
    out[2] = ENGINE_TENSOR;
    return result(MAILBOX_STATUS_HW_ERROR);
  }
  for (unsigned k = 0; k < KAT_K; ++k)
    if (tensor_feed_weights(w[k], 1, g.cols) != 0) {
      printf("tensor: weight row %u refused by the stream\n", k);
      out[0] = ENGINE_TENSOR;
      return result(MAILBOX_STATUS_TEST_FAILED);
    }
  for (unsigned m = 0; m < KAT_M; ++m)
    if (tensor_feed_acts(a[m], 1, g.rows) != 0) {
      printf("tensor: activation row %u refused by the stream\n", m);
      out[0] = ENGINE_TENSOR;
      return result(MAILBOX_STATUS_TEST_FAILED);
    }
  if (tensor_wait_cmds(done0 + 1, ST_TIMEOUT_US) != 0) {
    printf("tensor: known-answer command did not complete within %u us\n", ST_TIMEOUT_US);
    out[0] = ENGINE_TENSOR;
    return result(MAILBOX_STATUS_TIMEOUT);
  }
  for (unsigned m = 0; m < KAT_M; ++m) {
    static uint32_t row[KAT_MAX_LANES];
    tensor_read_result(m, g.cols, row);
    for (unsigned n = 0; n < KAT_N; ++n)
      if (row[n] != kat_c[m][n]) {
        printf("tensor: known-answer test FAIL: C[%u][%u] = 0x%08lx, expected 0x%08lx\n", m, n,
               (unsigned long)row[n], (unsigned long)kat_c[m][n]);
        out[0] = m * KAT_N + n;
        out[1] = row[n];
        out[2] = kat_c[m][n];
        return result(MAILBOX_STATUS_TEST_FAILED);
      }
  }
  out[0] = KAT_M * KAT_N;
  out[1] = tensor_reg_read(TENSOR_CMDS_DONE_REG_OFFSET);
  out[2] = tensor_reg_read(TENSOR_MACS_REG_OFFSET);
  printf("tensor: known-answer test PASS: %ux%ux%u BF16 GEMM, %u results match\n", KAT_M, KAT_K,
         KAT_N, KAT_M * KAT_N);
  return result(MAILBOX_STATUS_OK);
}
