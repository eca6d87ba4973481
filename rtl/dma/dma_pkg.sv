// DMA engine constants. Register offsets, descriptor fields and error codes
// come from the generated dma_reg_pkg (rtl/regs/dma.json); this package holds
// only what the register map does not: AXI encodings and engine limits.
// verilator lint_off UNUSEDPARAM
package dma_pkg;
  // Descriptor size in bytes (must equal dma_reg_pkg::DMA_DESC_SIZE, checked
  // by an assertion in dma_engine).
  localparam int DescBytes = 32;
  // Longest row: LEN above this is refused with LEN_TOO_BIG (16 MiB - 1).
  localparam logic [31:0] MaxLenBytes = 32'h00FF_FFFF;
  // The CSR block always holds four queues and two windows per queue.
  localparam int MaxQueues = 4;
  localparam int NumWindows = 2;

  // AXI4 encodings.
  localparam logic [1:0] AxiBurstIncr = 2'b01;
  localparam logic [1:0] AxiRespOkay = 2'b00;
  // AXI IDs: data on one ID (in order), descriptor reads and completion
  // records on another.
  localparam logic [3:0] AxiIdData = 4'd0;
  localparam logic [3:0] AxiIdDesc = 4'd1;

  // A burst never crosses this boundary (AXI4 rule).
  localparam int AxiBoundaryBytes = 4096;
endpackage
// verilator lint_on UNUSEDPARAM
