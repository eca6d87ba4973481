/* Timer interrupts on the management subsystem: three ticks 100 us apart,
   the core asleep in WFI between them. Exit 0 when every tick came no
   earlier than programmed; the host test also checks the simulated time and
   that the core did not spin. */
#include <stdio.h>

#include "clint.h"
#include "rt.h"

static volatile unsigned ticks;
static uint64_t next, period;
static uint64_t seen[3];

static void on_timer(void) {
  seen[ticks < 3 ? ticks : 2] = clint_mtime();
  ++ticks;
  next += period;
  if (ticks < 3) clint_set_cmp(next);
  else clint_disable_cmp();
}

int main(void) {
  period = (uint64_t)clint_freq_khz() / 10; /* 100 us */
  printf("timer test: period %lu ticks\n", (unsigned long)period);
  rt_set_timer_handler(on_timer);
  next = clint_mtime() + period;
  const uint64_t start = next - period;
  clint_set_cmp(next);
  csr_set(mie, MIE_MTIE);
  irq_global_enable();
  while (ticks < 3) wfi();
  irq_global_disable();
  int bad = 0;
  for (unsigned i = 0; i < 3; ++i) {
    printf("tick %u at mtime %lu\n", i, (unsigned long)(seen[i] - start));
    if (seen[i] < start + (i + 1) * period) bad = 1;
  }
  printf("timer test: %s\n", bad ? "FAIL" : "PASS");
  return bad;
}
