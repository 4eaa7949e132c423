#!/usr/bin/env bash
# Builds the job images from the jars Maven built: mlops-base, then mlops-<step> for every step (or the steps named
# as arguments), all tagged IMAGE_TAG (default: the Maven project version). `make images` and ImagesIT both run it.
#
#   images/build.sh                     # base + the eight steps
#   IMAGE_TAG=abc1234 images/build.sh ingest train
#
# Needs: the jars (`make build`: jobs/cli/target/lib/ and jobs/<step>/target/mlops-<step>-runnable.jar) and an engine
# that answers (images/engine.sh start). Nothing is compiled and nothing is downloaded: the build context is the
# repository with only those jars let through (.dockerignore), and builds run with --network host.
#
# The JRE under the base: JRE_IMAGE when given (e.g. eclipse-temurin:17-jre-jammy where a registry is reachable: the
# engine pulls it). Without JRE_IMAGE it is always mlops-jre:17-bookworm, made on this machine from Debian's packages
# by images/jre/make-jre.sh the first time and reused from the engine's store after that: the same base whether or not
# a registry is reachable, and no test waits on a registry that does not answer.
#
# Environment: DOCKER (client; default Debian's /usr/bin/docker, else `docker` on PATH), DOCKER_BUILDKIT (default 1),
# IMAGE_TAG, JRE_IMAGE, REVISION (default: git's short commit, +"-dirty" with uncommitted changes to tracked files).
# Prints each image with its size and build time, then the total. Build logs: target/images/<image>.log.
set -euo pipefail
cd "$(dirname "$0")/.."

ALL_STEPS=(ingest validate features train transform shadow quality promote)
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=("${ALL_STEPS[@]}")

DOCKER=${DOCKER:-$(if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker || echo docker; fi)}
export DOCKER DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-1}

say() { echo "images: $*" >&2; }
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1000000 }'; }

# the project version: the first <version> of the root pom (the project's own; it has no parent)
VERSION=$(sed -n '0,/<version>/s:.*<version>\([^<]*\)</version>.*:\1:p' pom.xml)
TAG=${IMAGE_TAG:-$VERSION}
if [ -z "${REVISION:-}" ]; then
  REVISION=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [ "$REVISION" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then REVISION="$REVISION-dirty"; fi
fi
# the commit's time, not the clock's: a rebuild of the same commit gives the same image
CREATED=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || TZ=UTC date +%Y-%m-%dT%H:%M:%SZ)

missing=()
[ -d jobs/cli/target/lib ] || missing+=(jobs/cli/target/lib/)
for step in "${STEPS[@]}"; do
  [ -f "images/$step/Dockerfile" ] || { say "no images/$step/Dockerfile (steps: ${ALL_STEPS[*]})"; exit 64; }
  [ -f "jobs/$step/target/mlops-$step-runnable.jar" ] || missing+=("jobs/$step/target/mlops-$step-runnable.jar")
done
[ ${#missing[@]} -eq 0 ] || { say "missing ${missing[*]}: run make build first"; exit 1; }
"$DOCKER" info >/dev/null 2>&1 || { say "no container engine answers ($DOCKER info): images/engine.sh start"; exit 1; }

t_all=$(now_ms)
if [ -z "${JRE_IMAGE:-}" ]; then
  JRE_IMAGE=mlops-jre:17-bookworm
  JRE_IMAGE=$JRE_IMAGE images/jre/make-jre.sh
fi

mkdir -p target/images
replaced=()
# one image: build it, print its size and time (the log is shown when it fails)
build() {
  local name=$1; shift
  local t0 log=target/images/${name%%:*}.log old
  old=$("$DOCKER" image inspect -f '{{.Id}}' "$name" 2>/dev/null || true)
  t0=$(now_ms)
  if ! "$DOCKER" build --network host "$@" -t "$name" . > "$log" 2>&1; then
    say "building $name failed; the end of $log:"; tail -40 "$log" >&2; exit 1
  fi
  local size; size=$("$DOCKER" image inspect -f '{{.Size}}' "$name")
  [ -z "$old" ] || [ "$old" = "$("$DOCKER" image inspect -f '{{.Id}}' "$name")" ] || replaced=("$old" "${replaced[@]}")
  printf 'images: %-32s %8s  built in %s\n' "$name" "$(mb "$size")" "$(secs $(( $(now_ms) - t0 )))" >&2
}

common=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION" --build-arg "CREATED=$CREATED")
build "mlops-base:$TAG" -f images/base/Dockerfile --build-arg "JRE_IMAGE=$JRE_IMAGE" "${common[@]}"
base_size=$("$DOCKER" image inspect -f '{{.Size}}' "mlops-base:$TAG")
for step in "${STEPS[@]}"; do
  build "mlops-$step:$TAG" -f "images/$step/Dockerfile" --build-arg "BASE_IMAGE=mlops-base:$TAG" "${common[@]}"
done

say "on $JRE_IMAGE (revision $REVISION): base $(mb "$base_size"); each step adds its jar:"
for step in "${STEPS[@]}"; do
  size=$("$DOCKER" image inspect -f '{{.Size}}' "mlops-$step:$TAG")
  printf 'images:   mlops-%-10s +%s kB\n' "$step" "$(( (size - base_size) / 1000 ))" >&2
done
# the images these replaced, steps before the base (their parent), each only when nothing else holds it: no other
# tag, no container, no child (docker rmi without -f refuses those); else every rebuild would leave ~430 MB behind
for id in "${replaced[@]}"; do "$DOCKER" rmi "$id" >/dev/null 2>&1 || true; done
say "built $(( ${#STEPS[@]} + 1 )) images in $(secs $(( $(now_ms) - t_all ))) (storage driver $("$DOCKER" info --format '{{.Driver}}'))"
