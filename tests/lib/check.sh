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
