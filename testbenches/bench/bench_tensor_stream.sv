// Simulator-speed bench: a self-contained stimulus around tensor_engine that
// runs the same cycles in any simulator (Icarus: bench_tensor_stream_iv.sv
// makes the clock; Verilator: bench_tensor_stream_main.cpp toggles clk_i).
//
// Workload: reset, one command that loads a constant weight tile (K_ROWS =
// Rows) and streams PsumDepth activation rows, then +cmds=N - 1 more commands
// that reuse the loaded weights (LOAD_W = 0), each PsumDepth rows, queued as
// STATUS.QUEUE_FULL allows. Activations come every cycle from a 32-bit LFSR
// (finite BF16 values), results are always accepted. At the end it prints the
// cycle count and an XOR/rotate checksum of every result word: both must be
// identical between simulators (scripts/bench compares them). No golden
// check: the engine's numerics are tested elsewhere; this measures speed.
module bench_tensor_stream #(
  parameter int Rows = 8,
  parameter int Cols = 8,
  parameter int PsumDepth = 64,
  parameter int CmdDepth = 4
) (
  input logic clk_i
);
  localparam logic [7:0] CtrlAddr   = tensor_reg_pkg::TENSOR_CTRL_OFFSET;
  localparam logic [7:0] StatusAddr = tensor_reg_pkg::TENSOR_STATUS_OFFSET;
  localparam logic [7:0] CfgAddr    = tensor_reg_pkg::TENSOR_CMD_CFG_OFFSET;
  localparam logic [7:0] ShapeAddr  = tensor_reg_pkg::TENSOR_CMD_SHAPE_OFFSET;
  localparam logic [7:0] PsumAddr   = tensor_reg_pkg::TENSOR_CMD_PSUM_OFFSET;
  // CMD_CFG: BF16 x BF16, EMIT, with and without LOAD_W.
  localparam logic [31:0] CfgLoad = (32'd1 << tensor_reg_pkg::TENSOR_CMD_CFG_LOAD_W_LSB) |
                                    (32'd1 << tensor_reg_pkg::TENSOR_CMD_CFG_EMIT_LSB);
  localparam logic [31:0] CfgReuse = (32'd1 << tensor_reg_pkg::TENSOR_CMD_CFG_EMIT_LSB);
  localparam logic [31:0] Shape = (32'(Rows) << tensor_reg_pkg::TENSOR_CMD_SHAPE_K_ROWS_LSB) |
                                  (32'(PsumDepth) << tensor_reg_pkg::TENSOR_CMD_SHAPE_M_ROWS_LSB);

  int num_cmds;
  initial begin
    if (!$value$plusargs("cmds=%d", num_cmds)) num_cmds = 16;
    if (num_cmds < 1) num_cmds = 1;
  end

  // ---------------------------------------------------------------------------
  // DUT
  // ---------------------------------------------------------------------------
  /* verilator lint_off UNUSEDSIGNAL */  // responses, irq and idle are not looked at
  logic                 rst_n;
  logic                 awvalid, awready, wvalid, wready, bvalid, bready;
  logic                 arvalid, arready, rvalid, rready;
  logic [7:0]           awaddr, araddr;
  logic [31:0]          wdata, rdata;
  logic [1:0]           bresp, rresp;
  logic                 w_valid, w_ready, act_valid, act_ready, res_valid, irq, idle;
  logic [Cols*16-1:0]   w_data;
  logic [Rows*16-1:0]   act_data;
  logic [Cols*32-1:0]   res_data;
  logic [15:0]          res_addr;
  /* verilator lint_on UNUSEDSIGNAL */

  tensor_engine #(
    .Rows(Rows), .Cols(Cols), .PsumDepth(PsumDepth), .CmdDepth(CmdDepth)
  ) u_dut (
    .clk_i           (clk_i),
    .rst_ni          (rst_n),
    .s_axil_awvalid_i(awvalid),
    .s_axil_awready_o(awready),
    .s_axil_awaddr_i (awaddr),
    .s_axil_awprot_i (3'b000),
    .s_axil_wvalid_i (wvalid),
    .s_axil_wready_o (wready),
    .s_axil_wdata_i  (wdata),
    .s_axil_wstrb_i  (4'hF),
    .s_axil_bvalid_o (bvalid),
    .s_axil_bready_i (bready),
    .s_axil_bresp_o  (bresp),
    .s_axil_arvalid_i(arvalid),
    .s_axil_arready_o(arready),
    .s_axil_araddr_i (araddr),
    .s_axil_arprot_i (3'b000),
    .s_axil_rvalid_o (rvalid),
    .s_axil_rready_i (rready),
    .s_axil_rdata_o  (rdata),
    .s_axil_rresp_o  (rresp),
    .w_valid_i       (w_valid),
    .w_ready_o       (w_ready),
    .w_data_i        (w_data),
    .act_valid_i     (act_valid),
    .act_ready_o     (act_ready),
    .act_data_i      (act_data),
    .res_valid_o     (res_valid),
    .res_ready_i     (1'b1),
    .res_data_o      (res_data),
    .res_addr_o      (res_addr),
    .irq_o           (irq),
    .idle_o          (idle)
  );

  // ---------------------------------------------------------------------------
  // Stimulus state (all updated at the rising edge)
  // ---------------------------------------------------------------------------
  logic [31:0] cyc = 32'd0;
  logic [31:0] w_sent = 32'd0, a_sent = 32'd0, res_seen = 32'd0, started = 32'd0;
  logic [31:0] lfsr = 32'hACE1_2468, csum = 32'd0;
  logic [3:0]  step = 4'd0;  // CSR program step, see below
  logic        bus_busy = 1'b0, bus_write = 1'b0;

  assign rst_n     = cyc >= 32'd4;
  assign w_valid   = rst_n && w_sent < 32'(Rows);
  assign act_valid = rst_n && a_sent < 32'(num_cmds) * 32'(PsumDepth);

  // Weights: a constant pattern of finite BF16 values (around 0.25 .. 1).
  // Activations: lane l of a row from the LFSR state (finite BF16, |x| ~ 2^-3 .. 2).
  always_comb begin
    /* verilator lint_off UNUSEDSIGNAL */
    logic [31:0] s;  // lane hash; a few of its bits are used
    /* verilator lint_on UNUSEDSIGNAL */
    for (int l = 0; l < Cols; l++)
      w_data[l*16 +: 16] = {1'b0, 8'd125 + 8'((w_sent + 32'(l)) % 3), 7'((w_sent * 7 + 32'(l)) % 128)};
    for (int l = 0; l < Rows; l++) begin
      s = lfsr ^ (32'(l) * 32'h9E37_79B9);
      act_data[l*16 +: 16] = {s[31], 8'd124 + {5'd0, s[2:0]}, s[16:10]};
    end
  end

  // CSR program: steps 0..3 write CMD_CFG (load), CMD_SHAPE, CMD_PSUM, CTRL.START;
  // step 4 writes CMD_CFG (reuse); then step 5 reads STATUS and step 6 writes
  // CTRL.START if the queue had room, until num_cmds commands are started.
  always_comb begin
    awaddr = CtrlAddr;
    wdata  = 32'd1;
    araddr = StatusAddr;
    case (step)
      4'd0: begin awaddr = CfgAddr;   wdata = CfgLoad;  end
      4'd1: begin awaddr = ShapeAddr; wdata = Shape;    end
      4'd2: begin awaddr = PsumAddr;  wdata = 32'd0;    end
      4'd4: begin awaddr = CfgAddr;   wdata = CfgReuse; end
      default: ;
    endcase
  end

  logic aw_done = 1'b0, w_done = 1'b0, ar_done = 1'b0;
  assign awvalid = bus_busy && bus_write && !aw_done;
  assign wvalid  = bus_busy && bus_write && !w_done;
  assign bready  = bus_busy && bus_write && aw_done && w_done;
  assign arvalid = bus_busy && !bus_write && !ar_done;
  assign rready  = bus_busy && !bus_write && ar_done;

  always @(posedge clk_i) begin : p_stim
    logic [31:0] x;
    cyc <= cyc + 32'd1;
    if (cyc >= 32'd4) begin  // rst_n high (not the net itself: it is also an async reset)
      if (w_valid && w_ready) w_sent <= w_sent + 32'd1;
      if (act_valid && act_ready) begin
        a_sent <= a_sent + 32'd1;
        lfsr   <= {lfsr[30:0], lfsr[31] ^ lfsr[21] ^ lfsr[1] ^ lfsr[0]};
      end
      if (res_valid) begin
        x = {csum[26:0], csum[31:27]} ^ {16'd0, res_addr};
        for (int l = 0; l < Cols; l++) x = x ^ res_data[l*32 +: 32];
        csum     <= x;
        res_seen <= res_seen + 32'd1;
        if (res_seen + 32'd1 == 32'(num_cmds) * 32'(PsumDepth)) begin
          $display("bench_tensor_stream: Rows=%0d Cols=%0d PsumDepth=%0d cmds=%0d rows=%0d cycles=%0d checksum=%08h",
                   Rows, Cols, PsumDepth, num_cmds, res_seen + 32'd1, cyc + 32'd1, x);
          $finish;
        end
      end
      // AXI4-Lite master
      if (!bus_busy) begin
        if (step <= 4'd4 || (started < 32'(num_cmds) && (step == 4'd5 || step == 4'd6))) begin
          bus_busy  <= 1'b1;
          bus_write <= step != 4'd5;
          aw_done   <= 1'b0;
          w_done    <= 1'b0;
          ar_done   <= 1'b0;
        end
      end else if (bus_write) begin
        if (awvalid && awready) aw_done <= 1'b1;
        if (wvalid && wready) w_done <= 1'b1;
        if (bready && bvalid) begin
          bus_busy <= 1'b0;
          if (bresp != 2'b00) begin
            $display("bench_tensor_stream: ERROR: CSR write refused at cycle %0d (step %0d)", cyc, step);
            $finish;
          end
          if (step == 4'd3 || step == 4'd6) started <= started + 32'd1;
          step <= step == 4'd3 ? 4'd4 : step == 4'd4 ? 4'd5 : step == 4'd6 ? 4'd5 : step + 4'd1;
          if (step == 4'd3 && num_cmds == 1) step <= 4'd7;  // nothing more to start
        end
      end else begin
        if (arvalid && arready) ar_done <= 1'b1;
        if (rready && rvalid) begin
          bus_busy <= 1'b0;
          // Queue full: read STATUS again; else START the next command.
          step <= rdata[tensor_reg_pkg::TENSOR_STATUS_QUEUE_FULL_LSB] ? 4'd5 : 4'd6;
        end
      end
    end
    if (cyc > 32'd100 + 32'(num_cmds) * 32'(PsumDepth + Rows + Cols) * 32'd4) begin
      $display("bench_tensor_stream: ERROR: timeout at cycle %0d (%0d results)", cyc, res_seen);
      $finish;
    end
  end
endmodule
