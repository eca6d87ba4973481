set architecture riscv:rv32
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
break selftest_dma
continue
print inject_fault
print have_dma
print/x $mstatus
print/x $mcause
set $c0 = $mcycle
shell sleep 1
print $mcycle == $c0
next
next
delete
continue
