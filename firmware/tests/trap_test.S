# Traps on the ISS: illegal instruction (32- and 16-bit), ECALL, EBREAK,
# misaligned load/store/AMO, access faults, mstatus MIE/MPIE through a trap
# and MRET, vectored mtvec for exceptions. s1 = number of the running check;
# a failure reports it as tohost = (s1 << 1) | 1.
# The handler saves mcause/mepc/mtval/mstatus in s2/s3/s4/s6 and resumes after
# the trapping instruction (2 or 4 bytes, from its low bits).
  .option norvc
  .option norelax                # no gp here: keep la pc-relative
  .section .text.init, "ax"
  .globl _start
_start:
  la t0, handler
  csrw mtvec, t0

  li s1, 1                       # illegal: write to read-only mhartid
t1: .word 0xF1401073             # csrrw x0, mhartid, x0
  li t0, 2
  bne s2, t0, fail
  la t0, t1
  bne s3, t0, fail
  li t0, 0xF1401073
  bne s4, t0, fail

  li s1, 2                       # ecall, with MIE set beforehand
  csrsi mstatus, 8
t2: ecall
  li t0, 11
  bne s2, t0, fail
  la t0, t2
  bne s3, t0, fail
  li t0, 0x1880                  # in the handler: MPP=3, MPIE=1, MIE=0
  bne s6, t0, fail
  csrr t0, mstatus               # after mret: MIE back
  andi t0, t0, 8
  beqz t0, fail
  csrci mstatus, 8

  li s1, 3                       # misaligned lw
  la t1, data
t3: lw t2, 1(t1)
  li t0, 4
  bne s2, t0, fail
  addi t0, t1, 1
  bne s4, t0, fail

  li s1, 4                       # misaligned sw
t4: sw t2, 2(t1)
  li t0, 6
  bne s2, t0, fail
  addi t0, t1, 2
  bne s4, t0, fail

  li s1, 5                       # misaligned lh
  lh t2, 3(t1)
  li t0, 4
  bne s2, t0, fail

  li s1, 6                       # ebreak
t6: ebreak
  li t0, 3
  bne s2, t0, fail
  la t0, t6
  bne s3, t0, fail

  li s1, 7                       # load access fault (nothing mapped there)
  li t1, 0x10000000
  lw t2, 0(t1)
  li t0, 5
  bne s2, t0, fail
  bne s4, t1, fail

  li s1, 8                       # store access fault
  sw t2, 4(t1)
  li t0, 7
  bne s2, t0, fail
  addi t1, t1, 4
  bne s4, t1, fail

  li s1, 9                       # 16-bit illegal instruction (all zeros)
  li s4, -1
t9: .half 0
  .half 0x0001                   # c.nop: keeps 4-byte alignment
  li t0, 2
  bne s2, t0, fail
  bnez s4, fail
  la t0, t9
  bne s3, t0, fail

  li s1, 10                      # misaligned AMO: store/AMO misaligned
  la t1, data
  li t2, 1
  .option arch, +a
  amoadd.w t3, t2, (t1)
  li s2, 0
  addi t4, t1, 2
  amoadd.w t3, t2, (t4)
  li t0, 6
  bne s2, t0, fail
  lw t3, 0(t1)
  li t0, 0x12345679
  bne t3, t0, fail

  li s1, 11                      # vectored mtvec: exceptions still go to base
  la t0, handler
  ori t0, t0, 1
  csrw mtvec, t0
  li s2, 0
  ecall
  li t0, 11
  bne s2, t0, fail

  li s1, 12                      # counters count
  rdinstret t1
  nop
  nop
  rdinstret t2
  sub t2, t2, t1
  li t0, 3
  bne t2, t0, fail
  rdcycle t1
  beqz t1, fail

  li a0, 1
  j report
fail:
  slli a0, s1, 1
  ori a0, a0, 1
report:
  la t0, tohost
  sw a0, 0(t0)
1:j 1b

  .align 2
handler:
  csrr s2, mcause
  csrr s3, mepc
  csrr s4, mtval
  csrr s6, mstatus
  lhu t5, 0(s3)
  andi t5, t5, 3
  li t6, 3
  addi s5, s3, 2
  bne t5, t6, 1f
  addi s5, s3, 4
1:csrw mepc, s5
  mret

  .data
  .align 4
data: .word 0x12345678, 0

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .globl fromhost
fromhost: .dword 0
