set architecture riscv:rv32
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
break kernel_launch
continue
print core
print/x $mcause
set $c0 = $mcycle
shell sleep 1
print $mcycle == $c0
x/wx 0x10001030
finish
delete
continue
