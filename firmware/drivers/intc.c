#include "intc.h"

#include <stdio.h>

#include "intc_regs.h"
#include "mmio.h"

static struct {
  intc_handler_t fn;
  void* ctx;
} handlers[INTC_NUM_SOURCES];
static uint32_t dispatched;

void intc_enable(unsigned s) {
  const uint32_t en = mmio_read(MGMT_INTC_BASE, INTC_ENABLE_REG_OFFSET);
  mmio_write(MGMT_INTC_BASE, INTC_ENABLE_REG_OFFSET, en | (1u << s));
}

void intc_disable(unsigned s) {
  const uint32_t en = mmio_read(MGMT_INTC_BASE, INTC_ENABLE_REG_OFFSET);
  mmio_write(MGMT_INTC_BASE, INTC_ENABLE_REG_OFFSET, en & ~(1u << s));
}

uint32_t intc_raw(void) {
  return INTC_RAW_LEVEL_GET(mmio_read(MGMT_INTC_BASE, INTC_RAW_REG_OFFSET));
}

uint32_t intc_pending(void) {
  return INTC_PENDING_BITS_GET(mmio_read(MGMT_INTC_BASE, INTC_PENDING_REG_OFFSET));
}

int intc_claim(void) {
  const uint32_t c = mmio_read(MGMT_INTC_BASE, INTC_CLAIM_REG_OFFSET);
  return INTC_CLAIM_VALID_GET(c) ? (int)INTC_CLAIM_ID_GET(c) : -1;
}

void intc_force(unsigned s, int on) {
  const uint32_t f = mmio_read(MGMT_INTC_BASE, INTC_FORCE_REG_OFFSET);
  mmio_write(MGMT_INTC_BASE, INTC_FORCE_REG_OFFSET, on ? f | (1u << s) : f & ~(1u << s));
}

void intc_register(unsigned s, intc_handler_t h, void* ctx) {
  if (s >= INTC_NUM_SOURCES) return;
  handlers[s].fn = h;
  handlers[s].ctx = ctx;
}

uint32_t intc_dispatched(void) { return dispatched; }

void intc_dispatch(void) {
  uint32_t served = 0; /* each source at most once per call */
  int s;
  while ((s = intc_claim()) >= 0 && !(served & (1u << s))) {
    served |= 1u << s;
    if (handlers[s].fn) {
      ++dispatched;
      handlers[s].fn((unsigned)s, handlers[s].ctx);
    } else {
      intc_disable((unsigned)s);
      printf("intc: source %d pending with no handler: disabled\n", s);
    }
  }
}
