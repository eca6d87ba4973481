# Start-up for C test programs on `trnsim iss`: stack, gp, zeroed .bss, a
# trap handler that reports any unexpected trap as failure code 0x7ff, then
# tohost = (main() << 1) | 1 (HTIF: 1 is pass, any other odd value a failure).
  .section .text.init, "ax"
  .globl _start
_start:
  .option push
  .option norelax
  la gp, __global_pointer$
  .option pop
  la sp, __stack_top
  la t0, unexpected_trap
  csrw mtvec, t0
  la t0, __bss_start
  la t1, __bss_end
1:bgeu t0, t1, 2f
  sw zero, 0(t0)
  addi t0, t0, 4
  j 1b
2:call main
  slli a0, a0, 1
  ori a0, a0, 1
  j report

  .align 2
unexpected_trap:
  li a0, (0x7ff << 1) | 1
report:
  la t0, tohost
  sw a0, 0(t0)
3:j 3b

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0
