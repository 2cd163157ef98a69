#!/usr/bin/env python3
"""Writes tests/testdata/softflowd_mix.pcap, the capture of the collector
end-to-end test (tests/collect_softflowd_test.sh): a handful of TCP
connections with handshakes, a few UDP exchanges, and the awkward cases an
exporter handles its own way, as plain Ethernet frames (link type 1, which
softflowd reads; it does not read Linux SLL2).

    python3 tests/testdata/make_softflowd_mix.py tests/testdata/softflowd_mix.pcap

Deterministic: the same bytes every run (fixed times from 2024-03-01
12:00:00 UTC, fixed sequence numbers, computed checksums). Only the
standard library. Every client port is 60001-60012, in the RPC dynamic
range and above every server port, and every server port is either a
known port (53, 135, 445) or a lower dynamic one: unidirectional NetFlow
records carry no direction, so highport decides their server by port
class (a known port, else the port outside the dynamic range, else the
lower port), and these ports make that decision agree with the handshake.

The conversations (C = client, S = server):
  1  10.1.0.10:60001 -> 10.1.0.2:49667  TCP, handshake, 3 data segments each way, FIN both ways
  2  10.1.0.10:60002 -> 10.1.0.2:49667  TCP, a second connection to the same port
  3  10.1.0.11:60003 -> 10.1.0.2:135    TCP, handshake, request/answer, FIN
  4  10.1.0.11:60004 -> 10.1.0.2:445    TCP, handshake, data, RST from the server
  5  10.1.0.12:60005 -> 10.1.0.2:49670  TCP, SYN only, retransmitted once (no answer)
  6  10.1.0.13:60006 -> 10.1.0.2:49671  TCP caught midway: data and ACKs, no SYN, no FIN
  7  fd00::10:60007  -> fd00::2:49668   TCP over IPv6, handshake, data, FIN
  8  10.1.0.10:60010 -> 10.1.0.2:53     UDP, query and answer
  9  10.1.0.14:60011 -> 10.1.0.2:50000  UDP, 3 datagrams one way, 1 back
 10  10.1.0.10:60012 -> 10.1.0.3:53     UDP, query only (no answer)
Connection 1 runs from 12:00:00.9 to 12:00:02.2, across two second
boundaries, so first/last second rounding shows.
"""
import struct
import sys

T0 = 1709294400  # 2024-03-01 12:00:00 UTC

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

MAC_C = bytes.fromhex("020000000001")
MAC_S = bytes.fromhex("020000000002")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def l4_frame(src, dst, proto, l4, v6, to_server):
    if v6:
        s, d = ip6(src), ip6(dst)
        pseudo = s + d + struct.pack("!IxxxB", len(l4), proto)
    else:
        s, d = ip4(src), ip4(dst)
        pseudo = s + d + struct.pack("!xBH", proto, len(l4))
    # the checksum field is at offset 16 (TCP) or 6 (UDP)
    off = 16 if proto == 6 else 6
    c = csum(pseudo + l4)
    if proto == 17 and c == 0:
        c = 0xFFFF
    l4 = l4[:off] + struct.pack("!H", c) + l4[off + 2:]
    if v6:
        ip = struct.pack("!IHBB", 6 << 28, len(l4), proto, 64) + s + d
        ethertype = 0x86DD
    else:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0, s, d)
        ip = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        ethertype = 0x0800
    macs = (MAC_S + MAC_C) if to_server else (MAC_C + MAC_S)
    return macs + struct.pack("!H", ethertype) + ip + l4


packets = []  # (time in microseconds since T0, frame)


