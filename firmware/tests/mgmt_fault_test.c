/* An illegal instruction in firmware: the trap handler prints the fault
   report on the UART and ends the run with status 128 + 2. */
#include <stdio.h>

int main(void) {
  printf("fault test: executing an illegal instruction\n");
  __asm__ volatile(".word 0xffffffff");
  printf("fault test: still running (wrong)\n");
  return 0;
}
