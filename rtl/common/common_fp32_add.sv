// FP32 adder of the PE and PSUM accumulators, purely combinational: a module
// around common_fp_pkg::fp32_add (semantics there) so the function the
// array and PSUM call can be unit-tested and synthesised on its own.
module common_fp32_add (
  input  logic [31:0] a_i,
  input  logic [31:0] b_i,
  output logic [31:0] sum_o
);

  assign sum_o = common_fp_pkg::fp32_add(a_i, b_i);

endmodule
