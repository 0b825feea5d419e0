#!/usr/bin/env bash
# Runs the Quiesce JMH suite and writes one JSON result file per part.
#
# Usage: quiesce-jmh/run-benchmarks.sh [quick|full] [extra JMH options...]
#
#   quick (default)  -f 1 -wi 3 -w 1s -i 5 -r 1s: about 15 minutes in all on 2 cores.
#   full             -f 3 -wi 5 -w 2s -i 10 -r 2s: errors small enough to judge ratios.
#
# Parts (each a separate JMH run, JSON in $OUT, default quiesce-jmh/target/jmh-results):
#   read-side-t1.json, read-side-t2.json, read-side-t4.json
#       ReadSideBenchmark at -t 1, 2, 4 with -prof gc (gc.alloc.rate.norm = bytes per op).
#   grace-period.json
#       GracePeriodBenchmark; no -t here, the methods set their own thread counts (@Threads).
#   rwsem-shared-t1.json, rwsem-shared-t2.json, rwsem-shared-t4.json        (part "shared")
#       RwSemaphoreBenchmark shared side (rwsemTryPermit, rwsemAcquirePermit, rwsemToken at
#       inflated=false/true; rwlRead, stampedRead, semaphore) at -t 1, 2, 4 with -prof gc.
#   rwsem-exclusive.json                                                    (part "exclusive")
#       Uncontended exclusive side (rwsemExclusive, rwsemTryExclusive, rwlWrite, stampedWrite) at
#       -t 1 with -prof gc.
#   rwsem-mix.json                                                          (part "mix")
#       The 95/5 groups (mixRwsem, mixRwl, mixStamped): two threads each, set by @GroupThreads.
#   validation.json                                                         (part "validation")
#       ValidationOverheadBenchmark: each method forks with its own -Ddev.quiesce.validate=false
#       (…Off) or =true (…On), one thread, -prof gc. Do not pass -jvmArgsAppend to this part: it
#       would replace the switch.
#
# Extra options are passed to every JMH run; one that the mode also sets replaces the mode's
# (JMH refuses an option given twice), e.g.
#   run-benchmarks.sh quick -i 10 -jvmArgsAppend -XX:+UseParallelGC
# Environment:
#   JAVA_HOME  the JDK that builds and runs the suite (default: java on the PATH)
#   OUT        where the JSON goes (the default is under target/: `mvn clean` deletes it)
#   PARTS      which parts to run (default "read grace shared exclusive mix validation")
#   THREADS    thread counts for the read and shared parts (default "1 2 4")
#   REBUILD=1  rebuild even when target/benchmarks.jar exists
#
# The figures that matter are ratios between methods of one run; on a shared or busy machine
# check `uptime` first, and report the load with the numbers.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
out="${OUT:-$here/target/jmh-results}"
parts="${PARTS:-read grace shared exclusive mix validation}"
threads="${THREADS:-1 2 4}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

mode="quick"
if [[ $# -gt 0 && ( "$1" == quick || "$1" == full ) ]]; then
    mode="$1"
    shift
fi
case "$mode" in
    quick) defaults=(-f 1 -wi 3 -w 1s -i 5 -r 1s) ;;
    full)  defaults=(-f 3 -wi 5 -w 2s -i 10 -r 2s) ;;
esac

# Keep each default option (a flag and its value) unless the extra arguments give it.
opts=()
for ((k = 0; k < ${#defaults[@]}; k += 2)); do
    given=0
    for a in "$@"; do
        [[ "$a" == "${defaults[k]}" ]] && given=1
    done
    [[ $given == 1 ]] || opts+=("${defaults[k]}" "${defaults[k + 1]}")
done

if [[ "${REBUILD:-0}" == 1 || ! -f "$jar" ]]; then
    # Through the reactor, never `mvn install`: quiesce-core comes from this checkout.
    (cd "$root" && mvn -q -pl quiesce-jmh -am package -DskipTests)
fi

rw='dev\.quiesce\.jmh\.RwSemaphoreBenchmark\.'
rw_shared="$rw(rwsemTryPermit|rwsemAcquirePermit|rwsemToken|rwlRead|stampedRead|semaphore)\$"
rw_exclusive="$rw(rwsemExclusive|rwsemTryExclusive|rwlWrite|stampedWrite)\$"
rw_mix="$rw(mixRwsem|mixRwl|mixStamped)\$"

mkdir -p "$out"
echo "# $("$java_bin" -version 2>&1 | head -n 1); $(nproc) CPUs; load:$(uptime | sed 's/.*load average://')"

for part in $parts; do
    case "$part" in
        read)
            for t in $threads; do
                "$java_bin" -jar "$jar" 'dev\.quiesce\.jmh\.ReadSideBenchmark\.' "${opts[@]}" \
                    -t "$t" -prof gc -rf json -rff "$out/read-side-t$t.json" "$@"
            done
            ;;
        grace)
            "$java_bin" -jar "$jar" 'dev\.quiesce\.jmh\.GracePeriodBenchmark\.' "${opts[@]}" \
                -rf json -rff "$out/grace-period.json" "$@"
            ;;
        shared)
            for t in $threads; do
                "$java_bin" -jar "$jar" "$rw_shared" "${opts[@]}" \
                    -t "$t" -prof gc -rf json -rff "$out/rwsem-shared-t$t.json" "$@"
            done
            ;;
        exclusive)
            "$java_bin" -jar "$jar" "$rw_exclusive" "${opts[@]}" \
                -t 1 -prof gc -rf json -rff "$out/rwsem-exclusive.json" "$@"
            ;;
        mix)
            "$java_bin" -jar "$jar" "$rw_mix" "${opts[@]}" \
                -prof gc -rf json -rff "$out/rwsem-mix.json" "$@"
            ;;
        validation)
            "$java_bin" -jar "$jar" 'dev\.quiesce\.jmh\.ValidationOverheadBenchmark\.' "${opts[@]}" \
                -prof gc -rf json -rff "$out/validation.json" "$@"
            ;;
        *)
            echo "unknown part: $part (expected read, grace, shared, exclusive, mix or validation)" >&2
            exit 2
            ;;
    esac
    echo "# after $part, load:$(uptime | sed 's/.*load average://')"
done
echo "# JSON results in $out"
