# cmake -DPYTHON=<python3> -DSCRIPT=<regmap.py> -DSOURCE=<good.json> -DBLOCK=<name> -DOUT_DIR=<dir> -P
# Checks --out-dir / --check: a fresh output passes --check, an unchanged source does not
# rewrite files, and an edited or missing output makes --check exit 3 with a diff.
foreach(v PYTHON SCRIPT SOURCE BLOCK OUT_DIR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_regmap_check.cmake: -D${v}=... is required")
  endif()
endforeach()

function(run expect_rc)
  execute_process(COMMAND "${PYTHON}" "${SCRIPT}" "${SOURCE}" ${ARGN}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expect_rc)
    message(FATAL_ERROR "regmap.py ${ARGN}: expected exit ${expect_rc}, got ${rc}\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${OUT_DIR}")
run(0 --out-dir "${OUT_DIR}")
foreach(f ${BLOCK}_reg_pkg.sv ${BLOCK}_csr.sv ${BLOCK}_regs.h ${BLOCK}_regs.hpp ${BLOCK}_regs.md)
  if(NOT EXISTS "${OUT_DIR}/${f}")
    message(FATAL_ERROR "${f} was not generated")
  endif()
endforeach()
run(0 --check "${OUT_DIR}")

# Unchanged outputs are not rewritten (their timestamps would trigger rebuilds).
file(TIMESTAMP "${OUT_DIR}/${BLOCK}_csr.sv" before "%s")
execute_process(COMMAND "${CMAKE_COMMAND}" -E sleep 1.1)
run(0 --out-dir "${OUT_DIR}")
file(TIMESTAMP "${OUT_DIR}/${BLOCK}_csr.sv" after "%s")
if(NOT before STREQUAL after)
  message(FATAL_ERROR "an unchanged output was rewritten")
endif()

# A stale file: exit 3 and a unified diff naming it.
file(APPEND "${OUT_DIR}/${BLOCK}_regs.md" "stale line\n")
run(3 --check "${OUT_DIR}")
string(FIND "${out}" "-stale line" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "--check printed no diff of the stale file:\n${out}")
endif()
string(FIND "${err}" "${BLOCK}_regs.md is out of date" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "--check did not name the stale file:\n${err}")
endif()

# A missing file.
run(0 --out-dir "${OUT_DIR}")
file(REMOVE "${OUT_DIR}/${BLOCK}_regs.h")
run(3 --check "${OUT_DIR}")
string(FIND "${err}" "${BLOCK}_regs.h is missing" pos)
if(pos EQUAL -1)
  message(FATAL_ERROR "--check did not report the missing file:\n${err}")
endif()

# --docs writes only <block>.md, identical to <block>_regs.md.
run(0 --out-dir "${OUT_DIR}/docs" --docs)
file(GLOB docs RELATIVE "${OUT_DIR}/docs" "${OUT_DIR}/docs/*")
if(NOT docs STREQUAL "${BLOCK}.md")
  message(FATAL_ERROR "--docs wrote '${docs}', expected ${BLOCK}.md")
endif()
run(0 --out-dir "${OUT_DIR}")
file(READ "${OUT_DIR}/docs/${BLOCK}.md" a)
file(READ "${OUT_DIR}/${BLOCK}_regs.md" b)
if(NOT a STREQUAL b)
  message(FATAL_ERROR "--docs output differs from ${BLOCK}_regs.md")
endif()
message(STATUS "ok: --out-dir, --check and --docs behave")
