// AXI4-Lite slave -> single-cycle register bus (the bus of the generated
// <block>_csr modules, see docs/regmap.md).
//
// One write and one read are in flight at a time. AW and W are each captured
// in a one-entry buffer, in either order or together; once both are held and
// the B channel is free, the write goes to the register bus for one cycle and
// its response is registered onto B. A read is captured from AR, issued once R
// is free, and registered onto R. When a write and a read are both ready to
// issue in the same cycle, the loser of the previous such conflict goes first
// (round robin, so neither starves; the first conflict after reset goes to the
// write). reg_err_i becomes SLVERR (2'b10) and a read with an error
// returns 0. B and R stay stable until accepted.
//
// Timing: a write whose AW and W handshake in cycle t reaches the register bus
// in cycle t+1 and B is valid in cycle t+2; likewise AR in t gives R in t+2.
module common_axil_reg_adapter #(
  parameter int AddrBits = 8
) (
  input  logic                clk_i,
  input  logic                rst_ni,

  // AXI4-Lite slave
  input  logic                s_axil_awvalid_i,
  output logic                s_axil_awready_o,
  input  logic [AddrBits-1:0] s_axil_awaddr_i,
  input  logic [2:0]          s_axil_awprot_i,
  input  logic                s_axil_wvalid_i,
  output logic                s_axil_wready_o,
  input  logic [31:0]         s_axil_wdata_i,
  input  logic [3:0]          s_axil_wstrb_i,
  output logic                s_axil_bvalid_o,
  input  logic                s_axil_bready_i,
  output logic [1:0]          s_axil_bresp_o,
  input  logic                s_axil_arvalid_i,
  output logic                s_axil_arready_o,
  input  logic [AddrBits-1:0] s_axil_araddr_i,
  input  logic [2:0]          s_axil_arprot_i,
  output logic                s_axil_rvalid_o,
  input  logic                s_axil_rready_i,
  output logic [31:0]         s_axil_rdata_o,
  output logic [1:0]          s_axil_rresp_o,

  // Register bus (single cycle: reg_rdata_i and reg_err_i answer in the
  // cycle reg_req_o is high)
  output logic                reg_req_o,
  output logic                reg_we_o,
  output logic [AddrBits-1:0] reg_addr_o,
  output logic [31:0]         reg_wdata_o,
  output logic [3:0]          reg_wstrb_o,
  input  logic [31:0]         reg_rdata_i,
  input  logic                reg_err_i
);

  localparam logic [1:0] RespOkay = 2'b00;
  localparam logic [1:0] RespSlvErr = 2'b10;

  // Write address and data buffers, write response
  logic                aw_full_q, aw_full_d;
  logic [AddrBits-1:0] aw_addr_q, aw_addr_d;
  logic                w_full_q, w_full_d;
  logic [31:0]         w_data_q, w_data_d;
  logic [3:0]          w_strb_q, w_strb_d;
  logic                b_valid_q, b_valid_d;
  logic [1:0]          b_resp_q, b_resp_d;
  // Read address buffer, read response
  logic                ar_full_q, ar_full_d;
  logic [AddrBits-1:0] ar_addr_q, ar_addr_d;
  logic                r_valid_q, r_valid_d;
  logic [31:0]         r_data_q, r_data_d;
  logic [1:0]          r_resp_q, r_resp_d;
  // 1: a write wins the next conflict with a read, 0: the read does
  logic                write_first_q, write_first_d;

  logic wr_pending, rd_pending, wr_grant, rd_grant;

  // Handshakes: a buffer takes a new beat only when empty.
  assign s_axil_awready_o = !aw_full_q;
  assign s_axil_wready_o  = !w_full_q;
  assign s_axil_arready_o = !ar_full_q;

  // Arbitration between the buffered write and the buffered read.
  assign wr_pending = aw_full_q && w_full_q && !b_valid_q;
  assign rd_pending = ar_full_q && !r_valid_q;
  assign wr_grant   = wr_pending && (!rd_pending || write_first_q);
  assign rd_grant   = rd_pending && !wr_grant;

  assign reg_req_o   = wr_grant || rd_grant;
  assign reg_we_o    = wr_grant;
  assign reg_addr_o  = wr_grant ? aw_addr_q : ar_addr_q;
  assign reg_wdata_o = w_data_q;
  assign reg_wstrb_o = wr_grant ? w_strb_q : 4'h0;

  always_comb begin
    aw_full_d     = aw_full_q;
    aw_addr_d     = aw_addr_q;
    w_full_d      = w_full_q;
    w_data_d      = w_data_q;
    w_strb_d      = w_strb_q;
    b_valid_d     = b_valid_q;
    b_resp_d      = b_resp_q;
    ar_full_d     = ar_full_q;
    ar_addr_d     = ar_addr_q;
    r_valid_d     = r_valid_q;
    r_data_d      = r_data_q;
    r_resp_d      = r_resp_q;
    write_first_d = write_first_q;

    if (s_axil_awvalid_i && s_axil_awready_o) begin
      aw_full_d = 1'b1;
      aw_addr_d = s_axil_awaddr_i;
    end
    if (s_axil_wvalid_i && s_axil_wready_o) begin
      w_full_d = 1'b1;
      w_data_d = s_axil_wdata_i;
      w_strb_d = s_axil_wstrb_i;
    end
    if (s_axil_arvalid_i && s_axil_arready_o) begin
      ar_full_d = 1'b1;
      ar_addr_d = s_axil_araddr_i;
    end

    // A response leaves when accepted; a grant needs its channel free, so the
    // two never happen in the same cycle.
    if (s_axil_bvalid_o && s_axil_bready_i) begin
      b_valid_d = 1'b0;
    end
    if (s_axil_rvalid_o && s_axil_rready_i) begin
      r_valid_d = 1'b0;
    end

    // Round robin: the loser of a conflict wins the next one.
    if (wr_pending && rd_pending) begin
      write_first_d = !wr_grant;
    end

    if (wr_grant) begin
      aw_full_d     = 1'b0;
      w_full_d      = 1'b0;
      b_valid_d     = 1'b1;
      b_resp_d      = reg_err_i ? RespSlvErr : RespOkay;
    end
    if (rd_grant) begin
      ar_full_d     = 1'b0;
      r_valid_d     = 1'b1;
      r_data_d      = reg_err_i ? 32'h0 : reg_rdata_i;
      r_resp_d      = reg_err_i ? RespSlvErr : RespOkay;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      aw_full_q     <= 1'b0;
      aw_addr_q     <= '0;
      w_full_q      <= 1'b0;
      w_data_q      <= '0;
      w_strb_q      <= '0;
      b_valid_q     <= 1'b0;
      b_resp_q      <= RespOkay;
      ar_full_q     <= 1'b0;
      ar_addr_q     <= '0;
      r_valid_q     <= 1'b0;
      r_data_q      <= '0;
      r_resp_q      <= RespOkay;
      write_first_q <= 1'b1;
    end else begin
      aw_full_q     <= aw_full_d;
      aw_addr_q     <= aw_addr_d;
      w_full_q      <= w_full_d;
      w_data_q      <= w_data_d;
      w_strb_q      <= w_strb_d;
      b_valid_q     <= b_valid_d;
      b_resp_q      <= b_resp_d;
      ar_full_q     <= ar_full_d;
      ar_addr_q     <= ar_addr_d;
      r_valid_q     <= r_valid_d;
      r_data_q      <= r_data_d;
      r_resp_q      <= r_resp_d;
      write_first_q <= write_first_d;
    end
  end

  assign s_axil_bvalid_o = b_valid_q;
  assign s_axil_bresp_o  = b_resp_q;
  assign s_axil_rvalid_o = r_valid_q;
  assign s_axil_rdata_o  = r_data_q;
  assign s_axil_rresp_o  = r_resp_q;

  // Protection attributes are not used: every access is allowed.
  logic unused_prot;
  assign unused_prot = ^{s_axil_awprot_i, s_axil_arprot_i};

  // ---------------------------------------------------------------------------
  // Assertions (Verilator --assert; Yosys defines SYNTHESIS, and Icarus 11 has
  // no concurrent assertions)
  // ---------------------------------------------------------------------------
