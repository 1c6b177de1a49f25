#!/usr/bin/env bash
# Tests docker/docker-entrypoint.sh without Docker: a fake cairn-server on PATH shows the exact
# arguments the entrypoint passes, and the real config parser (config_probe) shows that
# cairn-server accepts them.
# Usage: entrypoint_test.sh path/to/docker-entrypoint.sh path/to/config_probe path/to/cairn.conf
set -uo pipefail

entrypoint="$(realpath "$1")"
probe="$(realpath "$2")"
shipped_conf="$(realpath "$3")"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/echo" "$tmp/real"
cat >"$tmp/echo/cairn-server" <<'FAKE'
#!/usr/bin/env bash
printf '[%s]\n' "$@"
FAKE
chmod +x "$tmp/echo/cairn-server"
ln -s "$probe" "$tmp/real/cairn-server"

failures=0

# run_with DIR [NAME=VALUE...] [-- ARG...]: the entrypoint in a clean environment.
run_with() {
  local dir="$1"
  shift
  local -a envs=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    envs+=("$1")
    shift
  done
  [[ $# -gt 0 ]] && shift
  env -i PATH="$tmp/$dir:/usr/bin:/bin" "${envs[@]}" bash "$entrypoint" "$@" 2>&1
}

check() {  # check NAME EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then
    echo "ok   $1"
  else
    echo "FAIL $1"
    echo "  expected: $(printf '%q' "$2")"
    echo "  actual:   $(printf '%q' "$3")"
    failures=$((failures + 1))
  fi
}

lines() { printf '%s\n' "$@"; }

check "defaults (with a password)" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--requirepass=pw]')" \
  "$(run_with echo CAIRN_REQUIREPASS=pw)"

# Open by default no more: 0.0.0.0 with no password and protected mode left on stops the start.
refusal="$(run_with echo)"
check "no password on 0.0.0.0: refused" "1" "$(grep -c 'refusing to listen on 0.0.0.0' <<<"$refusal")"
check "no password on 0.0.0.0: says how to fix it" "1" \
  "$(grep -c 'CAIRN_REQUIREPASS' <<<"$refusal")"
check "no password on 0.0.0.0: exit status" "64" "$(run_with echo >/dev/null; echo $?)"
check "explicit protected-mode no is accepted" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--protected-mode=no]')" \
  "$(run_with echo CAIRN_PROTECTED_MODE=no)"
check "--protected-mode no as an argument is accepted" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--protected-mode]' '[no]')" \
  "$(run_with echo -- --protected-mode no)"
check "--requirepass as an argument is accepted" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--requirepass=x]')" \
  "$(run_with echo -- --requirepass=x)"
check "loopback only needs no password" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--data-dir]' '[/data]' '[--bind=127.0.0.1 ::1]')" \
  "$(run_with echo 'CAIRN_BIND=127.0.0.1 ::1')"
printf 'requirepass "from file"\n' >"$tmp/pw.conf"
check "a password in the config file counts" \
  "$(lines "[$tmp/pw.conf]" '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]')" \
  "$(run_with echo CAIRN_CONFIG="$tmp/pw.conf")"

check "env to flags, sorted, lower case, dashes" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--client-query-buffer-limit=2mb]' '[--eviction-policy=lfu]' '[--maxmemory=256mb]' \
       '[--requirepass=pw]')" \
  "$(run_with echo CAIRN_MAXMEMORY=256mb CAIRN_EVICTION_POLICY=lfu \
       CAIRN_CLIENT_QUERY_BUFFER_LIMIT=2mb FOO=1 CAIRNX=2 CAIRN_=3 CAIRN_REQUIREPASS=pw)"

check "CAIRN_BIND and CAIRN_DATA_DIR replace the container defaults" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind=10.0.0.1 ::]' '[--data-dir=/srv]' \
       '[--requirepass=pw]')" \
  "$(run_with echo 'CAIRN_BIND=10.0.0.1 ::' CAIRN_DATA_DIR=/srv CAIRN_REQUIREPASS=pw)"

