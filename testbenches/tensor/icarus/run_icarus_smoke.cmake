# Runs the Icarus smoke test of the tensor engine (cmake -P), step by step:
#   1. GEN (gen_smoke_vectors) writes the vectors into WORK
#   2. IVERILOG compiles SOURCES + TB into WORK/tb.vvp with the parameters
#   3. VVP runs it; the test passes if it exits 0 and printed "PASS:"
# Variables: GEN IVERILOG VVP WORK TB SOURCES (|-separated, in order)
#   ROWS COLS PSUM (default 4 4 16) M (activation rows per GEMM, default the
#   generator's) SEED, PLUSARGS (|-separated, e.g. +reps=100|+dump=x.vcd).
# By hand, BUILD=<build dir> fills in GEN, SOURCES, TB and WORK (<build
# dir>/testbenches/tensor/icarus/manual):
#   cmake -DBUILD=build/release -DPLUSARGS=+dump=smoke.vcd -P testbenches/tensor/icarus/run_icarus_smoke.cmake
if(BUILD)
  get_filename_component(BUILD "${BUILD}" ABSOLUTE)
  set(_dir "${BUILD}/testbenches/tensor/icarus")
  if(NOT GEN)
    set(GEN "${_dir}/gen_smoke_vectors")
  endif()
  if(NOT SOURCES)
    file(READ "${_dir}/smoke_sources.txt" SOURCES)
    string(STRIP "${SOURCES}" SOURCES)
  endif()
  if(NOT WORK)
    set(WORK "${_dir}/manual")
  endif()
endif()
if(NOT TB)
  set(TB "${CMAKE_CURRENT_LIST_DIR}/tb_tensor_engine_smoke.sv")
endif()
foreach(v GEN WORK TB SOURCES)
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
if(NOT ROWS)
  set(ROWS 4)
endif()
if(NOT COLS)
  set(COLS 4)
endif()
if(NOT PSUM)
  set(PSUM 16)
endif()
string(REPLACE "|" ";" SOURCES "${SOURCES}")
string(REPLACE "|" ";" PLUSARGS "${PLUSARGS}")

file(MAKE_DIRECTORY "${WORK}")
file(REMOVE "${WORK}/tb.vvp" "${WORK}/smoke_meta.hex" "${WORK}/smoke_cmds.hex"
     "${WORK}/smoke_w.hex" "${WORK}/smoke_act.hex" "${WORK}/smoke_res.hex")

# 1. Vectors
set(gen_args --rows ${ROWS} --cols ${COLS} --psum-depth ${PSUM} --out "${WORK}")
if(M)
  list(APPEND gen_args --m ${M})
endif()
if(SEED)
  list(APPEND gen_args --seed ${SEED})
endif()
execute_process(COMMAND "${GEN}" ${gen_args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "FAIL: gen_smoke_vectors exited with ${rc}")
endif()

# 2. Compile. Icarus 11 notes (harmless, see rtl/README.md): "sorry: constant
# selects in always_* processes ..." (it widens the sensitivity list) and
# "Case unique/unique0 qualities are ignored". The RTL's assertion blocks are
# inside `ifdef VERILATOR / `ifndef __ICARUS__, so no define is needed.
execute_process(
  COMMAND "${IVERILOG}" -g2012 -I "${CMAKE_CURRENT_LIST_DIR}/../../common" -o "${WORK}/tb.vvp" -s tb_tensor_engine_smoke
          -P tb_tensor_engine_smoke.Rows=${ROWS} -P tb_tensor_engine_smoke.Cols=${COLS}
          -P tb_tensor_engine_smoke.PsumDepth=${PSUM}
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

# 3. Simulate
execute_process(COMMAND "${VVP}" -n "${WORK}/tb.vvp" ${PLUSARGS} "+vectors=${WORK}"
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
