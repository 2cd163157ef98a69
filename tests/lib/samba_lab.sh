# shellcheck shell=bash disable=SC2034 # SAMBA_LAB_* are for the caller
# samba_lab.sh: a real Samba AD domain controller in a network namespace of
# its own, for integration tests and benchmarks. Source it, then:
#
#   samba_lab_start NAME ADDR [SMB.CONF LINE...]   provision (once) and start
#   samba_lab_restart [SMB.CONF LINE...]           restart with other lines, same provision
#   samba_lab_stop                                 stop Samba, delete namespace and files
#   samba_lab_exec CMD [ARG...]                    run a client inside the namespace
#   samba_lab_ss                                   `ss -tlnp` inside the namespace
#   samba_lab_listen_ports                         TCP ports Samba listens on, one a line
#   samba_lab_rpc_ports                            the same without the AD service ports
#   samba_lab_rpcclient ARG...                     rpcclient with a config kept in the lab
#   samba_lab_silent_addr IP                       make IP an address that drops packets
#   samba_lab_can_netns                            can this machine give us a namespace?
#   samba_lab_missing                              what is not installed, with its package
#
# Call samba_lab_stop from an EXIT trap: it is safe to call at any point,
# more than once, and after a failed start.
#
# Network. The namespace ("hplab-NAME-PID") holds lo and one veth pair whose
# both ends are inside it: hplab0 carries ADDR/24, hplab1 carries nothing.
# There is no default route and no link to any other namespace: whatever
# runs in the lab can reach only addresses of ADDR's /24, and those packets
# never leave the namespace (the DNS forwarder the provision copies from the
# host's resolv.conf is switched off as well). Clients therefore run inside the
# namespace too, through samba_lab_exec (`ip netns exec`); the root
# namespace gets no address and no route. Connections from a client to ADDR
# are ordinary TCP over the namespace's own stack.
#
# Samba. `samba-tool domain provision --targetdir=DIR/dc -s EMPTY_FILE` keeps
# the host's /etc/samba/smb.conf out of it; it runs once per
# samba_lab_start (about 5-10 s) and every restart reuses that directory.
# The smb.conf in use is DIR/dc/etc/smb.conf: the provisioned [global]
# section, then the lab's lines (below), then the caller's lines, then the
# provisioned shares; a later line wins in Samba, so callers can override the
# lab's lines. Samba runs as `samba -F --debug-stdout` (foreground, log to
# DIR/samba-N.log), the mode meant for supervisors; on 4.17 `-i` with
# standard input from /dev/null stays up as well, but logs the same and adds
# nothing.
#
# The lab's own lines:
#   - pid, ncalrpc, ntp_signd and winbindd socket directories inside DIR, so
#     that nothing is written to /run/samba or /var/lib/samba;
#   - `server services = -winbindd -dnsupdate`: the winbindd binary is in
#     Debian's winbind package, which the samba package does not pull in, and
#     samba stops as a whole when it cannot start winbindd; dnsupdate would run
#     samba_dnsupdate at start and every 10 minutes against the host's
#     resolver. Without them the endpoint mapper lists the same 53 entries
#     on the same ports as reference section 8 records.
#   - `dns forwarder =` (none).
#
# Stopping: SIGTERM to the recorded samba PID, a bounded wait, then SIGTERM
# and after a bounded wait SIGKILL to each process still inside the
# namespace (`ip netns pids`: samba's children and any client the test left
# there), each by its PID.
#
# Debian 12 packages: samba, samba-dsdb-modules, samba-vfs-modules (provision
# sets sysvol ACLs through acl_xattr), samba-ad-provision, iproute2;
# smbclient for samba_lab_rpcclient. samba_lab_missing lists what is absent.
#
# Variables set for the caller: SAMBA_LAB_NS, SAMBA_LAB_ADDR, SAMBA_LAB_DIR,
# SAMBA_LAB_PID (samba's master process), SAMBA_LAB_LOG (its current log),
# SAMBA_LAB_PROVISION_MS and SAMBA_LAB_START_MS (how long the provision and
# the last start until ready took), SAMBA_LAB_PROVISIONED (fresh or cache).
#
# Variables the caller may set before sourcing or starting: SAMBA_LAB_REALM,
# _DOMAIN, _HOSTNAME, _ADMINPASS; SAMBA_LAB_START_TIMEOUT and _STOP_TIMEOUT
# (seconds); SAMBA_LAB_MAX_RUNTIME (seconds after which samba ends itself,
# should the caller die without stopping it); SAMBA_LAB_READY_PORTS;
# SAMBA_LAB_KEEP=1 to keep DIR (logs) after samba_lab_stop; SAMBA_LAB_CACHE=DIR
# to keep a copy of the fresh provision there and reuse it next time instead
# of provisioning again (a copy takes well under a second; tests on CI do not
# set it, for a bench or a developer's loop it saves the provision).
#
# Timings on a 2-CPU Debian 12 VM (Samba 4.17.12), shared with other work:
# provision 6-17 s; first start of a new provision 7-16 s, of which about 4 s
# are TLS key generation before LDAP listens (TCP 135 and the RPC ports
# listen after about 2 s); a restart 2.5-10 s; a stop 1.5-4 s.
#
# Functions print "samba_lab: ..." on standard error and return non-zero on
# failure; they never exit the caller's shell.

