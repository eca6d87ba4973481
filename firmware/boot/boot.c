/* The boot program of the management core (docs/firmware.md): banner, memory
   test of the reserved RAM region, the engines' self-tests (device memory
   test, DMA loopback, tensor known-answer GEMM; skipped for an engine that is
   not there), then the host mailbox command loop (including KERNEL_LAUNCH on
   a NeuronCore of the chip, kernel.c). */
#include <stdint.h>
#include <stdio.h>

#include "clint.h"
#include "dma.h"
#include "intc.h"
#include "kernel.h"
#include "mailbox.h"
#include "memtest.h"
#include "mgmt_map.h"
#include "rt.h"
#include "selftest.h"
#include "tensor.h"

#define FW_VERSION 0x00010100u /* 1.1.0: major << 16 | minor << 8 | patch */
#define FW_READY 0x600DB007u   /* SCRATCH when the command loop is up */
#define FW_EXIT_MEMTEST 4      /* exit status: the memory test failed */

extern char __memtest_start[], __memtest_size[];

static volatile uint32_t doorbells; /* set by the mailbox interrupt */
static uint32_t commands, interrupts;

static void mailbox_irq(unsigned source, void* ctx) {
  (void)ctx;
  intc_disable(source); /* level source: off until the loop has served it */
  ++interrupts;
  doorbells = 1;
}

typedef uint32_t (*cmd_fn)(const struct mailbox_msg* m, uint32_t out[3]);
static uint32_t cmd_ping(const struct mailbox_msg* m, uint32_t out[3]) {
  (void)m;
  out[0] = 0x504f4e47u; /* 'PONG' */
  out[1] = FW_VERSION;
  return MAILBOX_STATUS_OK;
}
static uint32_t cmd_echo(const struct mailbox_msg* m, uint32_t out[3]) {
  for (int i = 0; i < 3; ++i) out[i] = m->arg[i];
  return MAILBOX_STATUS_OK;
}
static uint32_t cmd_counter(const struct mailbox_msg* m, uint32_t out[3]) {
  uint64_t v;
  switch (m->arg[0]) {
    case MAILBOX_COUNTER_MTIME: v = clint_mtime(); break;
    case MAILBOX_COUNTER_MCYCLE: v = rdcycle64(); break;
    case MAILBOX_COUNTER_MINSTRET: v = rdinstret64(); break;
    case MAILBOX_COUNTER_COMMANDS: v = commands; break;
    case MAILBOX_COUNTER_INTERRUPTS: v = interrupts + dma_irq_count() + tensor_irq_count() + kernel_irq_count(); break;
    case MAILBOX_COUNTER_SELFTESTS: v = selftest_passed() | (uint64_t)selftest_failed() << 32; break;
    case MAILBOX_COUNTER_DMA_BYTES:
    case MAILBOX_COUNTER_DMA_DESCS:
    case MAILBOX_COUNTER_DMA_ERRORS:
      if (!selftest_dma_present()) return MAILBOX_STATUS_NO_DEVICE;
      v = dma_reg_read(m->arg[0] == MAILBOX_COUNTER_DMA_BYTES   ? DMA_BYTES_MOVED_REG_OFFSET
                       : m->arg[0] == MAILBOX_COUNTER_DMA_DESCS ? DMA_DESCS_DONE_REG_OFFSET
                                                                : DMA_ERRORS_REG_OFFSET);
      break;
    case MAILBOX_COUNTER_TENSOR_CMDS:
    case MAILBOX_COUNTER_TENSOR_MACS:
      if (!selftest_tensor_present()) return MAILBOX_STATUS_NO_DEVICE;
      v = tensor_reg_read(m->arg[0] == MAILBOX_COUNTER_TENSOR_CMDS ? TENSOR_CMDS_DONE_REG_OFFSET
                                                                   : TENSOR_MACS_REG_OFFSET);
      break;
    default: return MAILBOX_STATUS_BAD_ARG;
  }
  out[0] = (uint32_t)v;
  out[1] = (uint32_t)(v >> 32);
  return MAILBOX_STATUS_OK;
}

static uint32_t cmd_dma_selftest(const struct mailbox_msg* m, uint32_t out[3]) {
  if (m->arg[0] > 1) return MAILBOX_STATUS_BAD_ARG;
  selftest_dma_prepare();
  return selftest_dma((int)m->arg[0], out);
}
static uint32_t cmd_tensor_selftest(const struct mailbox_msg* m, uint32_t out[3]) {
  if (m->arg[0] > 1) return MAILBOX_STATUS_BAD_ARG;
  return selftest_tensor((int)m->arg[0], out);
}

static uint32_t cmd_kernel_launch(const struct mailbox_msg* m, uint32_t out[3]) {
  if (m->arg[2] != 0) return MAILBOX_STATUS_BAD_ARG;
  return kernel_launch(m->arg[0], m->arg[1], out);
}

