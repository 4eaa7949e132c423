#!/usr/bin/env bash
# The local JRE base image, for machines that reach no registry: a minimal Debian bookworm with OpenJDK 17's
# headless JRE, made with debootstrap from the machine's own Debian mirror and imported into the engine's store.
#
#   images/jre/make-jre.sh            make it when the engine has no such image, else reuse it (built once)
#   MLOPS_JRE_REBUILD=1 images/jre/make-jre.sh    make it again
#
# Image: JRE_IMAGE (default mlops-jre:17-bookworm). Mirror: MLOPS_DEBIAN_MIRROR, else the first bookworm source of
# this machine's apt configuration, else http://deb.debian.org/debian. Needs root (debootstrap), a running engine
# (images/engine.sh start) and debootstrap (installed with apt-get when missing).
set -euo pipefail

IMAGE=${JRE_IMAGE:-mlops-jre:17-bookworm}
DOCKER=${DOCKER:-/usr/bin/docker}
SUITE=bookworm
# what the jobs need besides the JRE: libgomp1, the OpenMP runtime XGBoost4J's native library links against (train,
# transform and quality score with it in the pod). The image records this list; a store whose image has another is
# made again
PACKAGES=openjdk-17-jre-headless,libgomp1

say() { echo "jre: $*" >&2; }

if [ -z "${MLOPS_JRE_REBUILD:-}" ] && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  has=$("$DOCKER" image inspect -f '{{ index .Config.Labels "dev.mlops.jre.packages" }}' "$IMAGE" 2>/dev/null || true)
  if [ "$has" = "$PACKAGES" ]; then
    say "$IMAGE is in the engine's store ($(( $("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE") / 1000000 )) MB): reused"
    exit 0
  fi
  say "$IMAGE in the engine's store has packages '${has:-(not recorded)}', not '$PACKAGES': made again"
fi

# the mirror of this machine's apt sources (deb822 .sources files, then one-line .list files) that serves bookworm main
mirror() {
  if [ -n "${MLOPS_DEBIAN_MIRROR:-}" ]; then echo "$MLOPS_DEBIAN_MIRROR"; return; fi
  local f m
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    m=$(awk -v suite="$SUITE" '
      function flush() { if (uris != "" && (" " suites " ") ~ (" " suite " ") && (" " comps " ") ~ / main / && found == "") found = uris; uris = suites = comps = "" }
      /^[ \t]*$/ { flush(); next }
      /^URIs:/ { sub(/^URIs:[ \t]*/, ""); split($0, u, /[ \t]+/); uris = u[1] }
      /^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
      /^Components:/ { sub(/^Components:[ \t]*/, ""); comps = $0 }
      END { flush(); print found }' "$f")
    [ -z "$m" ] || { echo "$m"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    m=$(sed -nE "s/^deb[ \t]+(\[[^]]*\][ \t]+)?([^ \t]+)[ \t]+${SUITE}[ \t]+.*\bmain\b.*/\2/p" "$f" | head -1)
    [ -z "$m" ] || { echo "$m"; return; }
  done
  echo http://deb.debian.org/debian
}

[ "$(id -u)" = 0 ] || { say "debootstrap needs root"; exit 1; }
command -v debootstrap >/dev/null 2>&1 || {
  say "installing debootstrap"
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
}

MIRROR=$(mirror)
ARCH=$(dpkg --print-architecture)
ROOTFS=$(mktemp -d /var/tmp/mlops-jre.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT

say "debootstrap --variant=minbase --include=$PACKAGES $SUITE ($ARCH) from $MIRROR"
t0=$SECONDS
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOTFS" "$MIRROR" > "$ROOTFS.log" 2>&1 \
  || { tail -30 "$ROOTFS.log" >&2; rm -f "$ROOTFS.log"; exit 1; }
rm -f "$ROOTFS.log"
t_debootstrap=$((SECONDS - t0))

# what a runtime does not need: apt's caches and lists, man pages, docs (the copyright files stay)
rm -rf "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/* \
       "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
find "$ROOTFS"/usr/share/doc -mindepth 2 -not -name copyright -not -type d -delete 2>/dev/null || true
# the machine's own names have no place in an image
: > "$ROOTFS"/etc/hostname
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOTFS"/etc/hosts
rm -f "$ROOTFS"/etc/resolv.conf

JAVA_HOME=/usr/lib/jvm/java-17-openjdk-$ARCH
[ -x "$ROOTFS$JAVA_HOME/bin/java" ] || { say "no $JAVA_HOME/bin/java in the image"; exit 1; }
JAVA_VERSION=$(sed -n 's/^JAVA_VERSION="\(.*\)"/\1/p' "$ROOTFS$JAVA_HOME/release" 2>/dev/null || true)
DEBIAN_VERSION=$(cat "$ROOTFS"/etc/debian_version)

t1=$SECONDS
tar -C "$ROOTFS" --numeric-owner -cf - . | "$DOCKER" import \
  --change "ENV PATH=$JAVA_HOME/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV JAVA_HOME=$JAVA_HOME" \
  --change "ENV LANG=C.UTF-8" \
  --change 'CMD ["java", "-version"]' \
  --change "LABEL org.opencontainers.image.title=mlops-jre org.opencontainers.image.description=\"Debian $DEBIAN_VERSION minbase with OpenJDK $JAVA_VERSION headless JRE (debootstrap, images/jre/make-jre.sh)\" org.opencontainers.image.version=$JAVA_VERSION org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%SZ) dev.mlops.jre.packages=$PACKAGES" \
  --message "debootstrap --variant=minbase --include=$PACKAGES $SUITE $MIRROR (Debian $DEBIAN_VERSION, Java $JAVA_VERSION)" \
  - "$IMAGE" >/dev/null
t_import=$((SECONDS - t1))
size=$(( $("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE") / 1000000 ))
say "$IMAGE made: Debian $DEBIAN_VERSION, Java $JAVA_VERSION, ${size} MB; debootstrap ${t_debootstrap}s, import ${t_import}s"
