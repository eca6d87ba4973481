// One DMA queue: the consumer index (HEAD) of its descriptor ring and its
// stop state (error code and address, pause after a LAST descriptor).
// Software owns ENABLE, the ring registers and TAIL; the engine reports a
// completed descriptor (adv_i) or an error (err_set_i) of this queue.
module dma_queue (
  input  logic        clk_i,
  input  logic        rst_ni,
  // CSRs
  input  logic        enable_i,
  input  logic        reset_i,       // one-cycle pulse
  input  logic        resume_i,      // one-cycle pulse
  input  logic [63:0] ring_base_i,
  input  logic [15:0] ring_size_i,
  input  logic [15:0] tail_i,
  // engine
  input  logic        adv_i,         // the descriptor at HEAD completed
  input  logic        pause_i,       // ... and it had CTRL.LAST (with adv_i)
  input  logic        err_set_i,
  input  logic [3:0]  err_code_i,
  input  logic [63:0] err_addr_i,
  // state
  output logic        req_o,         // has work: enabled, not stopped, HEAD != TAIL
  output logic        ring_ok_o,     // ring registers valid (checked when picked)
  output logic [63:0] desc_addr_o,   // address of the descriptor at HEAD
  output logic [15:0] head_o,
  output logic        error_o,
  output logic        paused_o,
  output logic [3:0]  code_o,
  output logic [63:0] err_addr_o
);
  logic [15:0] head_q, head_d;
  logic        error_q, error_d, paused_q, paused_d;
  logic [3:0]  code_q, code_d;
  logic [63:0] err_addr_q, err_addr_d;

  localparam int DescShift = $clog2(dma_pkg::DescBytes);

  always_comb begin
    head_d     = head_q;
    error_d    = error_q;
    paused_d   = paused_q;
    code_d     = code_q;
    err_addr_d = err_addr_q;
    if (adv_i) begin
      head_d   = (head_q + 16'd1 >= ring_size_i) ? 16'd0 : head_q + 16'd1;
      paused_d = pause_i;
    end
    if (err_set_i) begin
      error_d    = 1'b1;
      code_d     = err_code_i;
      err_addr_d = err_addr_i;
    end
    if (resume_i) paused_d = 1'b0;
    if (reset_i) begin
      head_d     = '0;
      error_d    = 1'b0;
      paused_d   = 1'b0;
      code_d     = dma_reg_pkg::DMA_ERR_CODE_NONE;
      err_addr_d = '0;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      head_q     <= '0;
      error_q    <= 1'b0;
      paused_q   <= 1'b0;
      code_q     <= dma_reg_pkg::DMA_ERR_CODE_NONE;
      err_addr_q <= '0;
    end else begin
      head_q     <= head_d;
      error_q    <= error_d;
      paused_q   <= paused_d;
      code_q     <= code_d;
      err_addr_q <= err_addr_d;
    end
  end

  assign req_o       = enable_i && !error_q && !paused_q && (head_q != tail_i);
  assign ring_ok_o   = (ring_base_i[DescShift-1:0] == '0) && (ring_size_i != '0) &&
                       (tail_i < ring_size_i) && (head_q < ring_size_i);
  assign desc_addr_o = ring_base_i + (64'(head_q) << DescShift);
  assign head_o      = head_q;
  assign error_o     = error_q;
  assign paused_o    = paused_q;
  assign code_o      = code_q;
  assign err_addr_o  = err_addr_q;
endmodule
