# Runs the Icarus smoke simulation of the DMA engine (cmake -P):
#   1. IVERILOG compiles SOURCES + TB into WORK/tb.vvp with the parameters
#   2. VVP runs it; the test passes if it exits 0 and printed "PASS:"
# Variables: IVERILOG VVP WORK TB SOURCES (|-separated, in order)
#   NUM_QUEUES DATA_BITS MAX_BURST MAX_OUTSTANDING (default 2 64 8 4, q2_d64),
#   PLUSARGS (|-separated, e.g. +latency=20|+dump=x.vcd|+verbose).
# By hand, BUILD=<build dir> fills in SOURCES and WORK (<build
# dir>/testbenches/dma/icarus/manual):
#   cmake -DBUILD=build/release "-DPLUSARGS=+latency=20|+dump=dma.vcd" -P testbenches/dma/icarus/run_icarus_smoke.cmake
if(BUILD)
  get_filename_component(BUILD "${BUILD}" ABSOLUTE)
  set(_dir "${BUILD}/testbenches/dma/icarus")
  if(NOT SOURCES)
    file(READ "${_dir}/smoke_sources.txt" SOURCES)
    string(STRIP "${SOURCES}" SOURCES)
  endif()
  if(NOT WORK)
    set(WORK "${_dir}/manual")
  endif()
endif()
if(NOT TB)
  set(TB "${CMAKE_CURRENT_LIST_DIR}/tb_dma_engine_smoke.sv")
endif()
foreach(v WORK TB SOURCES)
  if(NOT DEFINED ${v} OR "${${v}}" STREQUAL "")
    message(FATAL_ERROR "run_icarus_smoke: -D${v}=... is required")
  endif()
endforeach()
if(NOT IVERILOG)
  set(IVERILOG iverilog)
endif()
if(NOT VVP)
  set(VVP vvp)
endif()
if(NOT NUM_QUEUES)
  set(NUM_QUEUES 2)
endif()
if(NOT DATA_BITS)
  set(DATA_BITS 64)
endif()
if(NOT MAX_BURST)
  set(MAX_BURST 8)
endif()
if(NOT MAX_OUTSTANDING)
  set(MAX_OUTSTANDING 4)
endif()
string(REPLACE "|" ";" SOURCES "${SOURCES}")
string(REPLACE "|" ";" PLUSARGS "${PLUSARGS}")

file(MAKE_DIRECTORY "${WORK}")
file(REMOVE "${WORK}/tb.vvp")

# 1. Compile. Icarus 11 notes (harmless, see rtl/README.md): "sorry: constant
# selects in always_* processes ..." and "Case unique/unique0 qualities are
# ignored". The RTL's assertion blocks are inside `ifdef VERILATOR /
# `ifndef __ICARUS__, so no define is needed.
set(_tb tb_dma_engine_smoke)
execute_process(
  COMMAND "${IVERILOG}" -g2012 -I "${CMAKE_CURRENT_LIST_DIR}/../../common" -o "${WORK}/tb.vvp" -s ${_tb}
          -P ${_tb}.NumQueues=${NUM_QUEUES} -P ${_tb}.DataBits=${DATA_BITS}
          -P ${_tb}.MaxBurstBeats=${MAX_BURST} -P ${_tb}.MaxOutstanding=${MAX_OUTSTANDING}
          ${SOURCES} "${TB}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
string(REGEX REPLACE "[^\n]*sorry: constant selects in always_\\* processes[^\n]*\n" "" err_rest "${err}")
string(REGEX REPLACE "[^\n]*Case unique/unique0 qualities are ignored[^\n]*\n" "" err_rest "${err_rest}")
if(NOT err_rest STREQUAL "" OR NOT out STREQUAL "")
  message("${out}${err_rest}")
endif()
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAIL: iverilog exited with ${rc}:\n${err}")
endif()

# 2. Simulate
execute_process(COMMAND "${VVP}" -n "${WORK}/tb.vvp" ${PLUSARGS}
                WORKING_DIRECTORY "${WORK}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAIL: vvp exited with ${rc}")
endif()
if(NOT out MATCHES "\nPASS: " AND NOT out MATCHES "^PASS: ")
  message(FATAL_ERROR "FAIL: the testbench did not print PASS")
endif()
if(out MATCHES "FAIL")
  message(FATAL_ERROR "FAIL: the testbench printed FAIL")
endif()
