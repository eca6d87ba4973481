# With -DTRNSIM_SANITIZE=ON every target (including Verilated models) is built
# with ASan+UBSan; UBSan findings abort so CTest reports them as failures.
if(TRNSIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
