// Tensor engine: a weight-stationary systolic array with double-buffered
// weights, input skew / output deskew, a PSUM accumulate buffer, a command
// queue programmed through CSRs (AXI4-Lite) and valid/ready streams for
// weights, activations and results. See docs/tensor.md for the programming
// model and the exact cycle formulas.
//
// Pipeline (all datapath stages advance together when adv is high):
//   act handshake -> act_q -> skew (row r: r stages) -> array (r + c + 1)
//   -> deskew (column c: Cols-1-c stages) -> PSUM read-add-write -> out FIFO
// so a row accepted in cycle t is in the PSUM stage in cycle t + Rows + Cols
// and valid on res_* in cycle t + Rows + Cols + 1.
module tensor_engine #(
  parameter int Rows = 4,
  parameter int Cols = 4,
  parameter int PsumDepth = 16,
  parameter int CmdDepth = 4,
  localparam int CsrAddrBits = 8,
  localparam int PsumAddrBits = (PsumDepth > 1) ? $clog2(PsumDepth) : 1
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  // CSRs: AXI4-Lite slave
  input  logic                   s_axil_awvalid_i,
  output logic                   s_axil_awready_o,
  input  logic [CsrAddrBits-1:0] s_axil_awaddr_i,
  input  logic [2:0]             s_axil_awprot_i,
  input  logic                   s_axil_wvalid_i,
  output logic                   s_axil_wready_o,
  input  logic [31:0]            s_axil_wdata_i,
  input  logic [3:0]             s_axil_wstrb_i,
  output logic                   s_axil_bvalid_o,
  input  logic                   s_axil_bready_i,
  output logic [1:0]             s_axil_bresp_o,
  input  logic                   s_axil_arvalid_i,
  output logic                   s_axil_arready_o,
  input  logic [CsrAddrBits-1:0] s_axil_araddr_i,
  input  logic [2:0]             s_axil_arprot_i,
  output logic                   s_axil_rvalid_o,
  input  logic                   s_axil_rready_i,
  output logic [31:0]            s_axil_rdata_o,
  output logic [1:0]             s_axil_rresp_o,
  // weight rows (K index ascending), one row of Cols values per beat
  input  logic                   w_valid_i,
  output logic                   w_ready_o,
  input  logic [Cols*16-1:0]     w_data_i,
  // activation rows (M index ascending), one row of Rows values per beat
  input  logic                   act_valid_i,
  output logic                   act_ready_o,
  input  logic [Rows*16-1:0]     act_data_i,
  // result rows: the new PSUM row and its address
  output logic                   res_valid_o,
  input  logic                   res_ready_i,
  output logic [Cols*32-1:0]     res_data_o,
  output logic [15:0]            res_addr_o,
  // level interrupt: |(INTR_STATE & INTR_ENABLE)
  output logic                   irq_o,
  // quiescent: nothing will happen until an input handshake (see below)
  output logic                   idle_o
);
  // ---------------------------------------------------------------------------
  // CSR block (generated from rtl/regs/tensor.json)
  // ---------------------------------------------------------------------------
  logic        reg_req, reg_we, reg_err;
  logic [CsrAddrBits-1:0] reg_addr;
  logic [31:0] reg_wdata, reg_rdata;
  logic [3:0]  reg_wstrb;

  common_axil_reg_adapter #(.AddrBits(CsrAddrBits)) u_axil (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .s_axil_awvalid_i(s_axil_awvalid_i),
    .s_axil_awready_o(s_axil_awready_o),
    .s_axil_awaddr_i (s_axil_awaddr_i),
    .s_axil_awprot_i (s_axil_awprot_i),
    .s_axil_wvalid_i (s_axil_wvalid_i),
    .s_axil_wready_o (s_axil_wready_o),
    .s_axil_wdata_i  (s_axil_wdata_i),
    .s_axil_wstrb_i  (s_axil_wstrb_i),
    .s_axil_bvalid_o (s_axil_bvalid_o),
    .s_axil_bready_i (s_axil_bready_i),
    .s_axil_bresp_o  (s_axil_bresp_o),
    .s_axil_arvalid_i(s_axil_arvalid_i),
    .s_axil_arready_o(s_axil_arready_o),
    .s_axil_araddr_i (s_axil_araddr_i),
    .s_axil_arprot_i (s_axil_arprot_i),
    .s_axil_rvalid_o (s_axil_rvalid_o),
    .s_axil_rready_i (s_axil_rready_i),
    .s_axil_rdata_o  (s_axil_rdata_o),
    .s_axil_rresp_o  (s_axil_rresp_o),
    .reg_req_o       (reg_req),
    .reg_we_o        (reg_we),
    .reg_addr_o      (reg_addr),
    .reg_wdata_o     (reg_wdata),
    .reg_wstrb_o     (reg_wstrb),
    .reg_rdata_i     (reg_rdata),
    .reg_err_i       (reg_err)
  );

  logic        csr_start, csr_start_qe;
  logic        intr_done, intr_error, ie_done, ie_error;
  logic        set_done, set_error;
  logic [1:0]  cfg_dtype_a, cfg_dtype_w;
  logic        cfg_load_w, cfg_acc, cfg_emit, cfg_irq;
  logic [15:0] cfg_m, cfg_psum_addr;
  logic [9:0]  cfg_k;
  logic        st_busy, st_queue_full, st_loading, st_streaming;
  logic [3:0]  st_queue_count, err_code_q, err_code_d;
  logic [15:0] err_count_q, err_count_d;
  logic [31:0] cmds_done_q, cmds_done_d, busy_cycles_q, busy_cycles_d;
  logic [31:0] stall_cycles_q, stall_cycles_d, macs_q, macs_d;

  tensor_csr u_csr (
    .clk_i                      (clk_i),
    .rst_ni                     (rst_ni),
    .req_i                      (reg_req),
    .we_i                       (reg_we),
    .addr_i                     (reg_addr),
    .wdata_i                    (reg_wdata),
    .wstrb_i                    (reg_wstrb),
    .rdata_o                    (reg_rdata),
    .err_o                      (reg_err),
    .geometry_rows_i            (10'(Rows)),
    .geometry_cols_i            (10'(Cols)),
    .geometry_log2_psum_depth_i (5'(PsumAddrBits)),
    .ctrl_start_o               (csr_start),
    .ctrl_start_qe_o            (csr_start_qe),
    .status_busy_i              (st_busy),
    .status_queue_full_i        (st_queue_full),
    .status_queue_count_i       (st_queue_count),
    .status_weights_loading_i   (st_loading),
    .status_streaming_i         (st_streaming),
    .intr_state_done_set_i      (set_done),
    .intr_state_done_o          (intr_done),
    .intr_state_error_set_i     (set_error),
    .intr_state_error_o         (intr_error),
    .intr_enable_done_o         (ie_done),
    .intr_enable_error_o        (ie_error),
    .err_code_code_i            (err_code_q),
    .err_code_count_i           (err_count_q),
    .cmd_cfg_dtype_a_o          (cfg_dtype_a),
    .cmd_cfg_dtype_w_o          (cfg_dtype_w),
    .cmd_cfg_load_w_o           (cfg_load_w),
    .cmd_cfg_accumulate_o       (cfg_acc),
    .cmd_cfg_emit_o             (cfg_emit),
    .cmd_cfg_irq_o              (cfg_irq),
    .cmd_shape_m_rows_o         (cfg_m),
    .cmd_shape_k_rows_o         (cfg_k),
    .cmd_psum_addr_o            (cfg_psum_addr),
    .cmds_done_count_i          (cmds_done_q),
    .busy_cycles_count_i        (busy_cycles_q),
    .stall_cycles_count_i       (stall_cycles_q),
    .macs_count_i               (macs_q)
  );

  assign irq_o = (intr_done && ie_done) || (intr_error && ie_error);

  // ---------------------------------------------------------------------------
  // Command validation and queue
  // ---------------------------------------------------------------------------
  // Command word: {dtype_a, dtype_w, load_w, acc, emit, irq, m, k, psum_addr}
  localparam int CmdBits = 2 + 2 + 4 + 16 + 10 + 16;
  logic [CmdBits-1:0] cmd_in, head;
  logic        start, cmd_ok, q_push, q_pop, q_empty, q_full;
  logic [3:0]  cmd_err;
  logic [$clog2(CmdDepth+1)-1:0] q_count;
  logic        ever_loaded_q, ever_loaded_d;

  function automatic logic dtype_valid(input logic [1:0] dt);
    dtype_valid = (dt == tensor_pkg::DtypeBf16) || (dt == tensor_pkg::DtypeFp8E4m3) ||
                  (dt == tensor_pkg::DtypeFp8E5m2);
  endfunction

  assign start  = csr_start_qe && csr_start;
  assign cmd_in = {cfg_dtype_a, cfg_dtype_w, cfg_load_w, cfg_acc, cfg_emit, cfg_irq,
                   cfg_m, cfg_k, cfg_psum_addr};

  always_comb begin
    cmd_err = tensor_reg_pkg::TENSOR_ERR_CODE_NONE;
    if (!dtype_valid(cfg_dtype_a) || !dtype_valid(cfg_dtype_w)) begin
      cmd_err = tensor_reg_pkg::TENSOR_ERR_CODE_BAD_DTYPE;
    end else if (cfg_load_w && (cfg_k == '0 || 32'(cfg_k) > Rows)) begin
      cmd_err = tensor_reg_pkg::TENSOR_ERR_CODE_BAD_K;
    end else if (cfg_m == '0) begin
      cmd_err = tensor_reg_pkg::TENSOR_ERR_CODE_BAD_M;
    end else if (32'(cfg_psum_addr) + 32'(cfg_m) > PsumDepth) begin
      cmd_err = tensor_reg_pkg::TENSOR_ERR_CODE_PSUM_RANGE;
    end else if (!cfg_load_w && !ever_loaded_q) begin
      cmd_err = tensor_reg_pkg::TENSOR_ERR_CODE_NO_WEIGHTS;
    end else if (q_full) begin
      cmd_err = tensor_reg_pkg::TENSOR_ERR_CODE_QUEUE_FULL;
    end
  end

  assign cmd_ok    = (cmd_err == tensor_reg_pkg::TENSOR_ERR_CODE_NONE);
  assign q_push    = start && cmd_ok;
  assign set_error = start && !cmd_ok;

  always_comb begin
    err_code_d    = err_code_q;
    err_count_d   = err_count_q;
    ever_loaded_d = ever_loaded_q || (q_push && cfg_load_w);
    if (set_error) begin
      err_code_d = cmd_err;
      if (err_count_q != 16'hFFFF) err_count_d = err_count_q + 16'd1;
    end
  end

  common_fifo #(.Width(CmdBits), .Depth(CmdDepth)) u_cmdq (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (q_push),
    .data_i (cmd_in),
    .pop_i  (q_pop),
    .data_o (head),
    .empty_o(q_empty),
    .full_o (q_full),
    .count_o(q_count)
  );

  // Fields of the head command (the one the weight loader works on).
  logic [1:0]  h_dta, h_dtw;
  logic        h_load, h_acc, h_emit, h_irq;
  logic [15:0] h_m, h_psum;
  logic [9:0]  h_k;
  assign {h_dta, h_dtw, h_load, h_acc, h_emit, h_irq, h_m, h_k, h_psum} = head;

  // ---------------------------------------------------------------------------
  // Weight loader: works on the queue head. A load goes into the bank not
  // loaded last, once no command in the stream slot uses it and no row tagged
  // with it is left in the array. The head is popped into the stream slot
  // when its weights are in (at once for LOAD_W = 0) and the slot is free.
  // ---------------------------------------------------------------------------
  logic        last_bank_q, last_bank_d;       // bank of the most recent load
  logic        ld_started_q, ld_started_d;
  logic        ld_done_q, ld_done_d;         // the head's weights are all in
  logic [9:0]  ld_row_q, ld_row_d;
  logic [9:0]  krows_q [2];
  logic [9:0]  krows_d [2];
  logic [15:0] inflight_q [2];
  logic [15:0] inflight_d [2];
  logic        s_valid_q, s_valid_d;
  logic        s_bank_q, s_bank_d;
  logic [CmdBits-1:0] s_cmd_q, s_cmd_d;
  logic [15:0] s_row_q, s_row_d;
  logic        new_bank, bank_free, w_hs, head_done, s_finishing, s_free;
  logic [Rows-1:0] w_row_we;

  assign new_bank  = ~last_bank_q;
  assign bank_free = (inflight_q[new_bank] == '0) && !(s_valid_q && s_bank_q == new_bank);
  logic w_last;
  assign w_ready_o = !q_empty && h_load && !ld_done_q && (ld_started_q || bank_free);
  assign w_hs      = w_valid_i && w_ready_o;
  assign w_last    = w_hs && (ld_row_q == h_k - 10'd1);
  // Weights in: at once for LOAD_W = 0, else with (or after) the last beat.
  assign head_done = !q_empty && (!h_load || ld_done_q || w_last);

  always_comb begin
    w_row_we = '0;
    for (int r = 0; r < Rows; r++) begin
      if (w_hs && ld_row_q == 10'(r)) w_row_we[r] = 1'b1;
    end
  end

  // ---------------------------------------------------------------------------
  // Activation streamer (stream slot S) and the datapath advance
  // ---------------------------------------------------------------------------
  logic adv, act_hs;
  logic [1:0]  s_dta, s_dtw;
  logic        s_load, s_acc, s_emit, s_irq;
  logic [15:0] s_m, s_psum;
  logic [9:0]  s_k;
  assign {s_dta, s_dtw, s_load, s_acc, s_emit, s_irq, s_m, s_k, s_psum} = s_cmd_q;

  assign act_ready_o = s_valid_q && adv;
  assign act_hs      = act_valid_i && act_ready_o;
  assign s_finishing = act_hs && (s_row_q == s_m - 16'd1);
  assign s_free      = !s_valid_q || s_finishing;
  assign q_pop       = head_done && s_free;

  always_comb begin
    last_bank_d  = last_bank_q;
    ld_started_d = ld_started_q;
    ld_done_d    = ld_done_q || w_last;
    ld_row_d     = ld_row_q;
    // Element by element: Yosys 0.23 rejects whole-array assignments.
    krows_d[0]   = krows_q[0];
    krows_d[1]   = krows_q[1];
    s_valid_d    = s_valid_q;
    s_bank_d     = s_bank_q;
    s_cmd_d      = s_cmd_q;
    s_row_d      = s_row_q;

    if (w_hs) begin
      if (!ld_started_q) begin
        ld_started_d      = 1'b1;
        last_bank_d       = new_bank;
        krows_d[new_bank] = h_k;
      end
      ld_row_d = ld_row_q + 10'd1;
    end

    if (act_hs) s_row_d = s_row_q + 16'd1;
    if (s_finishing) s_valid_d = 1'b0;

    if (q_pop) begin
      // A pop ends the load of the head; the next head starts afresh.
      ld_started_d = 1'b0;
      ld_done_d    = 1'b0;
      ld_row_d     = '0;
      s_valid_d    = 1'b1;
      s_cmd_d      = head;
      s_row_d      = '0;
      // LOAD_W = 0 reuses the last loaded bank; a load used the new one.
      s_bank_d     = h_load ? (ld_started_q ? last_bank_q : new_bank) : last_bank_q;
    end
  end

  // ---------------------------------------------------------------------------
  // Datapath: input register, skew, array, deskew, PSUM, output FIFO
  // ---------------------------------------------------------------------------
  // Side band that travels with a row to the PSUM stage.
  localparam int MetaBits = 1 + 1 + 16 + 1 + 1 + 1 + 1;
  logic [MetaBits-1:0] meta_in, meta_out;
  logic        m_valid, m_bank, m_acc, m_emit, m_last, m_irq;
  logic [15:0] m_addr;

  assign meta_in = {act_hs, s_bank_q, s_psum + s_row_q, s_acc, s_emit, s_finishing, s_irq};
  assign {m_valid, m_bank, m_addr, m_acc, m_emit, m_last, m_irq} = meta_out;

  common_delay #(.Width(MetaBits), .Depth(Rows + Cols)) u_meta (
    .clk_i (clk_i),
    .rst_ni(rst_ni),
    .en_i  (adv),
    .data_i(meta_in),
    .data_o(meta_out)
  );

  // Input register: one row plus its tags.
  localparam int LaneBits = 16 + 1 + 1 + 2 + 2;  // act, valid, bank, dtype_a, dtype_w
  logic [Rows*LaneBits-1:0] lanes_d, lanes_q, lanes_skewed;
  always_comb begin
    lanes_d = lanes_q;
    if (adv) begin
      for (int r = 0; r < Rows; r++) begin
        lanes_d[r*LaneBits +: LaneBits] = {act_data_i[r*16 +: 16], act_hs, s_bank_q, s_dta, s_dtw};
      end
    end
  end
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) lanes_q <= '0;
    else lanes_q <= lanes_d;
  end

  tensor_skew #(.Lanes(Rows), .Width(LaneBits), .Reverse(1'b0)) u_skew (
    .clk_i (clk_i),
    .rst_ni(rst_ni),
    .en_i  (adv),
    .data_i(lanes_q),
    .data_o(lanes_skewed)
  );

  logic [Rows*16-1:0] arr_act;
  logic [Rows-1:0]    arr_valid, arr_bank, arr_en;
  logic [Rows*2-1:0]  arr_dta, arr_dtw;
  always_comb begin
    for (int r = 0; r < Rows; r++) begin
      {arr_act[r*16 +: 16], arr_valid[r], arr_bank[r], arr_dta[r*2 +: 2], arr_dtw[r*2 +: 2]} =
          lanes_skewed[r*LaneBits +: LaneBits];
      // Rows at or beyond the tile's K pass the partial sum through.
      arr_en[r] = (10'(r) < krows_q[arr_bank[r]]);
    end
  end

  logic [Cols*32-1:0] col_sums, col_sums_aligned, psum_row;
  tensor_array #(.Rows(Rows), .Cols(Cols)) u_array (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .adv_i      (adv),
    .act_i      (arr_act),
    .act_valid_i(arr_valid),
    .act_bank_i (arr_bank),
    .act_en_i   (arr_en),
    .dtype_a_i  (arr_dta),
    .dtype_w_i  (arr_dtw),
    .psum_o     (col_sums),
    .w_row_we_i (w_row_we),
    .w_bank_i   (ld_started_q ? last_bank_q : new_bank),
    .w_i        (w_data_i)
  );

  tensor_skew #(.Lanes(Cols), .Width(32), .Reverse(1'b1)) u_deskew (
    .clk_i (clk_i),
    .rst_ni(rst_ni),
    .en_i  (adv),
    .data_i(col_sums),
    .data_o(col_sums_aligned)
  );

  logic psum_we;
  assign psum_we = adv && m_valid;
  tensor_psum #(.Cols(Cols), .Depth(PsumDepth)) u_psum (
    .clk_i (clk_i),
    .rst_ni(rst_ni),
    .we_i  (psum_we),
    .addr_i(m_addr[PsumAddrBits-1:0]),
    .acc_i (m_acc),
    .col_i (col_sums_aligned),
    .row_o (psum_row)
  );

  // Two-entry result FIFO. The array advances only while it has room, so
  // back-pressure stalls the whole datapath; with res_ready_i held high it
  // never fills and the array streams one row per cycle.
  logic out_push, out_empty, out_full;
  logic [1:0] out_count;
  assign out_push = psum_we && m_emit;
  assign adv      = (out_count < 2'd2);

  common_fifo #(.Width(Cols*32 + 16), .Depth(2)) u_outq (
    .clk_i  (clk_i),
    .rst_ni (rst_ni),
    .push_i (out_push),
    .data_i ({m_addr, psum_row}),
    .pop_i  (res_valid_o && res_ready_i),
    .data_o ({res_addr_o, res_data_o}),
    .empty_o(out_empty),
    .full_o (out_full),
    .count_o(out_count)
  );
  assign res_valid_o = !out_empty;

  // ---------------------------------------------------------------------------
  // Book-keeping: rows in flight per bank, completion, counters, status
  // ---------------------------------------------------------------------------
  logic cmd_done;
  assign cmd_done = psum_we && m_last;
  assign set_done = cmd_done && m_irq;

  always_comb begin
    inflight_d[0] = inflight_q[0];
    inflight_d[1] = inflight_q[1];
    if (act_hs) inflight_d[s_bank_q] = inflight_d[s_bank_q] + 16'd1;
    if (psum_we) inflight_d[m_bank] = inflight_d[m_bank] - 16'd1;
  end

  logic [15:0] outstanding_q, outstanding_d;
  always_comb begin
    outstanding_d = outstanding_q;
    if (q_push && !cmd_done) outstanding_d = outstanding_q + 16'd1;
    if (!q_push && cmd_done) outstanding_d = outstanding_q - 16'd1;
  end

  assign st_busy        = (outstanding_q != '0) || !out_empty;
  assign st_queue_full  = q_full;
  assign st_queue_count = (outstanding_q > 16'd15) ? 4'hF : outstanding_q[3:0];
  assign st_loading     = !q_empty && h_load;
  assign st_streaming   = s_valid_q;

  always_comb begin
    cmds_done_d    = cmds_done_q + (cmd_done ? 32'd1 : 32'd0);
    busy_cycles_d  = busy_cycles_q + (st_busy ? 32'd1 : 32'd0);
    stall_cycles_d = stall_cycles_q + ((!adv) ? 32'd1 : 32'd0);
    macs_d         = macs_q + (act_hs ? 32'(krows_q[s_bank_q]) * 32'(Cols) : 32'd0);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      err_code_q     <= tensor_reg_pkg::TENSOR_ERR_CODE_NONE;
      err_count_q    <= '0;
      ever_loaded_q  <= 1'b0;
      last_bank_q    <= 1'b1;  // so the first load goes to bank 0
      ld_started_q   <= 1'b0;
      ld_done_q      <= 1'b0;
      ld_row_q       <= '0;
      krows_q[0]     <= '0;
      krows_q[1]     <= '0;
      inflight_q[0]  <= '0;
      inflight_q[1]  <= '0;
      s_valid_q      <= 1'b0;
      s_bank_q       <= 1'b0;
      s_cmd_q        <= '0;
      s_row_q        <= '0;
      outstanding_q  <= '0;
      cmds_done_q    <= '0;
      busy_cycles_q  <= '0;
      stall_cycles_q <= '0;
      macs_q         <= '0;
    end else begin
      err_code_q     <= err_code_d;
      err_count_q    <= err_count_d;
      ever_loaded_q  <= ever_loaded_d;
      last_bank_q    <= last_bank_d;
      ld_started_q   <= ld_started_d;
      ld_done_q      <= ld_done_d;
      ld_row_q       <= ld_row_d;
      krows_q[0]     <= krows_d[0];
      krows_q[1]     <= krows_d[1];
      inflight_q[0]  <= inflight_d[0];
      inflight_q[1]  <= inflight_d[1];
      s_valid_q      <= s_valid_d;
      s_bank_q       <= s_bank_d;
      s_cmd_q        <= s_cmd_d;
      s_row_q        <= s_row_d;
      outstanding_q  <= outstanding_d;
      cmds_done_q    <= cmds_done_d;
      busy_cycles_q  <= busy_cycles_d;
      stall_cycles_q <= stall_cycles_d;
      macs_q         <= macs_d;
    end
  end

  // ---------------------------------------------------------------------------
  // Idle: high when, with the inputs held as they are, no register that can
  // reach an output or the PSUM changes and no output changes until an input
  // handshake (AXI4-Lite AW/W/AR, or w/act valid meeting ready) arrives. It
  // needs: no command queued, in the stream slot or in flight
  // (outstanding_q == 0: rows travel in order and a command is done when its
  // last row reaches the PSUM, so no valid row is in the pipeline), the
  // result FIFO empty, the AXI4-Lite adapter empty (no buffered AW/W/AR, no
  // B or R waiting) and no START pulse on its way from the CSR block. Then
  // every counter holds (BUSY and STALL need work or a full FIFO) and
  // w_ready_o / act_ready_o are low, so data offered on the streams is not
  // taken. The datapath's data registers still shift don't-care values (all
  // valid bits low); they never reach PSUM or res_data_o. A simulator may
  // therefore stop clocking while idle_o is high and its inputs offer no new
  // handshake (clock gating; cosim/tensor/tensor_rtl_tlm.h).
  // ---------------------------------------------------------------------------
  assign idle_o = (outstanding_q == '0) && out_empty && !csr_start_qe &&
                  s_axil_awready_o && s_axil_wready_o && s_axil_arready_o &&
                  !s_axil_bvalid_o && !s_axil_rvalid_o;

  logic unused_sig;
  assign unused_sig = ^{s_load, s_k, q_count, h_dta, h_dtw, h_acc, h_emit, h_irq, h_m, h_psum};

`ifndef SYNTHESIS
`ifdef VERILATOR
  // Parameter sanity and invariants; run in every Verilator test (--assert).
  initial begin
    assert (Rows >= 1 && Rows <= 1023) else $fatal(1, "tensor_engine: Rows out of range");
    assert (Cols >= 1 && Cols <= 1023) else $fatal(1, "tensor_engine: Cols out of range");
    assert (PsumDepth >= 1 && PsumDepth <= 65536 && (PsumDepth & (PsumDepth - 1)) == 0)
      else $fatal(1, "tensor_engine: PsumDepth must be a power of two <= 65536");
  end
  // (The checked signals are all low while in reset, so no reset gating.)
  always_ff @(posedge clk_i) begin
    assert (!(psum_we && m_emit && out_full)) else $error("tensor_engine: result FIFO overflow");
    assert (!(act_hs && !s_valid_q)) else $error("tensor_engine: activation taken with no command");
  end
`endif
`endif
endmodule