`ifndef SYNTHESIS
`ifndef __ICARUS__
  // The assertions are disabled through a copy of the reset: Verilator's
  // SYNCASYNCNET lint counts `disable iff` as a synchronous use of rst_ni.
  logic sva_rst_n;
  assign sva_rst_n = rst_ni;

  // Slave side: a response, once valid, holds until accepted.
  BStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      s_axil_bvalid_o && !s_axil_bready_i |=> s_axil_bvalid_o && $stable(s_axil_bresp_o))
    else $error("AXI-Lite: B changed before it was accepted");
  RStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      s_axil_rvalid_o && !s_axil_rready_i
      |=> s_axil_rvalid_o && $stable(s_axil_rdata_o) && $stable(s_axil_rresp_o))
    else $error("AXI-Lite: R changed before it was accepted");
  // Master side: a request, once valid, holds until accepted.
  AwStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      s_axil_awvalid_i && !s_axil_awready_o
      |=> s_axil_awvalid_i && $stable(s_axil_awaddr_i))
    else $error("AXI-Lite master: AW changed before it was accepted");
  WStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      s_axil_wvalid_i && !s_axil_wready_o
      |=> s_axil_wvalid_i && $stable(s_axil_wdata_i) && $stable(s_axil_wstrb_i))
    else $error("AXI-Lite master: W changed before it was accepted");
  ArStable: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      s_axil_arvalid_i && !s_axil_arready_o
      |=> s_axil_arvalid_i && $stable(s_axil_araddr_i))
    else $error("AXI-Lite master: AR changed before it was accepted");
  // Internal: one register access per cycle, and only with a free response slot.
  GrantExclusive: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      !(wr_grant && rd_grant))
    else $error("write and read granted together");
  GrantNeedsFreeSlot: assert property (@(posedge clk_i) disable iff (!sva_rst_n)
      (wr_grant -> !b_valid_q) && (rd_grant -> !r_valid_q))
    else $error("register access issued while its response slot was full");
`endif
`endif

endmodule
