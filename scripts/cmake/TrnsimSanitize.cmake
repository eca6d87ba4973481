# With -DTRNSIM_SANITIZE=ON every target (including Verilated models) is built
# with ASan+UBSan; UBSan findings abort so CTest reports them as failures.
if(TRNSIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# trnsim_sanitize_verilator_runtime(): call in a directory that verilates with
# TRACE_FST. Verilator's bundled FST writer (fstapi.c, compiled through
# verilated_fst_c.cpp) stores to misaligned addresses on purpose; exempt that
# one translation unit from UBSan's alignment check, nothing else.
function(trnsim_sanitize_verilator_runtime)
  if(TRNSIM_SANITIZE)
    set_source_files_properties(${VERILATOR_ROOT}/include/verilated_fst_c.cpp
      DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
      PROPERTIES COMPILE_OPTIONS "-fno-sanitize=alignment")
  endif()
endfunction()
