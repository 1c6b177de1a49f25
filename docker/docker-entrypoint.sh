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
# CAIRN_DATA_DIR or pass --bind / --data-dir to choose otherwise.
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

exec cairn-server "$config" "${defaults[@]}" "${env_flags[@]}" "$@"
