set architecture riscv:rv32
set pagination off
set confirm off
target remote 127.0.0.1:@PORT@
break crc_bitwise
continue
info registers pc
print table[1]
print/x table[1]
print/x $misa
print/x $mstatus
stepi
info registers pc
delete
continue
