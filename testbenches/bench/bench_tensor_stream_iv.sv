// Icarus top of bench_tensor_stream: makes the clock (period 2 time units).
// Build: iverilog -g2012 -P bench_tensor_stream_iv.Rows=8 ... (see scripts/bench).
module bench_tensor_stream_iv;
  parameter int Rows = 8;
  parameter int Cols = 8;
  parameter int PsumDepth = 64;
  parameter int CmdDepth = 4;
  logic clk = 1'b0;
  always #1 clk = ~clk;
  bench_tensor_stream #(
    .Rows(Rows), .Cols(Cols), .PsumDepth(PsumDepth), .CmdDepth(CmdDepth)
  ) u_bench (
    .clk_i(clk)
  );
endmodule
