# DMA engine RTL: every file in dependency order (packages before users), for
# every tool (verilate(), lint, Yosys, Icarus). Included by cosim/dma and
# testbenches/dma; needs TRNSIM_DMA_REGS_SV from rtl/regs (trnsim_regmap).
if(NOT TRNSIM_DMA_REGS_SV)
  message(FATAL_ERROR "TRNSIM_DMA_REGS_SV is empty: rtl/regs must be added first")
endif()
set(TRNSIM_DMA_RTL_SOURCES
  ${PROJECT_SOURCE_DIR}/rtl/common/common_fifo.sv
  ${PROJECT_SOURCE_DIR}/rtl/common/common_rr_arbiter.sv
  ${PROJECT_SOURCE_DIR}/rtl/common/common_axil_reg_adapter.sv
  ${TRNSIM_DMA_REGS_SV}
  ${PROJECT_SOURCE_DIR}/rtl/dma/dma_pkg.sv
  ${PROJECT_SOURCE_DIR}/rtl/dma/dma_queue.sv
  ${PROJECT_SOURCE_DIR}/rtl/dma/dma_read.sv
  ${PROJECT_SOURCE_DIR}/rtl/dma/dma_realign.sv
  ${PROJECT_SOURCE_DIR}/rtl/dma/dma_write.sv
  ${PROJECT_SOURCE_DIR}/rtl/dma/dma_engine.sv
  CACHE INTERNAL "DMA engine RTL, in dependency order")
