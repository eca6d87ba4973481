// AXI4-Lite master tasks for the self-checking SystemVerilog testbenches
// (Icarus smoke tests), included inside the testbench module. Signals change
// only right after a rising edge (NBA) and are sampled at the rising edge,
// before that edge's updates.
//
// The including module provides: clk, the s_axil-side nets awvalid, awready,
// awaddr, wvalid, wready, wdata, wstrb, bvalid, bready, bresp, arvalid,
// arready, araddr, rvalid, rready, rdata, rresp, a parameter AddrBits, and
// two hooks: task axil_error(input string msg) for an error response, and
// task axil_done() called after every completed access.

task automatic csr_write(input logic [AddrBits-1:0] addr, input logic [31:0] data);
  bit b_done = 1'b0;
  awaddr  <= addr;
  wdata   <= data;
  wstrb   <= 4'hF;
  awvalid <= 1'b1;
  wvalid  <= 1'b1;
  bready  <= 1'b1;
  while (!b_done) begin
    @(posedge clk);
    if (awvalid && awready) awvalid <= 1'b0;
    if (wvalid && wready) wvalid <= 1'b0;
    if (bvalid && bready) begin
      b_done = 1'b1;
      bready <= 1'b0;
      if (bresp != 2'b00)
        axil_error($sformatf("write of 0x%08h to CSR 0x%03h: response %0d", data, addr, bresp));
    end
  end
  axil_done();
endtask

task automatic csr_read(input logic [AddrBits-1:0] addr, output logic [31:0] data);
  bit r_done = 1'b0;
  araddr  <= addr;
  arvalid <= 1'b1;
  rready  <= 1'b1;
  data = '0;
  while (!r_done) begin
    @(posedge clk);
    if (arvalid && arready) arvalid <= 1'b0;
    if (rvalid && rready) begin
      r_done = 1'b1;
      rready <= 1'b0;
      data = rdata;
      if (rresp != 2'b00) axil_error($sformatf("read of CSR 0x%03h: response %0d", addr, rresp));
    end
  end
  axil_done();
endtask
