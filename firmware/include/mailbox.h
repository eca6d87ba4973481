/* Host mailbox driver (rtl/regs/mailbox.json; protocol in docs/firmware.md). */
#ifndef TRNSIM_FW_MAILBOX_H_
#define TRNSIM_FW_MAILBOX_H_

#include <stdint.h>

#include "mailbox_regs.h"

struct mailbox_msg {
  uint32_t cmd;   /* MAILBOX_CMD_* */
  uint32_t seq;
  uint32_t arg[3];
};

int mailbox_pending(void);                       /* a host message is waiting */
void mailbox_read(struct mailbox_msg* m);        /* read it and clear the doorbell */
void mailbox_reply(uint32_t seq, uint32_t status, uint32_t d0, uint32_t d1, uint32_t d2);
void mailbox_irq_enable(int on);
void mailbox_set_scratch(uint32_t v);
void mailbox_exit(int status) __attribute__((noreturn));  /* ends the simulation */

#endif
