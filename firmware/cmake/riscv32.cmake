# Toolchain file for the management-core firmware: bare-metal RV32IMAC, ilp32,
# with Debian's riscv64-unknown-elf-gcc (multilib: it builds rv32 too).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv32)
find_program(TRNSIM_RISCV_GCC riscv64-unknown-elf-gcc)
if(NOT TRNSIM_RISCV_GCC)
  message(FATAL_ERROR "riscv64-unknown-elf-gcc not found; the firmware needs it. "
                      "Install it with scripts/setup (Debian packages gcc-riscv64-unknown-elf "
                      "and picolibc-riscv64-unknown-elf).")
endif()
set(CMAKE_C_COMPILER ${TRNSIM_RISCV_GCC})
set(CMAKE_ASM_COMPILER ${TRNSIM_RISCV_GCC})
# Bare metal: no crt0/libc to link a test executable against at configure time.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
# _zicsr: binutils >= 2.38 follows ISA spec 20191213, where CSR instructions
# are their own extension.
set(TRNSIM_FW_ARCH "-march=rv32imac_zicsr -mabi=ilp32")
set(CMAKE_C_FLAGS_INIT "${TRNSIM_FW_ARCH} -ffreestanding -fno-common")
set(CMAKE_ASM_FLAGS_INIT "${TRNSIM_FW_ARCH}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${TRNSIM_FW_ARCH} -nostdlib -nostartfiles -static")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
