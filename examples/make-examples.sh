#!/usr/bin/env bash
# Writes the example network's evidence (examples/README.md says what and why):
#
#   examples/make-examples.sh             dc01/ fs01/ mon01/: the same bytes every run
#   examples/make-examples.sh --netflow   also network/netflow-core.pcap, through the real
#                                         exporter (softflowd) and tcpdump: needs both and root
#
# scripts/example-network/make_evidence.py (Python standard library only) builds the day's
# traffic from the hosts' fixed facts and writes every host's files from it:
# netstat -ano, tasklist /svc, netsh, impacket rpcdump output, pfirewall.log.
#
# --netflow: the same traffic, as the core switch routes it, written as a
# packet capture (a temporary file); softflowd reads it (-r, -a: the flows
# carry the packets' times) and exports NetFlow v9 to a UDP port on
# loopback, where tcpdump captures the export datagrams: the capture an
# administrator gets from a collector's span port. softflowd stamps the
# export with the time it runs and tcpdump stamps each datagram, so this
# file's bytes differ at every run; the flows it carries do not.
set -euo pipefail
cd "$(dirname "$0")"

netflow=false
case "${1:-}" in
  "") ;;
  --netflow) netflow=true ;;
  *) echo "usage: $0 [--netflow]" >&2; exit 2 ;;
esac

if ! $netflow; then
  PYTHONDONTWRITEBYTECODE=1 python3 ../scripts/example-network/make_evidence.py .
  echo "examples written: dc01 fs01 mon01 (network/netflow-core.pcap kept; --netflow remakes it)"
  exit 0
fi

for tool in softflowd tcpdump; do
  command -v "$tool" >/dev/null || { echo "$0: --netflow needs $tool (apt-get install $tool)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/highport-examples.XXXXXX")
chmod 755 "$work"  # tcpdump writes its file after dropping to its own user
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

PYTHONDONTWRITEBYTECODE=1 python3 ../scripts/example-network/make_evidence.py . "$work/core.pcap"

# A sink for the export: binds a free loopback port, prints it, and reads
# datagrams until none came for 3 s (so that the kernel answers none of
# them with "port unreachable", which softflowd would count as failures).
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
s.settimeout(3)
n = 0
try:
    for _ in range(100000):
        s.recv(65535)
        n += 1
        s.settimeout(3)
except socket.timeout:
    pass
print("sink: %d datagrams" % n, file=sys.stderr)
' >"$work/port" 2>"$work/sink.err" &
sink=$!
pids+=("$sink")
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -n 1 "$work/port")
[ -n "$port" ] || { echo "$0: the export sink did not start" >&2; exit 1; }

tcpdump -i lo -U -n -w "$work/netflow.pcap" "udp and dst host 127.0.0.1 and dst port $port" 2>"$work/tcpdump.err" &
tcpdump=$!
pids+=("$tcpdump")
for _ in $(seq 50); do grep -q 'listening on' "$work/tcpdump.err" && break; sleep 0.1; done
grep -q 'listening on' "$work/tcpdump.err" || { cat "$work/tcpdump.err" >&2; exit 1; }

# -c: a short relative control-socket path (softflowd -r hangs on a long one).
(cd "$work" && timeout 120 softflowd -d -r core.pcap -n "127.0.0.1:$port" -v 9 -a -c sf.ctl) >"$work/softflowd.out" 2>&1
grep -E '^Flows exported' "$work/softflowd.out"
grep -qE '^Flows exported: .*\(0 failures\)$' "$work/softflowd.out" || { cat "$work/softflowd.out" >&2; exit 1; }

wait "$sink" || true
sleep 0.5
kill -INT "$tcpdump"
wait "$tcpdump" || true
cat "$work/sink.err"
mkdir -p network
cp "$work/netflow.pcap" network/netflow-core.pcap
echo "examples written: dc01 fs01 mon01 network/netflow-core.pcap"