SAMBA_LAB_NS=
SAMBA_LAB_ADDR=
SAMBA_LAB_DIR=
SAMBA_LAB_PID=
SAMBA_LAB_LOG=
SAMBA_LAB_PROVISION_MS=
SAMBA_LAB_START_MS=
SAMBA_LAB_PROVISIONED=
SAMBA_LAB_REALM=${SAMBA_LAB_REALM:-LAB.HIGHPORT.TEST}
SAMBA_LAB_DOMAIN=${SAMBA_LAB_DOMAIN:-HPLAB}
SAMBA_LAB_HOSTNAME=${SAMBA_LAB_HOSTNAME:-hpdc}
SAMBA_LAB_ADMINPASS=${SAMBA_LAB_ADMINPASS:-Highport-Lab-1}
# Seconds to wait for samba to listen, and for it to stop.
SAMBA_LAB_START_TIMEOUT=${SAMBA_LAB_START_TIMEOUT:-60}
SAMBA_LAB_STOP_TIMEOUT=${SAMBA_LAB_STOP_TIMEOUT:-10}
# samba ends itself after this many seconds (`--maximum-runtime`), in case
# the caller is killed without a chance to run samba_lab_stop.
SAMBA_LAB_MAX_RUNTIME=${SAMBA_LAB_MAX_RUNTIME:-900}
# TCP ports that must listen before the lab counts as started (see
# _samba_lab_start_samba); set it to "135" with lines that turn LDAP off.
SAMBA_LAB_READY_PORTS=${SAMBA_LAB_READY_PORTS:-135 389}
_samba_lab_runs=0

# TCP ports of the AD DC's own services, not RPC endpoints: DNS, Kerberos,
# the endpoint mapper, NetBIOS session, LDAP, SMB, kpasswd, LDAPS, GC, GC/SSL.
SAMBA_LAB_SERVICE_PORTS="53 88 135 139 389 445 464 636 3268 3269"

_samba_lab_err() { echo "samba_lab: $*" >&2; }
_samba_lab_now_ms() { echo $(($(date +%s%N) / 1000000)); }

# Prints "WHAT (Debian package P)" for each thing the lab needs and does not
# find; prints nothing when all is there.
samba_lab_missing() {
  local c
  for c in "ip iproute2" "ss iproute2" "samba samba" "samba-tool samba-common-bin" \
    "rpcclient smbclient"; do
    command -v "${c%% *}" >/dev/null 2>&1 || echo "${c%% *} (Debian package ${c#* })"
  done
  [[ -e /usr/share/samba/setup/provision.ldif ]] ||
    echo "/usr/share/samba/setup (Debian package samba-ad-provision)"
  compgen -G "/usr/lib/*/samba/ldb/samba_dsdb.so" >/dev/null ||
    echo "samba's dsdb ldb modules (Debian package samba-dsdb-modules)"
  compgen -G "/usr/lib/*/samba/vfs/acl_xattr.so" >/dev/null ||
    echo "samba's acl_xattr vfs module (Debian package samba-vfs-modules)"
}

