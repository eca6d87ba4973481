/* Interrupt-controller driver (rtl/regs/intc.json): 32 level sources;
   source 0 is the mailbox (MGMT_IRQ_MAILBOX), the chip wires 1..31. */
#ifndef TRNSIM_FW_INTC_H_
#define TRNSIM_FW_INTC_H_

#include <stdint.h>

#define INTC_NUM_SOURCES 32u

typedef void (*intc_handler_t)(unsigned source, void* ctx);

void intc_enable(unsigned source);
void intc_disable(unsigned source);
uint32_t intc_raw(void);
uint32_t intc_pending(void);
int intc_claim(void);                  /* lowest pending source, -1 if none */
void intc_force(unsigned source, int on);  /* software-asserted source (self-test) */
void intc_register(unsigned source, intc_handler_t h, void* ctx);
/* Serves every pending source once (the default external-interrupt hook).
   A pending source without a handler is disabled and reported. */
void intc_dispatch(void);
uint32_t intc_dispatched(void);        /* handlers called since boot */

#endif
