# shellcheck shell=bash
# debian_mirror <suite>: the Debian mirror this machine's apt already uses for that suite, for
# debootstrap (containers/base-image.sh, cluster/real-node/standins.sh): deb822 .sources files
# first, then one-line sources.list entries. Never a hard-coded host. Fails when there is none.
debian_mirror() {
  local suite=$1 file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] || continue
    awk -v suite="$suite" '
      function flush() { if (uri != "" && has_suite && is_deb) { print uri; found = 1; exit } uri = ""; has_suite = 0; is_deb = 0 }
      /^[[:space:]]*$/ { flush(); next }
      tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") is_deb = 1 }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == "suites:" { for (i = 2; i <= NF; i++) if ($i == suite) has_suite = 1 }
      END { if (!found) flush() }
    ' "$file"
  done | head -n 1 | grep . && return 0
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
    | sed -E 's/\[[^]]*\]//' \
    | awk -v suite="$suite" '$1 == "deb" && $3 == suite { print $2; exit }' | grep .
}
