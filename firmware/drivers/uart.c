#include "uart.h"

#include "mmio.h"
#include "uart_regs.h"

void uart_putc(char c) {
  while (!UART_STATUS_TX_READY_GET(mmio_read(MGMT_UART_BASE, UART_STATUS_REG_OFFSET))) {
  }
  mmio_write(MGMT_UART_BASE, UART_TXDATA_REG_OFFSET, UART_TXDATA_DATA_FIELD((uint8_t)c));
}

void uart_puts(const char* s) {
  while (*s) uart_putc(*s++);
}