# Succeeds when this machine lets us create a network namespace with a veth
# pair in it (root, and a kernel with netns and veth). Leaves nothing behind.
samba_lab_can_netns() {
  local probe="hplab-probe-$$" ok=1
  ip netns add "$probe" 2>/dev/null || return 1
  ip -n "$probe" link add hplab0 type veth peer name hplab1 2>/dev/null || ok=0
  ip netns del "$probe" 2>/dev/null || true
  ((ok))
}

samba_lab_exec() {
  [[ -n $SAMBA_LAB_NS ]] || { _samba_lab_err "no lab is running"; return 1; }
  ip netns exec "$SAMBA_LAB_NS" "$@"
}

samba_lab_ss() { samba_lab_exec ss -tlnp; }

# rpcclient inside the namespace, anonymous, with a client smb.conf that
# keeps rpcclient's caches (names.tdb, msg.lock) inside the lab directory.
# Killed after SAMBA_LAB_CLIENT_TIMEOUT seconds (default 60).
samba_lab_rpcclient() {
  samba_lab_exec timeout "${SAMBA_LAB_CLIENT_TIMEOUT:-60}" \
    rpcclient -U% -s "$SAMBA_LAB_DIR/client.conf" "$@"
}

# The samba master PID and all its descendants, one a line.
_samba_lab_tree() {
  [[ -n $SAMBA_LAB_PID ]] || return 0
  ps -e -o pid=,ppid= | awk -v root="$SAMBA_LAB_PID" '
    { parent[$1] = $2 }
    END {
      keep[root] = 1; changed = 1
      while (changed) {
        changed = 0
        for (p in parent) if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 }
      }
      for (p in keep) if (p in parent) print p
    }'
}

# TCP ports (sorted, unique) that samba or one of its children listens on
# inside the namespace.
samba_lab_listen_ports() {
  local pids
  pids=$(_samba_lab_tree | tr '\n' ' ')
  [[ -n $pids ]] || return 0
  samba_lab_exec ss -Htlnp | awk -v pids=" $pids" '
    {
      owned = 0
      rest = $0
      while (match(rest, /pid=[0-9]+/)) {
        if (index(pids, " " substr(rest, RSTART + 4, RLENGTH - 4) " ")) owned = 1
        rest = substr(rest, RSTART + RLENGTH)
      }
      if (!owned) next
      port = $4; sub(/.*:/, "", port); print port
    }' | sort -nu
}

# samba's TCP listeners other than the AD service ports (SAMBA_LAB_SERVICE_PORTS):
# the RPC servers' ports, from its dynamic range or pinned with `rpc server port`.
samba_lab_rpc_ports() {
  samba_lab_listen_ports | awk -v skip=" $SAMBA_LAB_SERVICE_PORTS " 'index(skip, " " $1 " ") == 0'
}

# Makes IP (inside ADDR's /24, not ADDR) an address that silently drops
# everything: a permanent neighbour entry sends its frames into the veth with
# a MAC nobody has, and the other end, which has no address, discards them.
# A connect() to IP then times out instead of failing.
samba_lab_silent_addr() {
  local ip=${1:?usage: samba_lab_silent_addr IP}
  ip -n "$SAMBA_LAB_NS" neigh replace "$ip" lladdr 02:00:0a:d5:00:63 nud permanent dev hplab0
}

# Process state letter of PID, empty when it is gone (a zombie counts as gone).
_samba_lab_alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# Waits up to $2 tenths of a second for every PID in $1 to go.
_samba_lab_wait_gone() {
  local pids=$1 tenths=$2 i p any
  for ((i = 0; i < tenths; i++)); do
    any=0
    for p in $pids; do _samba_lab_alive "$p" && { any=1; break; }; done
    ((any)) || return 0
    sleep 0.1
  done
  return 1
}

