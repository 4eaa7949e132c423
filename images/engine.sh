#!/usr/bin/env bash
# The container engine the image build and ImagesIT use: images/engine.sh start|stop|status
#
#   start   use the engine that answers on DOCKER_HOST (default unix:///var/run/docker.sock) if there is one: it is
#           not ours and `stop` leaves it alone. Otherwise install Debian's docker.io when dockerd is missing, start
#           `dockerd --bridge=none --iptables=false --ip-masq=false` in the background (no docker0 bridge, no NAT:
#           builds and containers use --network host, every packet stays on 127.0.0.1) and wait until `docker info`
#           answers. Its pidfile is the record that this script started it.
#           Prints `started` (it started one now) or `running` (one answered already) on stdout, what it did on stderr.
#           Exit 0: an engine answers; 2: none can start here (not root, or no dockerd and no apt-get); 1: it should
#           have started and did not (the reason on stderr, the daemon's log in MLOPS_DOCKERD_LOG).
#   stop    stop the daemon this script started (its pidfile), and only that one
#   status  say which engine answers, whether it is ours, and its storage driver; exit 0 when one answers, 3 if not
#
# The client is Debian's /usr/bin/docker (20.10, BuildKit built in with DOCKER_BUILDKIT=1), else the `docker` on PATH;
# a newer client may want a buildx plugin no package here provides. Override with DOCKER=... .
# Files: MLOPS_DOCKERD_PIDFILE (default /var/run/mlops-dockerd.pid), MLOPS_DOCKERD_LOG (/var/log/mlops-dockerd.log).
# MLOPS_DOCKERD_STORAGE_DRIVER forces a storage driver (default: dockerd's choice, overlay2 on ext4/xfs);
# MLOPS_DOCKERD_ARGS adds dockerd arguments (e.g. a second daemon: --host, --data-root, --exec-root, with DOCKER_HOST).
set -euo pipefail

DOCKER=${DOCKER:-$(if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker || echo /usr/bin/docker; fi)}
PIDFILE=${MLOPS_DOCKERD_PIDFILE:-/var/run/mlops-dockerd.pid}
LOG=${MLOPS_DOCKERD_LOG:-/var/log/mlops-dockerd.log}
WAIT_S=${MLOPS_DOCKERD_WAIT_S:-60}

say() { echo "engine: $*" >&2; }

answers() { [ -x "$DOCKER" ] && "$DOCKER" info >/dev/null 2>&1; }

# the pid of the dockerd this script started, when it still runs
our_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
  echo "$pid"
}

driver() { "$DOCKER" info --format '{{.Driver}}' 2>/dev/null || echo unknown; }

install_engine() {
  command -v apt-get >/dev/null 2>&1 || { say "no engine answers, dockerd is missing and there is no apt-get to install docker.io"; exit 2; }
  say "installing Debian's docker.io (dockerd is missing)"
  # the package's maintainer scripts must not start a daemon of their own (with a docker0 bridge and NAT):
  # a policy-rc.d that forbids service starts, for the length of the install, unless one is already there
  local policy=/usr/sbin/policy-rc.d own_policy=no
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=yes
  fi
  local rc=0
  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null; } || rc=$?
  [ $own_policy = no ] || rm -f "$policy"
  [ $rc = 0 ] || { say "apt-get install docker.io failed ($rc)"; exit 1; }
}

start() {
  if answers; then
    if pid=$(our_pid); then say "running (started by engine.sh, pid $pid, storage driver $(driver))";
    else say "an engine already answers (not started here: engine.sh stop leaves it running), storage driver $(driver)"; fi
    echo running
    return 0
  fi
  [ "$(id -u)" = 0 ] || { say "no engine answers on ${DOCKER_HOST:-unix:///var/run/docker.sock}, and starting dockerd needs root"; exit 2; }
  if pid=$(our_pid); then
    say "dockerd pid $pid (ours) runs but does not answer yet"
  else
    if ! command -v dockerd >/dev/null 2>&1 || ! [ -x "$DOCKER" ]; then install_engine; fi
    rm -f "$PIDFILE"
    mkdir -p "$(dirname "$PIDFILE")" "$(dirname "$LOG")"
    local args=(--bridge=none --iptables=false --ip-masq=false --pidfile="$PIDFILE")
    [ -z "${MLOPS_DOCKERD_STORAGE_DRIVER:-}" ] || args+=(--storage-driver="$MLOPS_DOCKERD_STORAGE_DRIVER")
    # shellcheck disable=SC2206 # words, as on a command line
    [ -z "${MLOPS_DOCKERD_ARGS:-}" ] || args+=($MLOPS_DOCKERD_ARGS)
    say "starting dockerd ${args[*]} (log: $LOG)"
    # its own session, so that it outlives the shell (and the make) that started it and no terminal signal reaches it
    setsid dockerd "${args[@]}" >>"$LOG" 2>&1 < /dev/null &
    pid=$!
  fi
  local t0=$SECONDS t0_ms; t0_ms=$(date +%s%3N)
  until answers; do
    if ! [ -d "/proc/$pid" ]; then
      say "dockerd exited before it answered; the end of $LOG:"; tail -20 "$LOG" >&2 || true; exit 1
    fi
    if [ $((SECONDS - t0)) -ge "$WAIT_S" ]; then
      say "dockerd did not answer within ${WAIT_S}s; the end of $LOG:"; tail -20 "$LOG" >&2 || true; exit 1
    fi
    sleep 0.2
  done
  # dockerd writes the pidfile itself once it runs; it is there before the API answers
  pid=$(our_pid) || { say "dockerd answers but $PIDFILE names no dockerd"; exit 1; }
  say "dockerd started (pid $pid, answered after $(( $(date +%s%3N) - t0_ms )) ms, storage driver $(driver), engine $("$DOCKER" version --format '{{.Server.Version}}' 2>/dev/null))"
  echo started
}

stop() {
  local pid
  if ! pid=$(our_pid); then
    if answers; then say "the engine that answers was not started by engine.sh: left running"; else say "no engine started by engine.sh"; fi
    rm -f "$PIDFILE"
    return 0
  fi
  say "stopping dockerd pid $pid"
  kill -TERM "$pid"
  # dockerd stops its containers (15 s each at most) and its containerd before it exits
  for _ in $(seq 1 120); do [ -d "/proc/$pid" ] || break; sleep 0.5; done
  if [ -d "/proc/$pid" ]; then say "dockerd pid $pid still runs after 60s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$PIDFILE"
  say "stopped"
}

status() {
  local pid
  if answers; then
    if pid=$(our_pid); then echo "running (started by engine.sh, pid $pid), storage driver $(driver)";
    else echo "running (not started by engine.sh), storage driver $(driver)"; fi
    return 0
  fi
  if pid=$(our_pid); then echo "dockerd pid $pid (started by engine.sh) does not answer"; else echo "not running"; fi
  return 3
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 64 ;;
esac
