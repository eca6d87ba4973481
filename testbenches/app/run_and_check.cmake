# cmake -DCMD="a|b|c" -DEXPECT_RC=N [-DEXPECT_OUT=regex] [-DEXPECT_FILE=path]
#       [-DCOMPARE=a|b] -P run_and_check.cmake
# Runs CMD and checks its exit code, that its output (stdout+stderr) matches
# EXPECT_OUT, that EXPECT_FILE exists and is not empty, and that the two files
# in COMPARE are identical. Used for end-to-end tests of the trnsim command.
# Lists arrive '|'-separated: a ';' cannot pass through add_test intact.
string(REPLACE "|" ";" CMD "${CMD}")
string(REPLACE "|" ";" COMPARE "${COMPARE}")
if(DEFINED EXPECT_FILE)
  file(REMOVE ${EXPECT_FILE})
endif()
execute_process(COMMAND ${CMD} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 600)
set(all "${out}${err}")
message("${all}")
if(NOT rc EQUAL EXPECT_RC)
  message(FATAL_ERROR "exit code ${rc}, expected ${EXPECT_RC}")
endif()
if(DEFINED EXPECT_OUT AND NOT all MATCHES "${EXPECT_OUT}")
  message(FATAL_ERROR "output does not match '${EXPECT_OUT}'")
endif()
if(DEFINED EXPECT_FILE)
  if(NOT EXISTS ${EXPECT_FILE})
    message(FATAL_ERROR "${EXPECT_FILE} was not written")
  endif()
  file(SIZE ${EXPECT_FILE} size)
  if(size EQUAL 0)
    message(FATAL_ERROR "${EXPECT_FILE} is empty")
  endif()
endif()
if(COMPARE)
  list(GET COMPARE 0 f1)
  list(GET COMPARE 1 f2)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${f1} ${f2} RESULT_VARIABLE diff)
  if(NOT diff EQUAL 0)
    message(FATAL_ERROR "${f1} and ${f2} differ")
  endif()
endif()
