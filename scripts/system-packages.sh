#!/usr/bin/env bash
# Installs the Debian packages unima needs at run time and in tests, when they are missing.
# bubblewrap: the code sandbox; libseccomp2: its syscall filter (loaded by pyseccomp);
# chromium: the headless browser the trace HTML viewer test loads its page in (tests only;
# pass --runtime to skip it).
# Without root we cannot install; say what to do instead.
set -euo pipefail
needed=()
command -v bwrap >/dev/null 2>&1 || needed+=(bubblewrap)
# grep without -q reads all of ldconfig's output, so pipefail never sees a SIGPIPE.
if ! /sbin/ldconfig -p 2>/dev/null | grep 'libseccomp\.so\.2' >/dev/null; then
  needed+=(libseccomp2)
fi
if [ "${1:-}" != "--runtime" ] && ! command -v chromium >/dev/null 2>&1 \
  && ! command -v chromium-browser >/dev/null 2>&1; then
  needed+=(chromium)
fi
if [ ${#needed[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "unima: missing system packages: ${needed[*]} (install them with: sudo apt-get install ${needed[*]})" >&2
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "unima: missing system packages: ${needed[*]}, and no apt-get to install them" >&2
  exit 0
fi
echo "unima: installing system packages: ${needed[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${needed[@]}" >/dev/null
