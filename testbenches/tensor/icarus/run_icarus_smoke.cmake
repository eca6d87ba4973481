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

# 2. Compile and 3. simulate (testbenches/common/icarus_run.cmake)
include("${CMAKE_CURRENT_LIST_DIR}/../../common/icarus_run.cmake")
trnsim_icarus_run(TOP tb_tensor_engine_smoke TB "${TB}" WORK "${WORK}" SOURCES ${SOURCES}
                  PARAMS Rows=${ROWS} Cols=${COLS} PsumDepth=${PSUM}
                  PLUSARGS ${PLUSARGS} "+vectors=${WORK}")
