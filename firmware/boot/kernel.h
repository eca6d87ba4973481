/* KERNEL_LAUNCH: runs a kernel placed in HBM by the host on a NeuronCore
   through its control registers (systemc/mgmt/mgmt_launch.h). */
#ifndef TRNSIM_FW_KERNEL_H_
#define TRNSIM_FW_KERNEL_H_

#include <stdint.h>

/* MAILBOX_STATUS_* and out[3] as documented in mgmt_launch.h. */
uint32_t kernel_launch(uint32_t core, uint32_t block_addr, uint32_t out[3]);
/* Core interrupts taken since boot. */
uint32_t kernel_irq_count(void);

#endif