check "arguments come last and replace the defaults they name" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--data-dir]' '[/data]' '[--hz=20]' \
       '[--requirepass=pw]' '[--bind]' '[1.2.3.4]' '[--port]' '[7000]')" \
  "$(run_with echo CAIRN_HZ=20 CAIRN_REQUIREPASS=pw -- --bind 1.2.3.4 --port 7000)"

check "--dir alias counts as data-dir" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--protected-mode=no]' \
       '[--dir=/x]')" \
  "$(run_with echo CAIRN_PROTECTED_MODE=no -- --dir=/x)"

check "empty and dash-leading values" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--log-file]' '[]' '[--requirepass=-s3cret x]')" \
  "$(run_with echo CAIRN_LOG_FILE= 'CAIRN_REQUIREPASS=-s3cret x')"

check "CAIRN_CONFIG names the file and is not a flag" \
  "$(lines '[/conf/my.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--protected-mode=no]')" \
  "$(run_with echo CAIRN_CONFIG=/conf/my.conf CAIRN_PROTECTED_MODE=no)"

check "a .conf first argument is the config file" \
  "$(lines '[/conf/other.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--protected-mode=no]' '[--hz]' '[5]')" \
  "$(run_with echo CAIRN_PROTECTED_MODE=no -- /conf/other.conf --hz 5)"

check "a leading cairn-server is dropped" \
  "$(lines '[/etc/cairn/cairn.conf]' '[--bind]' '[0.0.0.0]' '[--data-dir]' '[/data]' \
       '[--protected-mode=no]' '[--hz]' '[5]')" \
  "$(run_with echo CAIRN_PROTECTED_MODE=no -- cairn-server --hz 5)"

check "other commands run as they are" "hello world" "$(run_with echo -- echo hello world)"

# The real parser accepts what the entrypoint produces.
dump="$(run_with real CAIRN_CONFIG="$shipped_conf" CAIRN_MAXMEMORY=256mb \
  CAIRN_EVICTION_POLICY=lfu CAIRN_REQUIREPASS=-pw CAIRN_LOG_FILE= CAIRN_MAXMEMORY_POLICY=fifo \
  -- --port 7000)"
check "real parser: port" "port 7000" "$(grep '^port ' <<<"$dump")"
check "real parser: bind" "bind 0.0.0.0" "$(grep '^bind ' <<<"$dump")"
check "real parser: data-dir" "data-dir /data" "$(grep '^data-dir ' <<<"$dump")"
check "real parser: maxmemory" "maxmemory 256mb" "$(grep '^maxmemory ' <<<"$dump")"
check "real parser: requirepass" "requirepass -pw" "$(grep '^requirepass ' <<<"$dump")"
check "real parser: log-file" 'log-file ""' "$(grep '^log-file ' <<<"$dump")"
# Two spellings of one key: the later flag (sorted: MAXMEMORY_POLICY after EVICTION_POLICY) wins.
check "real parser: alias" "eviction-policy fifo" "$(grep '^eviction-policy ' <<<"$dump")"
check "real parser: multi-valued bind" "bind 10.0.0.1 ::" \
  "$(run_with real CAIRN_CONFIG="$shipped_conf" 'CAIRN_BIND=10.0.0.1 ::' CAIRN_REQUIREPASS=pw |
     grep '^bind ')"
check "real parser: protected-mode" "protected-mode no" \
  "$(run_with real CAIRN_CONFIG="$shipped_conf" CAIRN_PROTECTED_MODE=no | grep '^protected-mode ')"
check "real parser: a misspelt variable stops startup" "1" \
  "$(run_with real CAIRN_CONFIG="$shipped_conf" CAIRN_REQUIREPASS=pw CAIRN_MAXMEMROY=1mb \
     >/dev/null; echo $?)"

if [[ $failures -ne 0 ]]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "all entrypoint checks passed"
