/* Kernel launch through the NeuronCore control registers (rtl/regs/core.json):
   see kernel.h and docs/firmware.md "Kernel launch". */
#include "kernel.h"

#include <stdio.h>

#include "core_regs.h"
#include "intc.h"
#include "mailbox.h"
#include "mgmt_launch.h"
#include "mgmt_map.h"
#include "rt.h"

#define MAX_CORES 28u /* cores with an interrupt line of their own (MGMT_IRQ_CORE) */

static volatile uint32_t intr_seen; /* core INTR_STATE bits collected by the handler */
static uint32_t irqs;
static uint32_t wired[(MAX_CORES + 31) / 32];

static uint32_t core_read(uint32_t core, uint32_t off) {
  return *(volatile uint32_t*)(uintptr_t)(MGMT_CORE_BASE(core) + MGMT_CORE_CTRL + off);
}
static void core_write(uint32_t core, uint32_t off, uint32_t v) {
  *(volatile uint32_t*)(uintptr_t)(MGMT_CORE_BASE(core) + MGMT_CORE_CTRL + off) = v;
}

/* Level interrupt of core ctx (its DONE/ERROR): collect and clear. */
static void core_irq(unsigned source, void* ctx) {
  (void)source;
  const uint32_t core = (uint32_t)(uintptr_t)ctx;
  ++irqs;
  const uint32_t st = core_read(core, CORE_INTR_STATE_REG_OFFSET);
  intr_seen |= st;
  core_write(core, CORE_INTR_STATE_REG_OFFSET, st);
}

uint32_t kernel_irq_count(void) { return irqs; }

static uint32_t core_error(uint32_t core, uint32_t out[3]) {
  const uint32_t ec = core_read(core, CORE_ERR_CODE_REG_OFFSET);
  out[0] = CORE_ERR_CODE_CODE_GET(ec);
  out[1] = core_read(core, CORE_ERR_INDEX_REG_OFFSET);
  out[2] = MGMT_ENGINE_CORE | CORE_ERR_CODE_ENGINE_GET(ec) << 8;
  printf("kernel: core %lu stopped: error %lu, engine %lu, instruction %lu\n", (unsigned long)core,
         (unsigned long)out[0], (unsigned long)CORE_ERR_CODE_ENGINE_GET(ec), (unsigned long)out[1]);
  return MAILBOX_STATUS_HW_ERROR;
}

