/* C start-up (data, bss, TLS, constructors, main, exit), the trap handler
   with its fault report, and picolibc's console and exit hooks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clint.h"
#include "intc.h"
#include "mailbox.h"
#include "rt.h"
#include "uart.h"

extern char __data_source[], __data_start[], __data_size[], __bss_start[], __bss_size[],
    __tls_base[];
extern void __libc_init_array(void);
extern void _set_tls(void* tls); /* picolibc */
int main(void);

void rt_cstart(void) __attribute__((noreturn, used));
void rt_cstart(void) {
  memcpy(__data_start, __data_source, (size_t)__data_size);
  memset(__bss_start, 0, (size_t)__bss_size);
  _set_tls(__tls_base);
  __libc_init_array();
  exit(main());
}

/* picolibc: stdout/stderr are the UART; exit() ends up here. */
static int stdio_put(char c, FILE* f) {
  (void)f;
  if (c == '\n') uart_putc('\r');
  uart_putc(c);
  return (unsigned char)c;
}
static FILE uart_file = FDEV_SETUP_STREAM(stdio_put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE* const stdin = &uart_file;
FILE* const stdout = &uart_file;
FILE* const stderr = &uart_file;

void _exit(int status) { mailbox_exit(status); }

static irq_hook_t timer_hook, software_hook, external_hook = intc_dispatch;
void rt_set_timer_handler(irq_hook_t h) { timer_hook = h; }
void rt_set_software_handler(irq_hook_t h) { software_hook = h; }
void rt_set_external_handler(irq_hook_t h) { external_hook = h; }

static const char* cause_name(uint32_t c) {
  switch (c) {
    case 0: return "instruction address misaligned";
    case 1: return "instruction access fault";
    case 2: return "illegal instruction";
    case 3: return "breakpoint";
    case 4: return "load address misaligned";
    case 5: return "load access fault";
    case 6: return "store/AMO address misaligned";
    case 7: return "store/AMO access fault";
    case 11: return "environment call from M-mode";
    default: return "unknown exception";
  }
}

static void fault_report(const struct trap_frame* f, uint32_t mcause, uint32_t mepc, uint32_t mtval) {
  /* Plain uart_puts/printf: the report must get out even if the heap is gone. */
  printf("\n*** FAULT: %s\n", cause_name(mcause));
  printf("*** mcause 0x%08lx  mepc (pc) 0x%08lx  mtval 0x%08lx\n", (unsigned long)mcause,
         (unsigned long)mepc, (unsigned long)mtval);
  printf("*** ra 0x%08lx  sp 0x%08lx  gp 0x%08lx  tp 0x%08lx\n", (unsigned long)f->x[1],
         (unsigned long)f->x[2], (unsigned long)f->x[3], (unsigned long)f->x[4]);
  printf("*** a0 0x%08lx  a1 0x%08lx  a2 0x%08lx  a3 0x%08lx\n", (unsigned long)f->x[10],
         (unsigned long)f->x[11], (unsigned long)f->x[12], (unsigned long)f->x[13]);
  printf("*** firmware halted (exit status %d)\n", FW_EXIT_FAULT_BASE + (int)mcause);
  mailbox_exit(FW_EXIT_FAULT_BASE + (int)mcause);
}

static volatile int probe_active, probe_faulted;

int rt_probe_read32(uint32_t addr, uint32_t* value) {
  probe_faulted = 0;
  probe_active = 1;
  __asm__ volatile("" ::: "memory");
  const uint32_t v = *(volatile uint32_t*)(uintptr_t)addr;
  __asm__ volatile("" ::: "memory");
  probe_active = 0;
  if (probe_faulted) return 0;
  *value = v;
  return 1;
}

static void deadline_timer(void) { clint_disable_cmp(); }

uint64_t rt_deadline_us(uint32_t us) {
  return clint_mtime() + (uint64_t)us * clint_freq_khz() / 1000u;
}

uint32_t rt_wait_event(volatile uint32_t* flags, uint32_t mask, uint64_t deadline) {
  const uint32_t mie_was = csr_read(mstatus) & MSTATUS_MIE;
  irq_global_disable();
  const irq_hook_t old = timer_hook;
  timer_hook = deadline_timer;
  clint_set_cmp(deadline);
  csr_set(mie, MIE_MTIE);
  uint32_t got;
  /* MIE off around the check so an interrupt cannot slip in between the
     check and the WFI; WFI wakes on a pending enabled interrupt even so. */
  while (!(got = *flags & mask) && clint_mtime() < deadline) {
    wfi();
    irq_global_enable();
    irq_global_disable();
  }
  csr_clear(mie, MIE_MTIE);
  clint_disable_cmp();
  timer_hook = old;
  if (mie_was) irq_global_enable();
  return got;
}

void rt_trap(struct trap_frame* f) {
  const uint32_t mcause = csr_read(mcause);
  const uint32_t mepc = csr_read(mepc);
  const uint32_t mtval = csr_read(mtval);
  if (mcause == 5 && probe_active) {
    /* rt_probe_read32's load faulted: skip it (2 or 4 bytes) and say so. */
    probe_faulted = 1;
    const uint16_t insn = *(const uint16_t*)(uintptr_t)mepc;
    csr_write(mepc, mepc + ((insn & 3u) == 3u ? 4u : 2u));
    return;
  }
  if (!(mcause & MCAUSE_INTERRUPT)) fault_report(f, mcause, mepc, mtval);
  const uint32_t code = mcause & ~MCAUSE_INTERRUPT;
  irq_hook_t h = code == IRQ_M_TIMER ? timer_hook
                 : code == IRQ_M_SOFT ? software_hook
                 : code == IRQ_M_EXT  ? external_hook
                                      : 0;
  if (h) {
    h();
  } else {
    /* Nobody wants it: mask it so it cannot storm, and say so. */
    csr_clear(mie, 1u << (code & 31));
    printf("rt: interrupt %lu with no handler: masked\n", (unsigned long)code);
  }
}
