// The PE's multiplier, purely combinational: a module around tensor_pkg::mul
// (semantics there) so the function the array calls can be unit-tested and
// synthesised on its own.
module tensor_mul (
  input  logic [1:0]  dtype_a_i,
  input  logic [15:0] a_i,
  input  logic [1:0]  dtype_b_i,
  input  logic [15:0] b_i,
  output logic [31:0] prod_o
);

  assign prod_o = tensor_pkg::mul(dtype_a_i, a_i, dtype_b_i, b_i);

endmodule
