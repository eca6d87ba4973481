/* Management-core run time: CSR access, interrupt hooks, the trap frame.
   docs/firmware.md */
#ifndef TRNSIM_FW_RT_H_
#define TRNSIM_FW_RT_H_

#include <stdint.h>

#define csr_read(csr) ({ uint32_t v_; __asm__ volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"((uint32_t)(v)))
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"((uint32_t)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"((uint32_t)(v)))

#define MSTATUS_MIE (1u << 3)
#define MIE_MSIE (1u << 3)
#define MIE_MTIE (1u << 7)
#define MIE_MEIE (1u << 11)
#define MCAUSE_INTERRUPT 0x80000000u
#define IRQ_M_SOFT 3u
#define IRQ_M_TIMER 7u
#define IRQ_M_EXT 11u

/* Exit status of a run that ended in an unexpected exception: 128 + mcause. */
#define FW_EXIT_FAULT_BASE 128

static inline void wfi(void) { __asm__ volatile("wfi" ::: "memory"); }
static inline void irq_global_enable(void) { csr_set(mstatus, MSTATUS_MIE); }
static inline void irq_global_disable(void) { csr_clear(mstatus, MSTATUS_MIE); }
static inline uint64_t rdcycle64(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = csr_read(mcycleh);
    lo = csr_read(mcycle);
    hi2 = csr_read(mcycleh);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}
static inline uint64_t rdinstret64(void) {
  uint32_t hi, lo, hi2;
  do {
    hi = csr_read(minstreth);
    lo = csr_read(minstret);
    hi2 = csr_read(minstreth);
  } while (hi != hi2);
  return ((uint64_t)hi << 32) | lo;
}

/* Registers saved by the trap entry: x[0] is unused, x[1..31] as named. */
struct trap_frame {
  uint32_t x[32];
};

/* Interrupt hooks (NULL: the interrupt is masked in mie and reported). The
   external interrupt defaults to intc_dispatch(). */
typedef void (*irq_hook_t)(void);
void rt_set_timer_handler(irq_hook_t h);
void rt_set_software_handler(irq_hook_t h);
void rt_set_external_handler(irq_hook_t h);

/* Reads a 32-bit word that may not exist (device probing): returns 1 and
   the value, or 0 if the read was a load access fault (caught here instead
   of the fault report). */
int rt_probe_read32(uint32_t addr, uint32_t* value);

/* Waiting for interrupt handlers: rt_deadline_us() is mtime + us;
   rt_wait_event() sleeps in WFI (interrupts are taken between sleeps) until
   *flags & mask is non-zero or mtime reaches the deadline (a CLINT timer
   interrupt wakes it); returns *flags & mask (0: timed out). Uses the timer
   hook and mtimecmp while it waits. */
uint64_t rt_deadline_us(uint32_t us);
uint32_t rt_wait_event(volatile uint32_t* flags, uint32_t mask, uint64_t deadline);

/* Called by the trap entry (rt/start.S). */
void rt_trap(struct trap_frame* f);

#endif
