# Compile and run a self-checking Icarus testbench (for cmake -P scripts):
#   trnsim_icarus_run(TOP <module> TB <file> WORK <dir> SOURCES <list>
#                     [PARAMS <name=value>...] [PLUSARGS <+arg>...])
# 1. iverilog -g2012 compiles SOURCES + TB into WORK/tb.vvp, top TOP, with
#    -P TOP.<name>=<value> for each PARAMS entry. Icarus 11 notes that are
#    harmless (rtl/README.md) are filtered: "sorry: constant selects in
#    always_* processes ..." (it widens the sensitivity list) and "Case
#    unique/unique0 qualities are ignored". The RTL's assertion blocks are
#    inside `ifdef VERILATOR / `ifndef __ICARUS__, so no define is needed.
# 2. vvp runs it in WORK; it passes if it exits 0, printed a line starting
#    "PASS: " and printed no "FAIL". Any failure is FATAL_ERROR "FAIL: ...".
# IVERILOG and VVP name the tools (default: iverilog, vvp on the PATH).
function(trnsim_icarus_run)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TOP;TB;WORK" "SOURCES;PARAMS;PLUSARGS")
  set(iverilog iverilog)
  if(IVERILOG)
    set(iverilog "${IVERILOG}")
  endif()
  set(vvp vvp)
  if(VVP)
    set(vvp "${VVP}")
  endif()
  set(params)
  foreach(p ${arg_PARAMS})
    list(APPEND params -P "${arg_TOP}.${p}")
  endforeach()
  file(MAKE_DIRECTORY "${arg_WORK}")
  file(REMOVE "${arg_WORK}/tb.vvp")

  execute_process(
    COMMAND "${iverilog}" -g2012 -I "${CMAKE_CURRENT_FUNCTION_LIST_DIR}" -o "${arg_WORK}/tb.vvp"
            -s ${arg_TOP} ${params} ${arg_SOURCES} "${arg_TB}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REGEX REPLACE "[^\n]*sorry: constant selects in always_\\* processes[^\n]*\n" "" err_rest "${err}")
  string(REGEX REPLACE "[^\n]*Case unique/unique0 qualities are ignored[^\n]*\n" "" err_rest "${err_rest}")
  if(NOT err_rest STREQUAL "" OR NOT out STREQUAL "")
    message("${out}${err_rest}")
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "FAIL: iverilog exited with ${rc}:\n${err}")
  endif()

  execute_process(COMMAND "${vvp}" -n "${arg_WORK}/tb.vvp" ${arg_PLUSARGS}
                  WORKING_DIRECTORY "${arg_WORK}"
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
endfunction()
