// Triangular delay lines: lane i is delayed by i cycles (Reverse = 0, the
// input skew that staggers a row of activations into the array) or by
// Lanes-1-i cycles (Reverse = 1, the output deskew that realigns a row of
// column sums). Advances only with en_i, like the array it feeds.
module tensor_skew #(
  parameter int Lanes = 4,
  parameter int Width = 16,
  parameter bit Reverse = 1'b0
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  input  logic                   en_i,
  input  logic [Lanes*Width-1:0] data_i,
  output logic [Lanes*Width-1:0] data_o
);
  for (genvar i = 0; i < Lanes; i++) begin : g_lane
    common_delay #(
      .Width(Width),
      .Depth(Reverse ? (Lanes - 1 - i) : i)
    ) u_delay (
      .clk_i (clk_i),
      .rst_ni(rst_ni),
      .en_i  (en_i),
      .data_i(data_i[i*Width +: Width]),
      .data_o(data_o[i*Width +: Width])
    );
  end
endmodule
