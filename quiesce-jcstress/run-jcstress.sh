#!/usr/bin/env bash
# Runs the Quiesce jcstress suite from target/jcstress.jar and fails loudly when it did not really
# run: jcstress itself exits 0 when it drops every test ("FATAL: No matching tests."), e.g. a
# 3-actor test on a 2-core machine, or a regex that matches nothing.
#
#   quiesce-jcstress/run-jcstress.sh                 # bounded CI run of the real suite
#   quiesce-jcstress/run-jcstress.sh -m default -t 'SrcuTests'   # any jcstress arguments
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java quiesce-jcstress/run-jcstress.sh
#
# Build first: mvn -pl quiesce-jcstress -am package -DskipTests
# Java: $JAVA if set, else $JAVA_HOME/bin/java if JAVA_HOME is set, else `java` on the PATH.
# Output: the console output is also written to target/jcstress.log, the HTML report to
# target/jcstress-results/.
# Exit status: non-zero when jcstress exits non-zero (a FORBIDDEN outcome, an error), when its
# output says "No matching tests" or "FATAL", or when no test result was recorded.
set -euo pipefail

module_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$module_dir/target/jcstress.jar"
results="$module_dir/target/jcstress-results"
log="$module_dir/target/jcstress.log"

if [[ -n "${JAVA:-}" ]]; then
  java_cmd="$JAVA"
elif [[ -n "${JAVA_HOME:-}" ]]; then
  java_cmd="$JAVA_HOME/bin/java"
else
  java_cmd=java
fi

if [[ ! -f "$jar" ]]; then
  echo "run-jcstress: $jar is missing; build it with: mvn -pl quiesce-jcstress -am package -DskipTests" >&2
  exit 2
fi

# Default: the bounded CI run — every test of the real suite (test classes start with a capital
# letter right after the package, which leaves out dev.quiesce.jcstress.selftest).
if (($# == 0)); then
  set -- -m quick -iters 1 -time 100 -t 'dev\.quiesce\.jcstress\.[A-Z]'
fi

# --enable-native-access lets jcstress's affinity support load without warnings on new JDKs.
# Pass it only where this JVM accepts it (JDK 17 does; older ones refuse to start).
native=()
if "$java_cmd" --enable-native-access=ALL-UNNAMED -version >/dev/null 2>&1; then
  native=(--enable-native-access=ALL-UNNAMED)
fi
fork_args=()
if ((${#native[@]} > 0)); then
  fork_args=(-jvmArgsPrepend "${native[*]}")
fi

mkdir -p "$results"
echo "run-jcstress: $("$java_cmd" -version 2>&1 | head -n 1)"
echo "run-jcstress: $java_cmd ${native[*]} -jar $jar ${fork_args[*]} -r $results $*"
start=$(date +%s)

# jcstress drops its result blob (jcstress-results-*.bin.gz) in the working directory: run it
# in target/.
set +e
(cd "$module_dir/target" && exec "$java_cmd" "${native[@]}" -jar "$jar" "${fork_args[@]}" -r "$results" "$@") 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo "run-jcstress: wall time $(($(date +%s) - start)) s; log $log; report $results/index.html"

# Listing and help print no results; only jcstress's own status counts there.
for arg in "$@"; do
  case "$arg" in
    -l | -h) exit "$status" ;;
  esac
done

if ((status != 0)); then
  echo "run-jcstress: FAILED: jcstress exited with status $status (a FORBIDDEN outcome or an error)" >&2
  exit "$status"
fi
if grep -qE 'No matching tests|FATAL' "$log"; then
  echo "run-jcstress: FAILED: jcstress ran no test (\"No matching tests\" or FATAL in its output)" >&2
  exit 3
fi
# The last progress line reads "(Results: N planned; P passed, F failed, S soft errs, H hard errs)".
summary=$(grep -oE 'Results: [0-9]+ planned; [0-9]+ passed, [0-9]+ failed, [0-9]+ soft errs, [0-9]+ hard errs' "$log" | tail -n 1 || true)
if [[ -z "$summary" ]]; then
  echo "run-jcstress: FAILED: no results line in the output: zero tests ran" >&2
  exit 3
fi
read -r planned passed failed soft hard < <(echo "$summary" | grep -oE '[0-9]+' | tr '\n' ' ')
if ((planned == 0 || passed + failed + soft + hard == 0)); then
  echo "run-jcstress: FAILED: zero tests ran ($summary)" >&2
  exit 3
fi
if ((failed + soft + hard != 0)); then
  echo "run-jcstress: FAILED: $summary" >&2
  exit 1
fi
echo "run-jcstress: OK: $summary"
