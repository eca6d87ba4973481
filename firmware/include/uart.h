/* Console UART driver (rtl/regs/uart.json). stdout/stderr go here. */
#ifndef TRNSIM_FW_UART_H_
#define TRNSIM_FW_UART_H_

void uart_putc(char c);
void uart_puts(const char* s);  /* no newline added */

#endif
