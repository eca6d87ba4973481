#include "mailbox.h"

#include "mmio.h"

int mailbox_pending(void) {
  return MAILBOX_H2F_DOORBELL_PENDING_GET(mmio_read(MGMT_MAILBOX_BASE, MAILBOX_H2F_DOORBELL_REG_OFFSET));
}

void mailbox_read(struct mailbox_msg* m) {
  const uint32_t c = mmio_read(MGMT_MAILBOX_BASE, MAILBOX_H2F_CMD_REG_OFFSET);
  m->cmd = MAILBOX_H2F_CMD_CMD_GET(c);
  m->seq = MAILBOX_H2F_CMD_SEQ_GET(c);
  m->arg[0] = mmio_read(MGMT_MAILBOX_BASE, MAILBOX_H2F_ARG0_REG_OFFSET);
  m->arg[1] = mmio_read(MGMT_MAILBOX_BASE, MAILBOX_H2F_ARG1_REG_OFFSET);
  m->arg[2] = mmio_read(MGMT_MAILBOX_BASE, MAILBOX_H2F_ARG2_REG_OFFSET);
  mmio_write(MGMT_MAILBOX_BASE, MAILBOX_H2F_DOORBELL_REG_OFFSET,
             MAILBOX_H2F_DOORBELL_PENDING_FIELD(1u));
}

void mailbox_reply(uint32_t seq, uint32_t status, uint32_t d0, uint32_t d1, uint32_t d2) {
  mmio_write(MGMT_MAILBOX_BASE, MAILBOX_F2H_DATA0_REG_OFFSET, d0);
  mmio_write(MGMT_MAILBOX_BASE, MAILBOX_F2H_DATA1_REG_OFFSET, d1);
  mmio_write(MGMT_MAILBOX_BASE, MAILBOX_F2H_DATA2_REG_OFFSET, d2);
  mmio_write(MGMT_MAILBOX_BASE, MAILBOX_F2H_STATUS_REG_OFFSET,
             MAILBOX_F2H_STATUS_CODE_FIELD(status) | MAILBOX_F2H_STATUS_SEQ_FIELD(seq));
  mmio_write(MGMT_MAILBOX_BASE, MAILBOX_F2H_DOORBELL_REG_OFFSET, MAILBOX_F2H_DOORBELL_RING_FIELD(1u));
}

void mailbox_irq_enable(int on) {
  mmio_write(MGMT_MAILBOX_BASE, MAILBOX_IRQ_ENABLE_REG_OFFSET,
             MAILBOX_IRQ_ENABLE_H2F_FIELD(on ? 1u : 0u));
}

void mailbox_set_scratch(uint32_t v) { mmio_write(MGMT_MAILBOX_BASE, MAILBOX_SCRATCH_REG_OFFSET, v); }

void mailbox_exit(int status) {
  for (;;) {
    mmio_write(MGMT_MAILBOX_BASE, MAILBOX_EXIT_REG_OFFSET, MAILBOX_EXIT_CODE_FIELD((uint32_t)status));
    __asm__ volatile("wfi");
  }
}
