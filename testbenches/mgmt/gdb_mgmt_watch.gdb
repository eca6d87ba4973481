set architecture riscv:rv32
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
watch watched
continue
continue
continue
delete
x/wx 0x10001030
x/2wx 0x02000008
print/x *(unsigned int *)0x10001030
continue