uint32_t kernel_launch(uint32_t core, uint32_t block_addr, uint32_t out[3]) {
  if (core >= MAX_CORES) return MAILBOX_STATUS_BAD_ARG;
  uint32_t id = 0;
  if (!rt_probe_read32(MGMT_CORE_BASE(core) + MGMT_CORE_CTRL + CORE_ID_REG_OFFSET, &id) ||
      CORE_ID_MAGIC_GET(id) != CORE_ID_MAGIC_RESET)
    return MAILBOX_STATUS_NO_DEVICE;
  if ((block_addr & 7u) || block_addr > MGMT_HBM_SIZE - sizeof(struct mgmt_launch_block)) {
    printf("kernel: launch block at 0x%08lx: not 8-byte aligned or outside the HBM window\n",
           (unsigned long)block_addr);
    return MAILBOX_STATUS_BAD_ARG;
  }
  const volatile struct mgmt_launch_block* b =
      (const volatile struct mgmt_launch_block*)(uintptr_t)MGMT_FROM_CHIP(block_addr);
  const uint32_t nsems = CORE_CONFIG_NUM_SEMS_GET(core_read(core, CORE_CONFIG_REG_OFFSET));
  if (b->magic != MGMT_LAUNCH_MAGIC || b->num_waits > MGMT_LAUNCH_MAX_WAITS || b->zero_sems > nsems) {
    printf("kernel: bad launch block at 0x%08lx (magic 0x%08lx, %lu waits, %lu semaphores to zero)\n",
           (unsigned long)block_addr, (unsigned long)b->magic, (unsigned long)b->num_waits,
           (unsigned long)b->zero_sems);
    return MAILBOX_STATUS_BAD_ARG;
  }
  const uint32_t status = core_read(core, CORE_STATUS_REG_OFFSET);
  if (CORE_STATUS_STOPPED_GET(status)) return core_error(core, out); /* no reset: it stays stopped */
  if (CORE_STATUS_RUNNING_GET(status)) {
    printf("kernel: core %lu is running\n", (unsigned long)core);
    return MAILBOX_STATUS_BAD_ARG;
  }
  uint32_t mask = 0;
  for (uint32_t e = 0; e < MGMT_LAUNCH_ENGINES; ++e)
    if (b->engine[e].count) mask |= 1u << e;
  if (!mask) return MAILBOX_STATUS_BAD_ARG;

  if (!(wired[core / 32] & (1u << (core % 32)))) {
    intc_register(MGMT_IRQ_CORE(core), core_irq, (void*)(uintptr_t)core);
    wired[core / 32] |= 1u << (core % 32);
  }
  for (uint32_t s = 0; s < b->zero_sems; ++s) {
    core_write(core, CORE_SEM_INDEX_REG_OFFSET, s);
    core_write(core, CORE_SEM_WRITE_REG_OFFSET, 0);
  }
  for (uint32_t e = 0; e < MGMT_LAUNCH_ENGINES; ++e) {
    const uint32_t o = e * (CORE_E1_PROG_LO_REG_OFFSET - CORE_E0_PROG_LO_REG_OFFSET);
    core_write(core, CORE_E0_PROG_LO_REG_OFFSET + o, b->engine[e].prog_lo);
    core_write(core, CORE_E0_PROG_HI_REG_OFFSET + o, b->engine[e].prog_hi);
    core_write(core, CORE_E0_COUNT_REG_OFFSET + o, b->engine[e].count);
  }
  const uint32_t both = CORE_INTR_STATE_DONE_FIELD(1) | CORE_INTR_STATE_ERROR_FIELD(1);
  core_write(core, CORE_INTR_STATE_REG_OFFSET, both);
  intr_seen = 0;
  core_write(core, CORE_INTR_ENABLE_REG_OFFSET, both);
  intc_enable(MGMT_IRQ_CORE(core));
  const uint64_t deadline = rt_deadline_us(b->timeout_us ? b->timeout_us : MGMT_LAUNCH_DEFAULT_TIMEOUT_US);
  const uint64_t c0 = rdcycle64();
  core_write(core, CORE_CTRL_REG_OFFSET, CORE_CTRL_START_FIELD(mask));

  int timed_out = 0;
  while (!(intr_seen & both)) {
    if (!rt_wait_event(&intr_seen, both, deadline)) {
      timed_out = !(core_read(core, CORE_INTR_STATE_REG_OFFSET) & both);
      break;
    }
  }
  if (CORE_STATUS_STOPPED_GET(core_read(core, CORE_STATUS_REG_OFFSET))) return core_error(core, out);
  /* The engines ended; the kernel's last DMAs complete when their semaphores count. */
  for (uint32_t i = 0; i < b->num_waits && !timed_out; ++i) {
    core_write(core, CORE_SEM_INDEX_REG_OFFSET, b->wait[i].sem);
    while ((int32_t)(core_read(core, CORE_SEM_VALUE_REG_OFFSET) - b->wait[i].value) < 0) {
      if (CORE_STATUS_STOPPED_GET(core_read(core, CORE_STATUS_REG_OFFSET))) return core_error(core, out);
      if ((int64_t)(rt_deadline_us(0) - deadline) >= 0) {
        timed_out = 1;
        break;
      }
    }
  }
  const uint64_t cycles = rdcycle64() - c0;
  if (timed_out) {
    printf("kernel: core %lu did not finish in time (STATUS 0x%08lx)\n", (unsigned long)core,
           (unsigned long)core_read(core, CORE_STATUS_REG_OFFSET));
    out[0] = MGMT_ENGINE_CORE;
    return MAILBOX_STATUS_TIMEOUT;
  }
  out[0] = (uint32_t)cycles;
  out[1] = (uint32_t)(cycles >> 32);
  out[2] = CORE_STATUS_DONE_GET(core_read(core, CORE_STATUS_REG_OFFSET));
  printf("kernel: core %lu done in %lu cycles (engines 0x%lx)\n", (unsigned long)core,
         (unsigned long)cycles, (unsigned long)out[2]);
  return MAILBOX_STATUS_OK;
}
