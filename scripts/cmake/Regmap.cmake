# trnsim_regmap(<block> <json> [NO_DOCS]): register-map generation (scripts/regmap.py).
#
# At configure time, generates from <json> into ${CMAKE_BINARY_DIR}/generated/regs/:
#   <block>_reg_pkg.sv, <block>_csr.sv, <block>_regs.h, <block>_regs.hpp, <block>_regs.md
# (a generator error fails the configure with the generator's message), and
# re-runs the configure when <json> or regmap.py changes. Then provides:
#   <block>_regs / trnsim::<block>_regs  INTERFACE library: include dir with the headers
#   TRNSIM_<BLOCK>_REGS_SV               (cache, internal) "<dir>/<block>_reg_pkg.sv;<dir>/<block>_csr.sv",
#                                        in dependency order, for verilate(SOURCES ...) (only the
#                                        package for a block without registers);
#                                        also the global property of the same name
#   TRNSIM_REGS_GENERATED_DIR            (cache, internal) the output directory
#   test regmap_docs_<block>             fails when docs/registers/<block>.md is stale
#   targets regmap_docs_<block>, regmap_docs  rewrite docs/registers/*.md (not built by default)
# NO_DOCS (for test-only maps) leaves out the docs test and targets.
# See docs/regmap.md for the source format and every output.

set(TRNSIM_REGMAP_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/../regmap.py")
get_filename_component(TRNSIM_REGMAP_SCRIPT "${TRNSIM_REGMAP_SCRIPT}" ABSOLUTE)
set(TRNSIM_REGS_GENERATED_DIR "${CMAKE_BINARY_DIR}/generated/regs"
    CACHE INTERNAL "Output directory of scripts/regmap.py")
set(TRNSIM_REGS_DOCS_DIR "${CMAKE_SOURCE_DIR}/docs/registers")

function(trnsim_regmap block json)
  cmake_parse_arguments(PARSE_ARGV 2 arg "NO_DOCS" "" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "trnsim_regmap: unexpected arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT Python3_EXECUTABLE)
    message(FATAL_ERROR "trnsim_regmap: find_package(Python3 COMPONENTS Interpreter) first")
  endif()
  get_filename_component(json "${json}" ABSOLUTE)
  set(out_dir "${TRNSIM_REGS_GENERATED_DIR}")
  string(TOUPPER "${block}" upper)

  execute_process(
    COMMAND "${Python3_EXECUTABLE}" "${TRNSIM_REGMAP_SCRIPT}" "${json}" --out-dir "${out_dir}"
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "trnsim_regmap(${block}): scripts/regmap.py failed (exit ${rc}):\n${out}${err}")
  endif()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${json}" "${TRNSIM_REGMAP_SCRIPT}")

  # The generated block name must match <block> (the file names depend on it).
  # A block without registers (enums and layouts only) has no <block>_csr.sv.
  foreach(f "${block}_reg_pkg.sv" "${block}_regs.h" "${block}_regs.hpp")
    if(NOT EXISTS "${out_dir}/${f}")
      message(FATAL_ERROR "trnsim_regmap(${block}): ${out_dir}/${f} was not generated; "
                          "does \"block\" in ${json} say \"${block}\"?")
    endif()
  endforeach()

  add_library(${block}_regs INTERFACE)
  add_library(trnsim::${block}_regs ALIAS ${block}_regs)
  target_include_directories(${block}_regs INTERFACE "${out_dir}")

  set(sv "${out_dir}/${block}_reg_pkg.sv")
  if(EXISTS "${out_dir}/${block}_csr.sv")
    list(APPEND sv "${out_dir}/${block}_csr.sv")
  endif()
  set(TRNSIM_${upper}_REGS_SV "${sv}" CACHE INTERNAL "Generated SV of the ${block} register map")
  set_property(GLOBAL PROPERTY TRNSIM_${upper}_REGS_SV "${sv}")

  if(arg_NO_DOCS)
    return()
  endif()
  add_test(NAME regmap_docs_${block}
           COMMAND "${Python3_EXECUTABLE}" "${TRNSIM_REGMAP_SCRIPT}" "${json}" --docs
                   --check "${TRNSIM_REGS_DOCS_DIR}")

  add_custom_target(regmap_docs_${block}
    COMMAND "${Python3_EXECUTABLE}" "${TRNSIM_REGMAP_SCRIPT}" "${json}" --docs
            --out-dir "${TRNSIM_REGS_DOCS_DIR}"
    COMMENT "Regenerating docs/registers/${block}.md"
    VERBATIM)
  if(NOT TARGET regmap_docs)
    add_custom_target(regmap_docs)
  endif()
  add_dependencies(regmap_docs regmap_docs_${block})
endfunction()
