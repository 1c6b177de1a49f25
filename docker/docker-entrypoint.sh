#!/usr/bin/env bash
# Container entrypoint: turns CAIRN_* environment variables into cairn-server flags.
#
#   docker run cairn                            cairn-server /etc/cairn/cairn.conf \
#                                                 --bind 0.0.0.0 --data-dir /data
#   docker run -e CAIRN_MAXMEMORY=256mb cairn   ... --maxmemory=256mb
#   docker run cairn --port 7000 --hz 50        flags after the image name are passed on last,
#                                               so they win over the environment
#   docker run -v ./my.conf:/etc/cairn/cairn.conf cairn     your own config file
#   docker run cairn /conf/other.conf           a config file given as the first argument
#   docker run -it cairn bash                   anything else runs as a plain command
#
# Mapping: CAIRN_<KEY>=value becomes --<key>=value, with <key> in lower case and '_' -> '-'
# (CAIRN_EVICTION_POLICY=lfu -> --eviction-policy=lfu). An empty value is passed as an empty
# argument (CAIRN_REQUIREPASS= -> --requirepass ""). A misspelt variable stops the server with
# "unknown option" rather than being ignored. CAIRN_CONFIG is not a flag: it names the config
# file (default /etc/cairn/cairn.conf).
#
# Container defaults: --bind 0.0.0.0 (reachable from other containers) and --data-dir /data
# (the volume). They are flags, so they apply over the config file; set CAIRN_BIND /
# CAIRN_DATA_DIR or pass --bind / --data-dir to choose otherwise. Listening beyond loopback
# takes a password (CAIRN_REQUIREPASS, --requirepass or the config file) or an explicit
# CAIRN_PROTECTED_MODE=no: without either the entrypoint stops with a message (exit 64).
set -euo pipefail

config="${CAIRN_CONFIG:-/etc/cairn/cairn.conf}"

if [[ $# -gt 0 && "$1" == "cairn-server" ]]; then shift; fi
if [[ $# -gt 0 && "$1" != -* && "$1" != *.conf ]]; then exec "$@"; fi
if [[ $# -gt 0 && "$1" == *.conf ]]; then
  config="$1"
  shift
fi

env_flags=()
while IFS= read -r name; do
  [[ "$name" == CAIRN_* && "$name" != "CAIRN_CONFIG" ]] || continue
  key="${name#CAIRN_}"
  key="${key,,}"
  key="${key//_/-}"
  [[ -n "$key" ]] || continue
  value="${!name}"
  if [[ -z "$value" ]]; then
    env_flags+=("--$key" "")
  else
    env_flags+=("--$key=$value")  # the '=' form keeps values that start with '-' as values
  fi
done < <(compgen -e | LC_ALL=C sort)

# True if any of the remaining arguments sets one of the given flags (--flag or --flag=...).
has_flag() {
  local -a names=()
  while [[ $# -gt 0 && "$1" != "--" ]]; do
    names+=("$1")
    shift
  done
  shift
  local arg name
  for arg in "$@"; do
    for name in "${names[@]}"; do
      [[ "$arg" == "$name" || "$arg" == "$name="* ]] && return 0
    done
  done
  return 1
}

defaults=()
has_flag --bind -- "${env_flags[@]}" "$@" || defaults+=(--bind 0.0.0.0)
has_flag --data-dir --dir -- "${env_flags[@]}" "$@" || defaults+=(--data-dir /data)

# flag_value NAME -- ARGS...: the value the last --NAME X / --NAME=X among ARGS gives (empty
# and status 1 when none does).
flag_value() {
  local name="$1" found=1 value="" prev=""
  shift 2
  local arg
  for arg in "$@"; do
    if [[ "$prev" == "$name" ]]; then value="$arg"; found=0; fi
    if [[ "$arg" == "$name="* ]]; then value="${arg#"$name="}"; found=0; fi
    prev="$arg"
  done
  printf '%s' "$value"
  return $found
}

# conf_value KEY: KEY's value in the config file (its last line), without quotes.
conf_value() {
  [[ -r "$config" ]] || return 0
  awk -v k="$1" 'tolower($1) == k { $1 = ""; v = $0 } END { print v }' "$config" |
    sed -e 's/^ *//' -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'\$/\\1/"
}

# Not open by default: a container that listens beyond loopback with no password would hand
# the data to anyone who can reach the port. The server's protected mode would refuse those
# clients one by one; stopping here says why at once.
all_args=("${defaults[@]}" "${env_flags[@]}" "$@")
bind_value="$(flag_value --bind -- "${all_args[@]}")" || bind_value="$(conf_value bind)"
password="$(flag_value --requirepass -- "${all_args[@]}")" || password="$(conf_value requirepass)"
protected="$(flag_value --protected-mode -- "${all_args[@]}")" ||
  protected="$(conf_value protected-mode)"
exposed=""
for addr in $bind_value; do
  [[ "$addr" == 127.* || "$addr" == "::1" ]] || exposed="$addr"
done
if [[ -n "$exposed" && -z "$password" && "${protected,,}" != "no" ]]; then
  cat >&2 <<MSG
cairn: refusing to listen on $exposed with no password: anyone who can reach the port would
own the data. Choose one:
  - set a password: -e CAIRN_REQUIREPASS=... (clients then send AUTH; the health check uses it)
  - listen on loopback only, for a sidecar sharing the app's network: -e CAIRN_BIND=127.0.0.1
  - accept the risk on a network you trust: -e CAIRN_PROTECTED_MODE=no
MSG
  exit 64
fi

exec cairn-server "$config" "${defaults[@]}" "${env_flags[@]}" "$@"
