#!/usr/bin/env python3
"""Ctrl-C on the management subsystem (`trnsim mgmt --gdb`, docs/firmware.md).

A raw GDB remote-protocol client (stdlib sockets; gdb in batch mode cannot
send Ctrl-C): breaks at main of mgmt_gdb_test.elf, sets `spin` so the firmware
loops, continues, sends the interrupt byte 0x03 after 0.5 s and checks the
stop reply (T02), pc, that the loop ran, and that simulated time does not
move while the core is held: mtime (CLINT, read over gdb's debug path), mcycle
and the loop counter are equal across a 1 s host sleep. Then clears `spin`
and continues to the firmware's exit (W00). Every wait is bounded.

usage: gdb_mgmt_interrupt.py MGMT_RUN ELF PORT NM
"""
import socket
import subprocess
import sys
import tempfile
import time

CLINT_MTIME = 0x02000010  # CLINT_MTIME_LO/HI (rtl/regs/clint.json)
MCYCLE_REG = 65 + 0xB00   # gdb register number of mcycle (gdb_stub.cpp)


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


class Rsp:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def byte(self, timeout=10):
        if not self.buf:
            self.s.settimeout(timeout)
            try:
                data = self.s.recv(4096)
            except socket.timeout:
                fail("no answer from the stub within %d s" % timeout)
            if not data:
                fail("the stub closed the connection")
            self.buf = data
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def send(self, data):
        frame = "$%s#%02x" % (data, sum(data.encode()) & 0xFF)
        self.s.sendall(frame.encode())
        if self.byte() != b"+":
            fail("packet %r not acknowledged" % data)

    def reply(self, timeout=10):
        while self.byte(timeout) != b"$":
            pass
        data = b""
        while True:
            c = self.byte()
            if c == b"#":
                break
            data += c
        csum = self.byte() + self.byte()
        if int(csum, 16) != sum(data) & 0xFF:
            fail("bad checksum on %r" % data)
        self.s.sendall(b"+")
        return data.decode()

    def cmd(self, data, timeout=10):
        self.send(data)
        return self.reply(timeout)

    def mem32(self, addr, n=1):
        r = self.cmd("m%x,%x" % (addr, 4 * n))
        if len(r) != 8 * n:
            fail("m%x: %r" % (addr, r))
        return [int.from_bytes(bytes.fromhex(r[8 * i:8 * i + 8]), "little") for i in range(n)]

    def reg(self, n):
        r = self.cmd("p%x" % n)
        if len(r) != 8:
            fail("p%x: %r" % (n, r))
        return int.from_bytes(bytes.fromhex(r), "little")


def symbols(nm, elf):
    out = subprocess.run([nm, elf], stdout=subprocess.PIPE, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    for name in ("main", "spin", "spins"):
        if name not in syms:
            fail("%s has no symbol %s" % (elf, name))
    return syms


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    run, elf, port, nm = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    syms = symbols(nm, elf)
    log = tempfile.TemporaryFile(mode="w+")
    server = subprocess.Popen([run, "--elf", elf, "--gdb", str(port), "--gdb-timeout", "30",
                               "--quiet"], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):  # up to 10 s for the listening line
            log.seek(0)
            if "listening on 127.0.0.1:%d" % port in log.read() or server.poll() is not None:
                break
            time.sleep(0.1)
        log.seek(0)
        text = log.read()
        if "listening on 127.0.0.1:%d" % port not in text:
            fail("the server did not start listening:\n" + text)
        g = Rsp(port)
        if g.cmd("?") != "T05":
            fail("initial stop reply")
        # To main (startup code has set up .data/.bss), then make the loop spin.
        main_addr = syms["main"]
        if g.cmd("Z0,%x,2" % main_addr) != "OK" or g.cmd("c", 30) != "T05":
            fail("break at main")
        if g.reg(32) != main_addr:
            fail("pc 0x%08x is not main 0x%08x" % (g.reg(32), main_addr))
        g.cmd("z0,%x,2" % main_addr)
        if g.cmd("M%x,4:01000000" % syms["spin"]) != "OK":
            fail("write spin")
        lo, hi = g.mem32(CLINT_MTIME, 2)
        mtime0 = hi << 32 | lo
        g.send("c")
        time.sleep(0.5)
        g.s.sendall(b"\x03")
        stop = g.reply(20)
        print("stop reply after Ctrl-C: " + stop)
        if stop != "T02":
            fail("expected T02 after Ctrl-C, got %r" % stop)
        pc = g.reg(32)
        print("pc 0x%08x" % pc)
        if not 0x10000 <= pc < 0x20000:
            fail("pc 0x%08x is not in the boot ROM" % pc)
        lo, hi = g.mem32(CLINT_MTIME, 2)
        mtime1 = hi << 32 | lo
        mcycle1 = g.reg(MCYCLE_REG)
        spins1 = g.mem32(syms["spins"])[0]
        time.sleep(1.0)
        lo, hi = g.mem32(CLINT_MTIME, 2)
        mtime2 = hi << 32 | lo
        mcycle2 = g.reg(MCYCLE_REG)
        spins2 = g.mem32(syms["spins"])[0]
        print("mtime %d at main, %d and %d 1 s apart while stopped; mcycle %d, %d; spins %d, %d"
              % (mtime0, mtime1, mtime2, mcycle1, mcycle2, spins1, spins2))
        if spins1 == 0:
            fail("the loop did not run")
        if mtime1 <= mtime0:
            fail("mtime did not advance while the firmware ran")
        if (mtime1, mcycle1, spins1) != (mtime2, mcycle2, spins2):
            fail("simulated time moved while gdb held the core")
        if g.cmd("M%x,4:00000000" % syms["spin"]) != "OK":
            fail("clear spin")
        end = g.cmd("c", 30)
        if end != "W00":
            fail("expected W00 at the firmware's exit, got %r" % end)
        try:
            rc = server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            fail("the server did not exit")
        log.seek(0)
        text = log.read()
        print("--- server output\n" + text)
        if rc != 0 or "firmware exit 0" not in text:
            fail("server rc %d" % rc)
        print("PASS")
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