static const struct {
  uint32_t cmd;
  const char* name;
  cmd_fn fn;
} commands_table[] = {
    {MAILBOX_CMD_PING, "ping", cmd_ping},
    {MAILBOX_CMD_ECHO, "echo", cmd_echo},
    {MAILBOX_CMD_READ_COUNTER, "read-counter", cmd_counter},
    {MAILBOX_CMD_DMA_SELFTEST, "dma-selftest", cmd_dma_selftest},
    {MAILBOX_CMD_TENSOR_SELFTEST, "tensor-selftest", cmd_tensor_selftest},
    {MAILBOX_CMD_KERNEL_LAUNCH, "kernel-launch", cmd_kernel_launch},
};

/* Serves one message; returns -1 to go on, or an exit status. */
static int serve(const struct mailbox_msg* m) {
  uint32_t out[3] = {0, 0, 0};
  ++commands;
  if (m->cmd == MAILBOX_CMD_EXIT) {
    if (m->arg[0] > 255) {
      mailbox_reply(m->seq, MAILBOX_STATUS_BAD_ARG, 0, 0, 0);
      return -1;
    }
    printf("mailbox: exit %lu\n", (unsigned long)m->arg[0]);
    mailbox_reply(m->seq, MAILBOX_STATUS_OK, 0, 0, 0);
    return (int)m->arg[0];
  }
  for (unsigned i = 0; i < sizeof commands_table / sizeof commands_table[0]; ++i) {
    if (commands_table[i].cmd != m->cmd) continue;
    const uint32_t st = commands_table[i].fn(m, out);
    printf("mailbox: %s (seq %lu) -> status %lu\n", commands_table[i].name, (unsigned long)m->seq,
           (unsigned long)st);
    mailbox_reply(m->seq, st, out[0], out[1], out[2]);
    return -1;
  }
  printf("mailbox: unknown command %lu (seq %lu)\n", (unsigned long)m->cmd, (unsigned long)m->seq);
  mailbox_reply(m->seq, MAILBOX_STATUS_UNKNOWN_CMD, m->cmd, 0, 0);
  return -1;
}

int main(void) {
  printf("trnsim management firmware %lu.%lu.%lu\n", (unsigned long)(FW_VERSION >> 16),
         (unsigned long)((FW_VERSION >> 8) & 0xff), (unsigned long)(FW_VERSION & 0xff));
  printf("rom 0x%08x+0x%x  ram 0x%08x+0x%x  mtime %lu kHz\n", MGMT_ROM_BASE, MGMT_ROM_SIZE,
         MGMT_RAM_BASE, MGMT_RAM_SIZE, (unsigned long)clint_freq_khz());

  uint32_t got = 0, want = 0;
  const uint32_t size = (uint32_t)(uintptr_t)__memtest_size;
  const uintptr_t bad = memtest((volatile uint32_t*)__memtest_start, size, &got, &want);
  if (bad) {
    printf("memtest: FAIL at 0x%08lx: read 0x%08lx, wrote 0x%08lx\n", (unsigned long)bad,
           (unsigned long)got, (unsigned long)want);
    return FW_EXIT_MEMTEST;
  }
  printf("memtest: %lu KiB at 0x%08lx: PASS\n", (unsigned long)(size / 1024),
         (unsigned long)(uintptr_t)__memtest_start);

  /* The engines: probe, then the boot self-tests of those that are there.
     Interrupts are on for them (the tests sleep until their interrupts). */
  csr_set(mie, MIE_MEIE);
  irq_global_enable();
  selftest_init();
  uint32_t out[3];
  if (selftest_dma_present()) {
    selftest_devmem(4096);
    selftest_dma(0, out);
  }
  if (selftest_tensor_present()) selftest_tensor(0, out);
  printf("self-tests: %lu passed, %lu failed\n", (unsigned long)selftest_passed(),
         (unsigned long)selftest_failed());

  intc_register(MGMT_IRQ_MAILBOX, mailbox_irq, 0);
  mailbox_irq_enable(1);
  intc_enable(MGMT_IRQ_MAILBOX);
  csr_set(mie, MIE_MEIE);
  mailbox_set_scratch(FW_READY);
  printf("ready: serving the host mailbox\n");

  for (;;) {
    /* Sleep until the doorbell interrupt; MIE off around the check so the
       interrupt cannot slip in between the check and the WFI. */
    irq_global_disable();
    while (!doorbells) {
      wfi();
      irq_global_enable();
      irq_global_disable();
    }
    doorbells = 0;
    irq_global_enable();
    while (mailbox_pending()) {
      struct mailbox_msg m;
      mailbox_read(&m);
      const int status = serve(&m);
      if (status >= 0) return status;
    }
    intc_enable(MGMT_IRQ_MAILBOX);
  }
}
