# trnsim_warnings(<target>): the project's warning set for our own C/C++ code.
# Verilator's generated code is compiled by its own targets without these.
function(trnsim_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra>)
endfunction()