# Stops samba and whatever else runs in the namespace; keeps the namespace.
_samba_lab_stop_samba() {
  local pid=$SAMBA_LAB_PID rest tenths=$((SAMBA_LAB_STOP_TIMEOUT * 10))
  if [[ -n $pid ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    if ! _samba_lab_wait_gone "$pid" "$tenths"; then
      _samba_lab_err "samba $pid did not stop in ${SAMBA_LAB_STOP_TIMEOUT}s; SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      _samba_lab_wait_gone "$pid" 50 || _samba_lab_err "samba $pid survives SIGKILL"
    fi
    wait "$pid" 2>/dev/null || true # reap it when it is our child
  fi
  SAMBA_LAB_PID=
  [[ -n $SAMBA_LAB_NS ]] || return 0
  # samba's children end with it; anything left in the namespace was started by
  # this lab (a child samba lost, a client the test left), so stop it by PID.
  rest=$(ip netns pids "$SAMBA_LAB_NS" 2>/dev/null | tr '\n' ' ')
  [[ -n ${rest// /} ]] || return 0
  _samba_lab_wait_gone "$rest" 20 && return 0
  rest=$(ip netns pids "$SAMBA_LAB_NS" 2>/dev/null | tr '\n' ' ')
  [[ -n ${rest// /} ]] || return 0
  # shellcheck disable=SC2086
  kill -TERM $rest 2>/dev/null || true
  _samba_lab_wait_gone "$rest" "$tenths" && return 0
  _samba_lab_err "still in $SAMBA_LAB_NS after SIGTERM: $rest; SIGKILL"
  rest=$(ip netns pids "$SAMBA_LAB_NS" 2>/dev/null | tr '\n' ' ')
  # shellcheck disable=SC2086
  [[ -z ${rest// /} ]] || kill -KILL $rest 2>/dev/null || true
  _samba_lab_wait_gone "$rest" 50 || { _samba_lab_err "cannot stop $rest"; return 1; }
}

# Writes DIR/dc/etc/smb.conf from the provisioned one, the lab's lines and $@.
_samba_lab_write_conf() {
  local d=$SAMBA_LAB_DIR lines line
  lines=$(printf '\t%s\n' \
    "# samba_lab.sh" \
    "pid directory = $d/run" \
    "ncalrpc dir = $d/run/ncalrpc" \
    "ntp signd socket directory = $d/run/ntp_signd" \
    "winbindd socket directory = $d/run/winbindd" \
    "usershare path = $d/run/usershares" \
    "server services = -winbindd -dnsupdate" \
    "dns forwarder =")
  if (($# > 0)); then
    lines+=$'\n\t# the caller\'s lines'
    for line in "$@"; do lines+=$'\n\t'"$line"; done
  fi
  # After the last line of [global]: before the first other section.
  awk -v extra="$lines" '
    /^[ \t]*\[/ && !done && tolower($0) !~ /^[ \t]*\[global\]/ { print extra "\n"; done = 1 }
    { print }
    END { if (!done) print extra }' "$d/dc/etc/smb.conf.provisioned" >"$d/dc/etc/smb.conf"
}

# Starts samba on the current smb.conf and waits until it is ready: every
# port of SAMBA_LAB_READY_PORTS and at least one RPC port (samba_lab_rpc_ports)
# listen, and samba's set of TCP listeners has not changed for a second.
# LDAP (389) is among the ready ports by default because the first start of
# a new provision generates TLS keys before LDAP listens (about 4 s), and
# that should not overlap a test or a benchmark.
_samba_lab_start_samba() {
  local t0 deadline now ports last="" stable=0
  _samba_lab_runs=$((_samba_lab_runs + 1))
  SAMBA_LAB_LOG=$SAMBA_LAB_DIR/samba-$_samba_lab_runs.log
  t0=$(_samba_lab_now_ms)
  ip netns exec "$SAMBA_LAB_NS" samba -F --debug-stdout --maximum-runtime="$SAMBA_LAB_MAX_RUNTIME" \
    -s "$SAMBA_LAB_DIR/dc/etc/smb.conf" </dev/null >"$SAMBA_LAB_LOG" 2>&1 &
  SAMBA_LAB_PID=$! # `ip netns exec` execs samba: this is samba's PID
  deadline=$((t0 + SAMBA_LAB_START_TIMEOUT * 1000))
  while :; do
    now=$(_samba_lab_now_ms)
    if ! _samba_lab_alive "$SAMBA_LAB_PID"; then
      wait "$SAMBA_LAB_PID" 2>/dev/null || true
      SAMBA_LAB_PID=
      _samba_lab_err "samba exited during start; the end of $SAMBA_LAB_LOG:"
      tail -n 20 "$SAMBA_LAB_LOG" >&2
      return 1
    fi
    if ((now > deadline)); then
      _samba_lab_err "samba not ready after ${SAMBA_LAB_START_TIMEOUT}s; listening: ${last//$'\n'/ }"
      tail -n 20 "$SAMBA_LAB_LOG" >&2
      return 1
    fi
    ports=$(samba_lab_listen_ports)
    # shellcheck disable=SC2086 # a list of ports
    if [[ $ports == "$last" ]] && _samba_lab_has_ports "$ports" $SAMBA_LAB_READY_PORTS &&
      [[ -n $(samba_lab_rpc_ports) ]]; then
      stable=$((stable + 1))
      if ((stable >= 5)); then
        # Ready since the first of the six equal samples.
        SAMBA_LAB_START_MS=$((now - t0 - 1000))
        return 0
      fi
    else
      stable=0
      last=$ports
    fi
    sleep 0.2
  done
}

# The provision cache (SAMBA_LAB_CACHE): one directory per Samba version,
# realm, domain, host name, password and address, holding a copy of a fresh
# provision (cp -a keeps the sysvol ACLs in their xattrs) and the directory
# it was made in. Only smb.conf names that directory; it is rewritten.
_samba_lab_cache_entry() {
  local key
  key=$(printf '%s\n' v1 "$(samba -V)" "$SAMBA_LAB_REALM" "$SAMBA_LAB_DOMAIN" \
    "$SAMBA_LAB_HOSTNAME" "$SAMBA_LAB_ADMINPASS" "$1" | sha256sum | cut -c1-16)
  echo "$SAMBA_LAB_CACHE/samba-lab-$key"
}

_samba_lab_from_cache() {
  local entry old
  [[ -n ${SAMBA_LAB_CACHE:-} ]] || return 1
  entry=$(_samba_lab_cache_entry "$1")
  [[ -f $entry/made-in && -d $entry/dc ]] || return 1
  old=$(cat "$entry/made-in")
  [[ $old =~ ^/tmp/hplab\.[A-Za-z0-9]+/dc$ ]] || return 1
  cp -a "$entry/dc" "$SAMBA_LAB_DIR/dc" || { rm -rf "$SAMBA_LAB_DIR/dc"; return 1; }
  sed -i "s|${old//./\\.}|$SAMBA_LAB_DIR/dc|g" "$SAMBA_LAB_DIR/dc/etc/smb.conf.provisioned"
}

_samba_lab_to_cache() {
  local entry tmp
  [[ -n ${SAMBA_LAB_CACHE:-} ]] || return 0
  entry=$(_samba_lab_cache_entry "$1")
  tmp=$entry.tmp.$$
  mkdir -p "$tmp" && cp -a "$SAMBA_LAB_DIR/dc" "$tmp/dc" && echo "$SAMBA_LAB_DIR/dc" >"$tmp/made-in" &&
    mv -T "$tmp" "$entry" 2>/dev/null
  rm -rf "$tmp" # left only when the move failed (another lab was first)
  return 0
}

# _samba_lab_has_ports "LIST" PORT...: every PORT is a line of LIST.
_samba_lab_has_ports() {
  local list=$1 p
  shift
  for p in "$@"; do grep -qx "$p" <<<"$list" || return 1; done
}

# samba_lab_start NAME ADDR [SMB.CONF LINE...]
samba_lab_start() {
  local name=${1:?usage: samba_lab_start NAME ADDR [SMB.CONF LINE...]}
  local addr=${2:?usage: samba_lab_start NAME ADDR [SMB.CONF LINE...]}
  shift 2
  local missing t0 d
  if [[ -n $SAMBA_LAB_NS ]]; then
    _samba_lab_err "a lab ($SAMBA_LAB_NS) is already running in this shell"
    return 1
  fi
  [[ $name =~ ^[A-Za-z0-9_-]{1,20}$ ]] || { _samba_lab_err "bad lab name '$name'"; return 1; }
  [[ $addr =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || { _samba_lab_err "bad IPv4 address '$addr'"; return 1; }
  missing=$(samba_lab_missing)
  if [[ -n $missing ]]; then
    _samba_lab_err "missing: $(echo "$missing" | paste -sd, -)"
    return 1
  fi

  # Short path: samba's unix sockets live below it (108-byte limit).
  SAMBA_LAB_DIR=$(mktemp -d /tmp/hplab.XXXXXX) || return 1
  d=$SAMBA_LAB_DIR
  mkdir -p "$d/run" "$d/client" || return 1
  : >"$d/empty.conf"
  printf '[global]\n\t%s\n' "lock directory = $d/client" "state directory = $d/client" \
    "cache directory = $d/client" "pid directory = $d/client" "private dir = $d/client" \
    "ncalrpc dir = $d/client/ncalrpc" >"$d/client.conf"

  SAMBA_LAB_NS=hplab-$name-$$
  SAMBA_LAB_ADDR=$addr
  if ! ip netns add "$SAMBA_LAB_NS"; then
    _samba_lab_err "cannot create network namespace $SAMBA_LAB_NS"
    SAMBA_LAB_NS=
    return 1
  fi
  if ! { ip -n "$SAMBA_LAB_NS" link set lo up &&
    ip -n "$SAMBA_LAB_NS" link add hplab0 type veth peer name hplab1 &&
    ip -n "$SAMBA_LAB_NS" addr add "$addr/24" dev hplab0 &&
    ip -n "$SAMBA_LAB_NS" link set hplab1 up &&
    ip -n "$SAMBA_LAB_NS" link set hplab0 up; }; then
    _samba_lab_err "cannot set up the veth pair in $SAMBA_LAB_NS"
    return 1
  fi

  t0=$(_samba_lab_now_ms)
  if _samba_lab_from_cache "$addr"; then
    SAMBA_LAB_PROVISIONED=cache
    SAMBA_LAB_PROVISION_MS=$(($(_samba_lab_now_ms) - t0))
    _samba_lab_write_conf "$@" || return 1
    _samba_lab_start_samba
    return
  fi
  # Inside the namespace, so that the provision sees ADDR as this host's.
  if ! ip netns exec "$SAMBA_LAB_NS" samba-tool domain provision \
    --targetdir="$d/dc" -s "$d/empty.conf" --use-rfc2307 \
    --realm="$SAMBA_LAB_REALM" --domain="$SAMBA_LAB_DOMAIN" --host-name="$SAMBA_LAB_HOSTNAME" \
    --host-ip="$addr" --adminpass="$SAMBA_LAB_ADMINPASS" --server-role=dc \
    --dns-backend=SAMBA_INTERNAL \
    --option="interfaces = $addr" --option="bind interfaces only = yes" \
    >"$d/provision.log" 2>&1 </dev/null; then
    _samba_lab_err "samba-tool domain provision failed; the end of $d/provision.log:"
    tail -n 20 "$d/provision.log" >&2
    return 1
  fi
  SAMBA_LAB_PROVISIONED=fresh
  SAMBA_LAB_PROVISION_MS=$(($(_samba_lab_now_ms) - t0))
  cp "$d/dc/etc/smb.conf" "$d/dc/etc/smb.conf.provisioned" || return 1
  _samba_lab_to_cache "$addr"

  _samba_lab_write_conf "$@" || return 1
  _samba_lab_start_samba
}

# samba_lab_restart [SMB.CONF LINE...]: the lines replace the previous ones.
samba_lab_restart() {
  [[ -n $SAMBA_LAB_NS && -n $SAMBA_LAB_DIR ]] || { _samba_lab_err "no lab to restart"; return 1; }
  _samba_lab_stop_samba || return 1
  _samba_lab_write_conf "$@" || return 1
  _samba_lab_start_samba
}

samba_lab_stop() {
  local status=0
  _samba_lab_stop_samba || status=1
  if [[ -n $SAMBA_LAB_NS ]]; then
    ip netns del "$SAMBA_LAB_NS" 2>/dev/null || { _samba_lab_err "cannot delete $SAMBA_LAB_NS"; status=1; }
    SAMBA_LAB_NS=
  fi
  if [[ -n $SAMBA_LAB_DIR && $SAMBA_LAB_DIR == /tmp/hplab.* ]]; then
    if [[ -n ${SAMBA_LAB_KEEP:-} ]]; then
      echo "samba_lab: kept $SAMBA_LAB_DIR (SAMBA_LAB_KEEP)" >&2
    else
      rm -rf "$SAMBA_LAB_DIR"
    fi
  fi
  SAMBA_LAB_DIR=
  return $status
}