class Tcp:
    def __init__(self, c, cport, s, sport, v6=False, iss_c=1000, iss_s=5000):
        self.c, self.cport, self.s, self.sport, self.v6 = c, cport, s, sport, v6
        self.seq = {True: iss_c, False: iss_s}  # next sequence number, by "from client"

    def send(self, us, from_client, flags, payload=b""):
        src, sport, dst, dport = ((self.c, self.cport, self.s, self.sport) if from_client else
                                  (self.s, self.sport, self.c, self.cport))
        seq = self.seq[from_client]
        ack = self.seq[not from_client] if flags & ACK else 0
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
        self.seq[from_client] = seq + len(payload) + (1 if flags & (SYN | FIN) else 0)
        packets.append((us, l4_frame(src, dst, 6, l4, self.v6, from_client)))

    def handshake(self, us):
        self.send(us, True, SYN)
        self.send(us + 100, False, SYN | ACK)
        self.send(us + 200, True, ACK)

    def close(self, us):
        self.send(us, True, FIN | ACK)
        self.send(us + 100, False, FIN | ACK)
        self.send(us + 200, True, ACK)


def udp(us, src, sport, dst, dport, payload, to_server, v6=False):
    l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    packets.append((us, l4_frame(src, dst, 17, l4, v6, to_server)))


S = "10.1.0.2"
# 1: across second boundaries
c = Tcp("10.1.0.10", 60001, S, 49667)
c.handshake(900_000)
for i in range(3):
    c.send(1_000_000 + i * 300_000, True, PSH | ACK, b"request %d" % i)
    c.send(1_000_000 + i * 300_000 + 50_000, False, PSH | ACK, b"answer number %d" % i)
c.close(2_200_000)
# 2: same server port, second connection
c = Tcp("10.1.0.10", 60002, S, 49667, iss_c=2000, iss_s=6000)
c.handshake(2_500_000)
c.send(2_500_300, True, PSH | ACK, b"x" * 100)
c.send(2_500_400, False, ACK)
c.close(2_500_500)
# 3: endpoint mapper port
c = Tcp("10.1.0.11", 60003, S, 135, iss_c=3000, iss_s=7000)
c.handshake(3_000_000)
c.send(3_000_300, True, PSH | ACK, b"b" * 72)
c.send(3_000_400, False, PSH | ACK, b"a" * 84)
c.close(3_000_500)
# 4: RST from the server
c = Tcp("10.1.0.11", 60004, S, 445, iss_c=4000, iss_s=8000)
c.handshake(3_500_000)
c.send(3_500_300, True, PSH | ACK, b"n" * 51)
c.send(3_500_400, False, RST | ACK)
# 5: SYN only, retransmitted a second later
c = Tcp("10.1.0.12", 60005, S, 49670, iss_c=5000)
c.send(4_000_000, True, SYN)
c.seq[True] -= 1
c.send(5_000_000, True, SYN)
# 6: caught midway
c = Tcp("10.1.0.13", 60006, S, 49671, iss_c=9000, iss_s=9900)
c.send(5_500_000, True, PSH | ACK, b"m" * 30)
c.send(5_500_100, False, ACK)
c.send(5_500_200, False, PSH | ACK, b"r" * 40)
c.send(5_500_300, True, ACK)
# 7: IPv6
c = Tcp("fd00::10", 60007, "fd00::2", 49668, v6=True, iss_c=11000, iss_s=12000)
c.handshake(6_000_000)
c.send(6_000_300, True, PSH | ACK, b"six" * 5)
c.send(6_000_400, False, PSH | ACK, b"SIX" * 7)
c.close(6_000_500)
# 8-10: UDP
udp(7_000_000, "10.1.0.10", 60010, S, 53, b"q" * 29, True)
udp(7_000_300, S, 53, "10.1.0.10", 60010, b"a" * 45, False)
for i in range(3):
    udp(7_500_000 + i * 1000, "10.1.0.14", 60011, S, 50000, b"u" * (10 + i), True)
udp(7_600_000, S, 50000, "10.1.0.14", 60011, b"v" * 20, False)
udp(8_000_000, "10.1.0.10", 60012, "10.1.0.3", 53, b"q" * 33, True)

packets.sort(key=lambda p: p[0])
out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
for us, frame in packets:
    out += struct.pack("<IIII", T0 + us // 1_000_000, us % 1_000_000, len(frame), len(frame)) + frame
with open(sys.argv[1] if len(sys.argv) > 1 else "softflowd_mix.pcap", "wb") as f:
    f.write(out)
print("%d packets" % len(packets), file=sys.stderr)
