# Runs the Icarus smoke simulation of the DMA engine (cmake -P):
#   IVERILOG compiles SOURCES + TB with the parameters and VVP runs it; the
#   test passes if it exits 0 and printed "PASS:" (testbenches/common/icarus_run.cmake)
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

include("${CMAKE_CURRENT_LIST_DIR}/../../common/icarus_run.cmake")
trnsim_icarus_run(TOP tb_dma_engine_smoke TB "${TB}" WORK "${WORK}" SOURCES ${SOURCES}
                  PARAMS NumQueues=${NUM_QUEUES} DataBits=${DATA_BITS}
                         MaxBurstBeats=${MAX_BURST} MaxOutstanding=${MAX_OUTSTANDING}
                  PLUSARGS ${PLUSARGS})
