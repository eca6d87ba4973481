// Self-checking smoke test of the whole tensor engine under Icarus Verilog
// (and any other simulator): programs commands over AXI4-Lite, streams
// weights and activations, and compares every result row bit for bit with
// the golden model's (vectors from gen_smoke_vectors, $readmemh files).
// Register offsets and fields come from the generated tensor_reg_pkg.
//
// Plusargs:
//   +vectors=DIR     directory of the smoke_*.hex files (default .)
//   +reps=N          run the whole command list N times back to back (default 1;
//                    a workload knob for speed comparisons)
//   +ready_pct=P     result stream ready in P% of cycles (default 100: no back-pressure)
//   +valid_pct=P     weight/activation streams offer data in P% of cycles (default 100)
//   +timeout=N       fail after N cycles without progress (default 20000)
//   +dump[=FILE]     write a waveform (default tb_tensor_engine_smoke.vcd; for FST
//                    run `vvp SIM -fst +dump=FILE.fst`)
//   +verbose         print every command and result row
// Prints "PASS: ..." and ends with $finish, or "FAIL: ..." and $fatal(1).
`timescale 1ns / 1ps

module tb_tensor_engine_smoke #(
  parameter int Rows = 4,
  parameter int Cols = 4,
  parameter int PsumDepth = 16,
  parameter int CmdDepth = 4,
  parameter int MaxLines = 4096  // capacity of each vector memory, in rows
);
  localparam int CmdWords = 9;
  localparam int AddrBits = tensor_reg_pkg::TENSOR_ADDR_BITS;
  localparam int ResBits = 16 + Cols * 32;

  // ---------------------------------------------------------------------------
  // Clock, reset, cycle counter
  // ---------------------------------------------------------------------------
  logic clk = 1'b0;
  logic rst_n = 1'b0;
  always #5 clk = ~clk;
  longint unsigned cycle = 0;
  always @(posedge clk) cycle <= cycle + 1;

  // ---------------------------------------------------------------------------
  // DUT
  // ---------------------------------------------------------------------------
  logic                awvalid = 1'b0, wvalid = 1'b0, bready = 1'b0, arvalid = 1'b0, rready = 1'b0;
  logic                awready, wready, bvalid, arready, rvalid;
  logic [AddrBits-1:0] awaddr = '0, araddr = '0;
  logic [31:0]         wdata = '0, rdata;
  logic [3:0]          wstrb = '0;
  logic [1:0]          bresp, rresp;
  logic                w_valid, w_ready, act_valid, act_ready, res_valid, res_ready;
  logic [Cols*16-1:0]  w_data;
  logic [Rows*16-1:0]  act_data;
  logic [Cols*32-1:0]  res_data;
  logic [15:0]         res_addr;
  logic                irq;

  tensor_engine #(
    .Rows(Rows), .Cols(Cols), .PsumDepth(PsumDepth), .CmdDepth(CmdDepth)
  ) dut (
    .clk_i           (clk),
    .rst_ni          (rst_n),
    .s_axil_awvalid_i(awvalid),
    .s_axil_awready_o(awready),
    .s_axil_awaddr_i (awaddr),
    .s_axil_awprot_i (3'b000),
    .s_axil_wvalid_i (wvalid),
    .s_axil_wready_o (wready),
    .s_axil_wdata_i  (wdata),
    .s_axil_wstrb_i  (wstrb),
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
    .res_ready_i     (res_ready),
    .res_data_o      (res_data),
    .res_addr_o      (res_addr),
    .irq_o           (irq)
  );

  // ---------------------------------------------------------------------------
  // Vectors and options
  // ---------------------------------------------------------------------------
  logic [31:0]        meta    [0:8];
  logic [15:0]        cmd_mem [0:MaxLines*CmdWords-1];
  logic [Cols*16-1:0] w_mem   [0:MaxLines-1];
  logic [Rows*16-1:0] act_mem [0:MaxLines-1];
  logic [ResBits-1:0] res_mem [0:MaxLines-1];
  int n_cmds = 0, n_w = 0, n_act = 0, n_res = 0;
  int reps = 1, ready_pct = 100, valid_pct = 100, timeout = 20000;
  bit verbose = 1'b0;
  bit loaded = 1'b0;  // vectors read: the streams may start
  string vec_dir = ".";
  string dump_file = "tb_tensor_engine_smoke.vcd";

  int errors = 0;
  longint unsigned last_progress = 0, last_res_cycle = 0;

  task automatic fail(input string msg);
    $display("FAIL: tb_tensor_engine_smoke: %0s (cycle %0d)", msg, cycle);
    $fatal(1, "tb_tensor_engine_smoke failed");
  endtask

  // AXI4-Lite master (testbenches/common/axil_master_tasks.svh).
  task automatic axil_error(input string msg);
    errors++;
    $display("FAIL: %0s", msg);
  endtask
  task automatic axil_done();
    last_progress = cycle;
  endtask
`include "axil_master_tasks.svh"

  function automatic logic [31:0] fld(input int unsigned value, input int lsb,
                                      input logic [31:0] mask);
    fld = (32'(value) & mask) << lsb;
  endfunction

  function automatic logic [31:0] get(input logic [31:0] reg_value, input int lsb,
                                      input logic [31:0] mask);
    get = (reg_value >> lsb) & mask;
  endfunction

  // ---------------------------------------------------------------------------
  // Streams: the vector files in order, repeated reps times. valid_pct < 100
  // leaves gaps; a valid once raised stays up until taken.
  // ---------------------------------------------------------------------------
  int w_idx = 0, act_idx = 0, res_idx = 0;
  logic [31:0] lfsr = 32'h1;
  logic w_offer = 1'b1, act_offer = 1'b1, res_take = 1'b1;

  function automatic logic [31:0] lfsr_next(input logic [31:0] x);
    lfsr_next = {x[30:0], x[31] ^ x[21] ^ x[1] ^ x[0]};
  endfunction

  assign w_valid   = loaded && rst_n && w_offer && (w_idx < n_w * reps);
  assign w_data    = w_mem[(n_w > 0) ? (w_idx % n_w) : 0];
  assign act_valid = loaded && rst_n && act_offer && (act_idx < n_act * reps);
  assign act_data  = act_mem[(n_act > 0) ? (act_idx % n_act) : 0];
  assign res_ready = res_take;

  always @(posedge clk) begin
    logic [31:0] r1, r2, r3;
    logic [ResBits-1:0] expect_row;
    r1 = lfsr_next(lfsr);
    r2 = lfsr_next(r1);
    r3 = lfsr_next(r2);
    lfsr <= r3;
    if (rst_n) begin
      if (w_valid && w_ready) begin
        w_idx <= w_idx + 1;
        last_progress = cycle;
      end
      if (act_valid && act_ready) begin
        act_idx <= act_idx + 1;
        last_progress = cycle;
      end
      if (!(w_valid && !w_ready)) w_offer <= (r1 % 100) < valid_pct;
      if (!(act_valid && !act_ready)) act_offer <= (r2 % 100) < valid_pct;
      res_take <= (r3 % 100) < ready_pct;

      if (res_valid && res_ready) begin
        last_progress = cycle;
        last_res_cycle = cycle;
        if (res_idx >= n_res * reps) begin
          errors++;
          $display("FAIL: extra result row: addr %0d data %h", res_addr, res_data);
        end else begin
          expect_row = res_mem[res_idx % n_res];
          if (verbose) $display("  result %0d: addr %0d data %h", res_idx, res_addr, res_data);
          if ({res_addr, res_data} !== expect_row) begin
            errors++;
            if (errors <= 10) begin
              $display("FAIL: result row %0d (rep %0d, row %0d): addr %0d, expected %0d",
                       res_idx, res_idx / n_res, res_idx % n_res, res_addr,
                       expect_row[ResBits-1 -: 16]);
              for (int c = 0; c < Cols; c++) begin
                if (res_data[c*32 +: 32] !== expect_row[c*32 +: 32])
                  $display("        column %0d: got %h, expected %h", c, res_data[c*32 +: 32],
                           expect_row[c*32 +: 32]);
              end
            end
          end
        end
        res_idx <= res_idx + 1;
      end
    end
  end

  // Watchdog: no handshake on any stream or CSR write for `timeout` cycles.
  always @(posedge clk) begin
    if (loaded && cycle > last_progress + longint'(timeout)) begin
      $display("FAIL: no progress for %0d cycles: weight rows %0d/%0d, activation rows %0d/%0d, results %0d/%0d",
               timeout, w_idx, n_w * reps, act_idx, n_act * reps, res_idx, n_res * reps);
      fail("timeout");
    end
  end

  // ---------------------------------------------------------------------------
  // Main: load vectors, program the commands, wait for all results, check the
  // counters and the interrupt.
  // ---------------------------------------------------------------------------
  initial begin
    logic [31:0] v, cfg, shape, psum, last_cfg, last_shape, last_psum, stalls;
    int base;
    longint unsigned t0;
    if ($value$plusargs("vectors=%s", vec_dir)) begin end
    if ($value$plusargs("reps=%d", reps)) begin end
    if ($value$plusargs("ready_pct=%d", ready_pct)) begin end
    if ($value$plusargs("valid_pct=%d", valid_pct)) begin end
    if ($value$plusargs("timeout=%d", timeout)) begin end
    verbose = $test$plusargs("verbose");
    if ($test$plusargs("dump")) begin
      if ($value$plusargs("dump=%s", dump_file)) begin end
      $dumpfile(dump_file);
      $dumpvars(0, tb_tensor_engine_smoke);
    end
    if (reps < 1 || ready_pct < 1 || valid_pct < 1) fail("reps, ready_pct and valid_pct must be >= 1");

    $readmemh({vec_dir, "/smoke_meta.hex"}, meta);
    if (meta[0] !== 32'(Rows) || meta[1] !== 32'(Cols) || meta[2] !== 32'(PsumDepth))
      fail($sformatf("vectors are for %0dx%0d PSUM %0d, the testbench is %0dx%0d PSUM %0d",
                     meta[0], meta[1], meta[2], Rows, Cols, PsumDepth));
    n_cmds = meta[3];
    n_w    = meta[4];
    n_act  = meta[5];
    n_res  = meta[6];
    if (n_cmds < 1 || n_w < 1 || n_act < 1 || n_res < 1 || n_cmds > MaxLines || n_w > MaxLines ||
        n_act > MaxLines || n_res > MaxLines)
      fail($sformatf("vector counts out of range (cmds %0d, w %0d, act %0d, res %0d; MaxLines %0d)",
                     n_cmds, n_w, n_act, n_res, MaxLines));
    $readmemh({vec_dir, "/smoke_cmds.hex"}, cmd_mem, 0, n_cmds * CmdWords - 1);
    $readmemh({vec_dir, "/smoke_w.hex"}, w_mem, 0, n_w - 1);
    $readmemh({vec_dir, "/smoke_act.hex"}, act_mem, 0, n_act - 1);
    $readmemh({vec_dir, "/smoke_res.hex"}, res_mem, 0, n_res - 1);
    $display("tb_tensor_engine_smoke: %0dx%0d PSUM %0d, %0d commands x %0d reps, seed %0d",
             Rows, Cols, PsumDepth, n_cmds, reps, meta[7]);

    repeat (5) @(posedge clk);
    rst_n <= 1'b1;
    @(posedge clk);
    loaded = 1'b1;
    last_progress = cycle;

    // Identity and geometry.
    csr_read(tensor_reg_pkg::TENSOR_ID_OFFSET, v);
    if (get(v, tensor_reg_pkg::TENSOR_ID_MAGIC_LSB, tensor_reg_pkg::TENSOR_ID_MAGIC_MASK) !==
        32'(tensor_reg_pkg::TENSOR_ID_MAGIC_RESET))
      fail($sformatf("ID reads 0x%08h", v));
    csr_read(tensor_reg_pkg::TENSOR_GEOMETRY_OFFSET, v);
    if (get(v, tensor_reg_pkg::TENSOR_GEOMETRY_ROWS_LSB, tensor_reg_pkg::TENSOR_GEOMETRY_ROWS_MASK) !== 32'(Rows) ||
        get(v, tensor_reg_pkg::TENSOR_GEOMETRY_COLS_LSB, tensor_reg_pkg::TENSOR_GEOMETRY_COLS_MASK) !== 32'(Cols))
      fail($sformatf("GEOMETRY reads 0x%08h", v));
    csr_write(tensor_reg_pkg::TENSOR_INTR_ENABLE_OFFSET,
              fld(1, tensor_reg_pkg::TENSOR_INTR_ENABLE_DONE_LSB, tensor_reg_pkg::TENSOR_INTR_ENABLE_DONE_MASK));

    t0 = cycle;
    last_cfg = 32'hFFFF_FFFF;
    last_shape = 32'hFFFF_FFFF;
    last_psum = 32'hFFFF_FFFF;
    for (int rep = 0; rep < reps; rep++) begin
      for (int c = 0; c < n_cmds; c++) begin
        base = c * CmdWords;
        cfg = fld(cmd_mem[base + 0], tensor_reg_pkg::TENSOR_CMD_CFG_DTYPE_A_LSB, tensor_reg_pkg::TENSOR_CMD_CFG_DTYPE_A_MASK) |
              fld(cmd_mem[base + 1], tensor_reg_pkg::TENSOR_CMD_CFG_DTYPE_W_LSB, tensor_reg_pkg::TENSOR_CMD_CFG_DTYPE_W_MASK) |
              fld(cmd_mem[base + 2], tensor_reg_pkg::TENSOR_CMD_CFG_LOAD_W_LSB, tensor_reg_pkg::TENSOR_CMD_CFG_LOAD_W_MASK) |
              fld(cmd_mem[base + 3], tensor_reg_pkg::TENSOR_CMD_CFG_ACCUMULATE_LSB, tensor_reg_pkg::TENSOR_CMD_CFG_ACCUMULATE_MASK) |
              fld(cmd_mem[base + 4], tensor_reg_pkg::TENSOR_CMD_CFG_EMIT_LSB, tensor_reg_pkg::TENSOR_CMD_CFG_EMIT_MASK) |
              fld(cmd_mem[base + 5], tensor_reg_pkg::TENSOR_CMD_CFG_IRQ_LSB, tensor_reg_pkg::TENSOR_CMD_CFG_IRQ_MASK);
        shape = fld(cmd_mem[base + 6], tensor_reg_pkg::TENSOR_CMD_SHAPE_M_ROWS_LSB, tensor_reg_pkg::TENSOR_CMD_SHAPE_M_ROWS_MASK) |
                fld(cmd_mem[base + 7], tensor_reg_pkg::TENSOR_CMD_SHAPE_K_ROWS_LSB, tensor_reg_pkg::TENSOR_CMD_SHAPE_K_ROWS_MASK);
        psum = fld(cmd_mem[base + 8], tensor_reg_pkg::TENSOR_CMD_PSUM_ADDR_LSB, tensor_reg_pkg::TENSOR_CMD_PSUM_ADDR_MASK);
        if (verbose)
          $display("  cycle %0d: command %0d of rep %0d: CMD_CFG 0x%08h CMD_SHAPE 0x%08h CMD_PSUM 0x%08h",
                   cycle, c, rep, cfg, shape, psum);
        // The registers keep their values: write only what changes.
        if (cfg != last_cfg) csr_write(tensor_reg_pkg::TENSOR_CMD_CFG_OFFSET, cfg);
        if (shape != last_shape) csr_write(tensor_reg_pkg::TENSOR_CMD_SHAPE_OFFSET, shape);
        if (psum != last_psum) csr_write(tensor_reg_pkg::TENSOR_CMD_PSUM_OFFSET, psum);
        last_cfg = cfg;
        last_shape = shape;
        last_psum = psum;
        // Wait for room in the command queue, then queue it.
        do begin
          csr_read(tensor_reg_pkg::TENSOR_STATUS_OFFSET, v);
        end while (get(v, tensor_reg_pkg::TENSOR_STATUS_QUEUE_FULL_LSB,
                       tensor_reg_pkg::TENSOR_STATUS_QUEUE_FULL_MASK) != 0);
        csr_write(tensor_reg_pkg::TENSOR_CTRL_OFFSET,
                  fld(1, tensor_reg_pkg::TENSOR_CTRL_START_LSB, tensor_reg_pkg::TENSOR_CTRL_START_MASK));
      end
    end

    // All results in, then the engine idle.
    while (res_idx < n_res * reps) @(posedge clk);
    do begin
      csr_read(tensor_reg_pkg::TENSOR_STATUS_OFFSET, v);
    end while (get(v, tensor_reg_pkg::TENSOR_STATUS_BUSY_LSB, tensor_reg_pkg::TENSOR_STATUS_BUSY_MASK) != 0);
    repeat (4) @(posedge clk);
    if (res_idx != n_res * reps) begin
      errors++;
      $display("FAIL: %0d result rows, expected %0d", res_idx, n_res * reps);
    end

    // Counters, error register, interrupt.
    csr_read(tensor_reg_pkg::TENSOR_CMDS_DONE_OFFSET, v);
    if (v != 32'(n_cmds * reps)) begin
      errors++;
      $display("FAIL: CMDS_DONE %0d, expected %0d", v, n_cmds * reps);
    end
    csr_read(tensor_reg_pkg::TENSOR_MACS_OFFSET, v);
    if (v != 32'(longint'(meta[8]) * reps)) begin
      errors++;
      $display("FAIL: MACS %0d, expected %0d", v, 32'(longint'(meta[8]) * reps));
    end
    csr_read(tensor_reg_pkg::TENSOR_STALL_CYCLES_OFFSET, stalls);
    if (ready_pct <= 50 && stalls == 0) begin
      errors++;
      $display("FAIL: STALL_CYCLES is 0 with the result stream ready only %0d%% of cycles", ready_pct);
    end
    csr_read(tensor_reg_pkg::TENSOR_ERR_CODE_OFFSET, v);
    if (get(v, tensor_reg_pkg::TENSOR_ERR_CODE_COUNT_LSB, tensor_reg_pkg::TENSOR_ERR_CODE_COUNT_MASK) != 0) begin
      errors++;
      $display("FAIL: %0d commands refused, last code %0d", get(v, tensor_reg_pkg::TENSOR_ERR_CODE_COUNT_LSB,
               tensor_reg_pkg::TENSOR_ERR_CODE_COUNT_MASK), get(v, tensor_reg_pkg::TENSOR_ERR_CODE_CODE_LSB,
               tensor_reg_pkg::TENSOR_ERR_CODE_CODE_MASK));
    end
    csr_read(tensor_reg_pkg::TENSOR_INTR_STATE_OFFSET, v);
    if (get(v, tensor_reg_pkg::TENSOR_INTR_STATE_DONE_LSB, tensor_reg_pkg::TENSOR_INTR_STATE_DONE_MASK) != 1 ||
        irq !== 1'b1) begin
      errors++;
      $display("FAIL: INTR_STATE 0x%08h, irq %b: expected DONE and the interrupt", v, irq);
    end
    csr_write(tensor_reg_pkg::TENSOR_INTR_STATE_OFFSET,
              fld(1, tensor_reg_pkg::TENSOR_INTR_STATE_DONE_LSB, tensor_reg_pkg::TENSOR_INTR_STATE_DONE_MASK));
    @(posedge clk);
    if (irq !== 1'b0) begin
      errors++;
      $display("FAIL: irq still high after clearing INTR_STATE.DONE");
    end

    if (errors != 0) fail($sformatf("%0d errors", errors));
    $display("PASS: tb_tensor_engine_smoke %0dx%0d PSUM %0d: %0d commands, %0d result rows bit-exact, %0d cycles from the first command to the last result, %0d stall cycles",
             Rows, Cols, PsumDepth, n_cmds * reps, res_idx, last_res_cycle + 1 - t0, stalls);
    $finish;
  end
endmodule
