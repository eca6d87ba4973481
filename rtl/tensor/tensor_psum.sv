// PSUM accumulate buffer at the array's outputs: Depth rows of Cols FP32
// values. A row arriving from the array either overwrites the addressed row
// or is added to it (same FP32 addition as the PEs). The new row
// is also returned combinationally so the engine can emit it.
//
// The read is combinational and the write lands at the clock edge, so a row
// arriving in the very next cycle for the same address (K passes of one row)
// sees the updated value with no hazard. (A hardened SRAM version would need
// a one-entry forwarding path; see docs/tensor.md.)
module tensor_psum #(
  parameter int Cols = 4,
  parameter int Depth = 16,
  localparam int AddrBits = (Depth > 1) ? $clog2(Depth) : 1
) (
  input  logic                clk_i,
  input  logic                rst_ni,
  input  logic                we_i,
  input  logic [AddrBits-1:0] addr_i,
  input  logic                acc_i,
  input  logic [Cols*32-1:0]  col_i,
  output logic [Cols*32-1:0]  row_o
);
  logic [Cols*32-1:0] mem_q [Depth];
  logic [Depth-1:0]   written_q, written_d;
  logic [Cols*32-1:0] old_row, sum_row;

  // A row never written since reset reads as +0.0: one flag per row instead
  // of a reset on every storage bit (as an SRAM would have it).
  assign old_row = written_q[addr_i] ? mem_q[addr_i] : '0;

  // One adder per column (common_fp_pkg::fp32_add, the function the
  // common_fp32_add module wraps), written as a loop so Verilator emits one
  // loop body rather than Cols copies. A function in a continuous assignment,
  // not an always_comb block: Icarus 11 makes an always_comb that calls a
  // function with constant part-selects sensitive to the function's local
  // variables, so two such blocks calling fp32_add (this one and
  // tensor_array's) would wake each other forever (rtl/README.md).
  function automatic logic [Cols*32-1:0] add_rows(input logic [Cols*32-1:0] a,
                                                  input logic [Cols*32-1:0] b);
    add_rows = '0;
    for (int c = 0; c < Cols; c++) begin
      add_rows[c*32 +: 32] = common_fp_pkg::fp32_add(a[c*32 +: 32], b[c*32 +: 32]);
    end
  endfunction

  assign sum_row = add_rows(old_row, col_i);

  assign row_o = acc_i ? sum_row : col_i;

  always_comb begin
    written_d = written_q;
    if (we_i) written_d[addr_i] = 1'b1;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) written_q <= '0;
    else written_q <= written_d;
  end

  always_ff @(posedge clk_i) begin
    if (we_i) mem_q[addr_i] <= row_o;
  end
endmodule
