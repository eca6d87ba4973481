/* External interrupts through the interrupt controller: a software-forced
   source (5), then a hardware line (7) that the host test raises at 50 us.
   Also a machine software interrupt through the CLINT's MSIP. */
#include <stdio.h>

#include "clint.h"
#include "intc.h"
#include "rt.h"

static volatile unsigned hits[32];
static volatile unsigned soft;

static void on_source(unsigned s, void* ctx) {
  (void)ctx;
  ++hits[s];
  if (s == 5) intc_force(5, 0);
  else intc_disable(s); /* a hardware line: masked until the next test step */
}
static void on_soft(void) {
  clint_set_msip(0);
  ++soft;
}

int main(void) {
  int bad = 0;
  intc_register(5, on_source, 0);
  intc_register(7, on_source, 0);
  rt_set_software_handler(on_soft);
  csr_set(mie, MIE_MEIE | MIE_MSIE);
  irq_global_enable();

  clint_set_msip(1);
  while (!soft) wfi();
  printf("msip: software interrupt taken\n");

  intc_enable(5);
  intc_force(5, 1);
  while (!hits[5]) wfi();
  printf("intc: forced source 5 taken, claim now %d\n", intc_claim());
  bad |= intc_claim() != -1;

  intc_enable(7);
  while (!hits[7]) wfi();
  printf("intc: source 7 taken at mtime %lu, raw 0x%08lx\n", (unsigned long)clint_mtime(),
         (unsigned long)intc_raw());
  bad |= hits[5] != 1 || hits[7] != 1 || intc_dispatched() != 2;
  printf("irq test: %s\n", bad ? "FAIL" : "PASS");
  return bad;
}
