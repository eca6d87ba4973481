// A shift register of Depth stages that advances only when en_i is high.
// Depth 0 is a wire. Used for skew/deskew lanes and pipeline side-band data.
// The stages are one flat vector shifted as a whole (no per-stage loop), which
// keeps Verilator's output small and fast for deep lines.
module common_delay #(
  parameter int Width = 8,
  parameter int Depth = 1
) (
  input  logic             clk_i,
  input  logic             rst_ni,
  input  logic             en_i,
  input  logic [Width-1:0] data_i,
  output logic [Width-1:0] data_o
);
  if (Depth == 0) begin : g_wire
    assign data_o = data_i;
    logic unused_ctrl;
    assign unused_ctrl = ^{clk_i, rst_ni, en_i};
  end else if (Depth == 1) begin : g_one
    logic [Width-1:0] stage_q, stage_d;
    assign stage_d = en_i ? data_i : stage_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) stage_q <= '0;
      else stage_q <= stage_d;
    end
    assign data_o = stage_q;
  end else begin : g_line
    // Stage 0 (newest) in the low bits, stage Depth-1 (oldest) in the high.
    logic [Depth*Width-1:0] stages_q, stages_d;
    assign stages_d = en_i ? {stages_q[(Depth-1)*Width-1:0], data_i} : stages_q;
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) stages_q <= '0;
      else stages_q <= stages_d;
    end
    assign data_o = stages_q[Depth*Width-1 -: Width];
  end
endmodule
