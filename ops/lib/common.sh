# Shared setup of ./nodus and ./ops/test (sourced, not run): root check, Debian packages, bpffs
# mount, an explicit JDK >= 21, and the Maven wrapper. Everything here is idempotent.

nodus_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Packages to build Nodus (clang compiles the BPF programs) and to run it.
NODUS_BUILD_PACKAGES=(clang llvm libbpf-dev libbpf1 linux-libc-dev iproute2 util-linux procps)
# Extra packages the test suite and benchmarks use; the chaos tests run controllers under
# libfaketime (faketime) with their data on ext4 file systems on loop devices (e2fsprogs, mount).
NODUS_TEST_PACKAGES=(gcc libc6-dev bpftool iptables nftables iperf3 tcpdump iputils-ping faketime e2fsprogs mount)

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "nodus: this needs root (BPF programs, network namespaces); run it with sudo" >&2
    exit 1
  fi
}

# ensure_packages PKG... installs the Debian packages that are missing.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "nodus: missing Debian packages: ${missing[*]} (run as root to install them)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_bpffs() {
  mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
}

# select_jdk sets JAVA_HOME to the newest JDK >= 21 found (JAVA_HOME first, then /usr/lib/jvm).
select_jdk() {
  local best="" best_version=0 candidate version
  for candidate in ${JAVA_HOME:-} /usr/lib/jvm/*; do
    [ -x "$candidate/bin/javac" ] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 \
      | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')
    if [ -n "$version" ] && [ "$version" -ge 21 ] && [ "$version" -gt "$best_version" ]; then
      best="$candidate"
      best_version="$version"
    fi
  done
  if [ -z "$best" ]; then
    echo "nodus: no JDK >= 21 found (looked at \$JAVA_HOME and /usr/lib/jvm); install one, e.g. Temurin 21 or 25" >&2
    exit 1
  fi
  export JAVA_HOME="$best"
  NODUS_JAVA_VERSION="$best_version"
}

# JVM flags for running Nodus: quiet native access on JDK 24+.
nodus_jvm_flags() {
  if [ "${NODUS_JAVA_VERSION:-0}" -ge 24 ]; then
    echo "--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
  fi
}

mvnw() {
  "$nodus_root/mvnw" -B -ntp "$@"
}
