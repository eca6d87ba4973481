# Compressed instructions, each checked: written as c.* so the assembler
# cannot fall back to 32-bit forms. s1 = number of the check running.
  .option rvc
  .option norelax                # no gp here: keep la pc-relative
  .section .text.init, "ax"
  .globl _start
_start:
  la sp, stack_top
  li s1, 1
  c.li a0, -5
  c.addi a0, 7
  li t0, 2
  bne a0, t0, fail
  li s1, 2
  c.lui a1, 0x12
  li t0, 0x12000
  bne a1, t0, fail
  c.lui a1, 0xfffff              # sign-extended: 0xfffff000
  li t0, 0xfffff000
  bne a1, t0, fail
  li s1, 3
  c.mv a2, sp
  c.addi16sp sp, -64
  addi t0, a2, -64
  bne sp, t0, fail
  c.addi4spn a3, sp, 16
  addi t0, sp, 16
  bne a3, t0, fail
  li s1, 4                       # c.sw/c.lw, c.swsp/c.lwsp
  li a4, 0x5a5a1234
  c.sw a4, 4(a3)
  c.lw a5, 4(a3)
  bne a5, a4, fail
  c.swsp a4, 8(sp)
  c.lwsp a5, 8(sp)
  bne a5, a4, fail
  c.lwsp a5, 20(sp)              # = 4(a3) above
  bne a5, a4, fail
  li s1, 5                       # register-register ALU
  li a0, 12
  li a1, 10
  c.mv a2, a0
  c.add a2, a1
  li t0, 22
  bne a2, t0, fail
  c.mv a2, a0
  c.sub a2, a1
  li t0, 2
  bne a2, t0, fail
  c.mv a2, a0
  c.xor a2, a1
  li t0, 6
  bne a2, t0, fail
  c.mv a2, a0
  c.or a2, a1
  li t0, 14
  bne a2, t0, fail
  c.mv a2, a0
  c.and a2, a1
  li t0, 8
  bne a2, t0, fail
  li s1, 6                       # shifts and andi
  li a0, -16
  c.mv a1, a0
  c.srai a1, 2
  li t0, -4
  bne a1, t0, fail
  c.mv a1, a0
  c.srli a1, 28
  li t0, 15
  bne a1, t0, fail
  c.slli a1, 4
  li t0, 240
  bne a1, t0, fail
  c.andi a1, -32
  li t0, 224
  bne a1, t0, fail
  li s1, 7                       # branches and jumps
  li a0, 0
  c.beqz a0, 1f
  j fail
1:c.bnez a0, fail
  li a0, 3
  c.bnez a0, 2f
  j fail
2:c.j 3f
  j fail
3:c.jal sub1                     # ra = return address
  li t0, 42
  bne a0, t0, fail
  la a1, sub1
  c.jalr a1
  li t0, 42
  bne a0, t0, fail
  la a1, 4f
  c.jr a1
  j fail
4:li s1, 8                       # odd 4-byte alignment: 32-bit insn at pc % 4 == 2
  c.nop
  addi a0, zero, 77
  li t0, 77
  bne a0, t0, fail
  li a0, 1
  j report
fail:
  slli a0, s1, 1
  ori a0, a0, 1
report:
  la t0, tohost
  sw a0, 0(t0)
5:j 5b
sub1:
  li a0, 42
  c.jr ra

  .bss
  .align 4
  .space 256
stack_top:

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .globl fromhost
fromhost: .dword 0
