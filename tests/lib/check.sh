# Assertions for the CLI tests that keep going after a failure and count
# them (cli_test.sh, epm_cli_test.sh, flows_cli_test.sh). Source it after
# setting $work (a temporary directory); end the test with
# `exit $((failures > 0))` or the like.
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect RC COMMAND...: runs it, stdout in $work/out and stderr in $work/err.
expect() {
  local want=$1
  shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(head -c 400 "$work/err")"
}

# contains FILE TEXT
contains() { grep -qF -- "$2" "$1" || fail "$(basename "$1") of the last command lacks '$2': $(head -c 600 "$1")"; }

# jqe FILTER WHAT: the last command's output satisfies the jq filter.
jqe() { jq -e "$1" "$work/out" >/dev/null || fail "$2: $(head -c 800 "$work/out")"; }

# broken_library BINARY NAME DIR: writes a file that is no library into DIR
# under the SONAME of NAME (libpcap, libgvc) that BINARY loads with dlopen,
# and prints that SONAME (nothing if BINARY names none). With DIR first on
# LD_LIBRARY_PATH, loading it then fails as on a machine without it.
broken_library() {
  local soname
  # (Not the pipe's status: strings may die of SIGPIPE once grep has its line.)
  soname=$(strings "$1" | grep -m 1 -x "$2\\.so\\.[0-9.]*")
  [ -n "$soname" ] || return 0
  mkdir -p "$3"
  echo "not a library" >"$3/$soname"
  echo "$soname"
}
