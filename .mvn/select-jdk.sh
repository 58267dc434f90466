# Sourced by ./mvnw and bin/strangler: make JAVA_HOME name a JDK >= 21.
# Keeps a JAVA_HOME (or a `java` on PATH) that is new enough; otherwise looks in the usual
# install folders and says which JDK it picked.
strangler_java_major() {
  "$1" -version 2>&1 | awk -F'"' '/version/ { split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit }'
}
strangler_select_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    [ "$(strangler_java_major "$JAVA_HOME/bin/java")" -ge 21 ] 2>/dev/null && return 0
  elif command -v java >/dev/null 2>&1; then
    [ "$(strangler_java_major java)" -ge 21 ] 2>/dev/null && return 0
  fi
  # The caller may run with globbing off (mvnw: set -f); the search needs it for a moment.
  case $- in *f*) strangler_noglob=1 ;; *) strangler_noglob=0 ;; esac
  set +f
  strangler_candidates=$(ls -d /usr/lib/jvm/* /usr/java/* /opt/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home 2>/dev/null | sort -r || true)
  [ "$strangler_noglob" = 1 ] && set -f
  for d in $strangler_candidates; do
    if [ -x "$d/bin/java" ] && [ "$(strangler_java_major "$d/bin/java")" -ge 21 ] 2>/dev/null; then
      export JAVA_HOME="$d"
      echo "strangler: using the JDK at $d (JDK 21+ needed; set JAVA_HOME to choose another)" >&2
      return 0
    fi
  done
  echo "strangler: no JDK 21+ found; install one and set JAVA_HOME" >&2
  return 0
}
strangler_select_jdk
