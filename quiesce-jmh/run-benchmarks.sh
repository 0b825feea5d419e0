#!/usr/bin/env bash
# Runs the Quiesce JMH suite — the primitives against the JDK, Cassandra's OpOrder and IBM
# asyncutil in the same run — plus the footprint harness, writes one JSON file per part, and
# renders the report (charts and tables) into docs/.
#
# Usage: quiesce-jmh/run-benchmarks.sh [quick|full] [extra JMH options...]
#        (./quiesce bench [quick|full] [extra JMH options...] runs this script)
#
#   quick (default)  -f 1 -wi 2 -w 400ms -i 3 -r 400ms; footprint 3 rounds. About 207 JMH trials of
#                    2 s of iterations plus 1.2-1.8 s of fork start-up and set-up each (timed here on
#                    2 cores under load 4-7), the footprint harness about 1.5 min: about 16 minutes
#                    in all on a quiet machine (32 measured under load 11-60). Errors are wide: a
#                    first look, not for claims.
#   full             -f 3 -wi 3 -w 1s -i 6 -r 1s; footprint 7 rounds. Three forks per trial catch
#                    fork-to-fork variance: estimated 1 h 45 min on 2 cores. Run it on a quiet machine.
#
# Parts (each a separate JMH run, JSON in $OUT, default quiesce-jmh/target/jmh-results):
#   read-side-t1.json, read-side-t2.json, read-side-t4.json                 (part "read")
#       ReadSideBenchmark at -t 1, 2, 4 with -prof gc (gc.alloc.rate.norm = bytes per op).
#   grace-period.json                                                       (part "grace")
#       GracePeriodBenchmark; no -t here, the methods set their own thread counts (@Threads).
#   rwsem-shared-t1.json, rwsem-shared-t2.json, rwsem-shared-t4.json        (part "shared")
#       RwSemaphoreBenchmark shared side (rwsemTryPermit, rwsemAcquirePermit, rwsemToken at
#       inflated=false/true; rwlRead, stampedRead, semaphore) at -t 1, 2, 4 with -prof gc.
#   rwsem-exclusive.json                                                    (part "exclusive")
#       Uncontended exclusive side (rwsemExclusive, rwsemTryExclusive, rwsemExclusiveToken, rwlWrite, stampedWrite) at
#       -t 1 with -prof gc.
#   rwsem-mix.json                                                          (part "mix")
#       The 95/5 groups (mixRwsem, mixRwl, mixStamped): two threads each, set by @GroupThreads.
#   validation.json                                                         (part "validation")
#       ValidationOverheadBenchmark: each method forks with its own -Ddev.quiesce.validate=false
#       (…Off) or =true (…On), one thread, -prof gc. Do not pass -jvmArgsAppend to this part: it
#       would replace the switch.
#   scaling-t1.json … scaling-t64.json                                      (part "scaling")
#       ScalingBenchmark: the read-side pair of every Quiesce form and every peer (@Param impl),
#       at -t 1, 2, 4, 8, 64 (SCALE_THREADS) with -prof gc. 2 cores: 4+ threads oversubscribe.
#   hand-off.json                                                           (part "handoff")
#       HandOffBenchmark: begin on one thread, end on another, through an SPSC ring; -prof gc.
#   wait-for-readers.json                                                   (part "wait")
#       WaitForReadersBenchmark: Srcu.synchronize()/Expedited vs OpOrder barrier vs Phaser, with
#       no reader, one short reader, a reader stream.
#   read-write.json                                                         (part "rw")
#       ReadWriteBenchmark: writer fencing readers and a 95/5 mix, RwSemaphore vs
#       ReentrantReadWriteLock, StampedLock, AsyncReadWriteLock.
#   kill.json                                                               (part "kill")
#       KillBenchmark: kill()/revoke() vs AsyncEpoch.terminate() vs an AtomicInteger-and-latch
#       gate, over 0, 1, 1000 sections in flight.
#   volume-write.json                                                       (part "volume")
#       VolumeWriteBenchmark (quiesce-nio): a Volume's tracked 4 KiB writes against the same writes
#       on the plain path, on tmpfs when there is one; see its Javadoc for the interleaved methods.
#   footprint.json                                                          (part "footprint")
#       dev.quiesce.jmh.Footprint (not JMH): idle bytes per instance (JOL) and a million sections
#       in flight, with a grace period / kill() over them; -Xmx3g -XX:+UseParallelGC.
#   (part "report")
#       dev.quiesce.jmh.Report: renders $DOCS/performance.md and PNG charts from the JSON files of
#       this run (those listed in $OUT/run-info.properties: files of earlier runs left in $OUT
#       are never mixed in), and keeps those files in $DOCS/data (replacing what was there;
#       JMH's per-iteration raw data left out), so that the docs can be drawn again from the
#       results they show without running anything:
#           REPORT_FROM=docs/data PARTS=report quiesce-jmh/run-benchmarks.sh
#
# Extra options are passed to every JMH run; one that the mode also sets replaces the mode's
# (JMH refuses an option given twice), e.g.
#   run-benchmarks.sh quick -i 10 -jvmArgsAppend -XX:+UseParallelGC
# Environment:
#   JAVA_HOME      the JDK that builds and runs the suite (default: java on the PATH)
#   OUT            where the JSON goes (the default is under target/: `mvn clean` deletes it)
#   DOCS           where the report goes (default: docs/ at the repository root)
#   PARTS          which parts to run (default: all of them, then "report")
#   THREADS        thread counts for the read and shared parts (default "1 2 4")
#   SCALE_THREADS  thread counts for the scaling part (default "1 2 4 8 64")
#   BENCH_LABEL    a line the report shows first, e.g. "Smoke run on a busy machine: not for claims"
#   REPORT_FROM    with PARTS=report: draw the report from this directory (e.g. docs/data) instead of $OUT
#   REBUILD=1      rebuild even when target/benchmarks.jar exists
#   LOCK_WAIT_MINUTES  how long to wait while another JMH run holds /tmp/jmh.lock (default 60)
#
# The figures that matter are ratios between methods of one run; on a shared or busy machine
# check `uptime` first: the report records the load average before and after.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
out="${OUT:-$here/target/jmh-results}"
docs="${DOCS:-$root/docs}"
all_parts="read grace shared exclusive mix validation scaling handoff wait rw kill volume footprint report"
parts="${PARTS:-$all_parts}"
threads="${THREADS:-1 2 4}"
scale_threads="${SCALE_THREADS:-1 2 4 8 64}"
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"

mode="quick"
if [[ $# -gt 0 && ( "$1" == quick || "$1" == full ) ]]; then
    mode="$1"
    shift
fi
case "$mode" in
    quick) defaults=(-f 1 -wi 2 -w 400ms -i 3 -r 400ms); footprint_rounds=3 ;;
    full)  defaults=(-f 3 -wi 3 -w 1s -i 6 -r 1s); footprint_rounds=7 ;;
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
rw_exclusive="$rw(rwsemExclusive|rwsemTryExclusive|rwsemExclusiveToken|rwlWrite|stampedWrite)\$"
rw_mix="$rw(mixRwsem|mixRwl|mixStamped)\$"

load_now() { uptime | sed 's/.*load average: *//'; }

# One JMH run. JMH refuses to start while another JMH run on this machine holds /tmp/jmh.lock;
# then wait (LOCK_WAIT_MINUTES, default 60) rather than fail half-way through the suite: two
# JMH runs at once would spoil both.
jmh() {
    local tries=$(( ${LOCK_WAIT_MINUTES:-60} * 2 )) log status
    log="$(mktemp)"
    while true; do
        set +e
        "$java_bin" -jar "$jar" "$@" 2>&1 | tee "$log"
        status=${PIPESTATUS[0]}
        set -e
        if (( status != 0 )) && grep -q 'Unable to acquire the JMH lock' "$log" && (( tries-- > 0 )); then
            echo "# another JMH run holds /tmp/jmh.lock: waiting 30 s"
            sleep 30
            continue
        fi
        rm -f "$log"
        return "$status"
    done
}

# The run description that the report prints under every chart. Properties format: escape
# backslashes; values are single lines.
info="$out/run-info.properties"
prop() { local v="${2//\\/\\\\}"; printf '%s=%s\n' "$1" "$v" >> "$info"; }
# Records a JSON file this run wrote, so that the report reads this run's files only.
record() { sed -i "s|^files=.*|&${1} |" "$info"; }

mkdir -p "$out"
if [[ "$parts" != "report" ]]; then
    cpu_model="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || true)"
    virt=""
    grep -qw hypervisor /proc/cpuinfo 2>/dev/null && virt=", a virtual machine"
    mem_gib="$(awk '/MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo 2>/dev/null || echo '?')"
    : > "$info"
    prop command "${QUIESCE_COMMAND:-quiesce-jmh/run-benchmarks.sh $mode${*:+ $*}}"
    prop mode "$mode"
    jmh_options="${opts[*]} $*"
    jmh_options="${jmh_options# }"
    prop jmh_options "${jmh_options% }"
    prop date "$(date -u '+%Y-%m-%d %H:%M UTC')"
    prop java "$("$java_bin" -version 2>&1 | sed -n '1p;2p' | tr '\n' ' ' | sed 's/ *$//')"
    prop machine "$(nproc) cores (${cpu_model:-unknown CPU}${virt}), ${mem_gib} GiB, $(uname -sr)"
    prop load_before "$(load_now)"
    prop label "${BENCH_LABEL:-}"
    prop files ""
fi
echo "# $("$java_bin" -version 2>&1 | head -n 1); $(nproc) CPUs; load: $(load_now)"

for part in $parts; do
    case "$part" in
        read)
            for t in $threads; do
                jmh 'dev\.quiesce\.jmh\.ReadSideBenchmark\.' "${opts[@]}" \
                    -t "$t" -prof gc -rf json -rff "$out/read-side-t$t.json" "$@"
                record "read-side-t$t.json"
            done
            ;;
        grace)
            jmh 'dev\.quiesce\.jmh\.GracePeriodBenchmark\.' "${opts[@]}" \
                -rf json -rff "$out/grace-period.json" "$@"
            record grace-period.json
            ;;
        shared)
            for t in $threads; do
                jmh "$rw_shared" "${opts[@]}" \
                    -t "$t" -prof gc -rf json -rff "$out/rwsem-shared-t$t.json" "$@"
                record "rwsem-shared-t$t.json"
            done
            ;;
        exclusive)
            jmh "$rw_exclusive" "${opts[@]}" \
                -t 1 -prof gc -rf json -rff "$out/rwsem-exclusive.json" "$@"
            record rwsem-exclusive.json
            ;;
        mix)
            jmh "$rw_mix" "${opts[@]}" \
                -prof gc -rf json -rff "$out/rwsem-mix.json" "$@"
            record rwsem-mix.json
            ;;
        validation)
            jmh 'dev\.quiesce\.jmh\.ValidationOverheadBenchmark\.' "${opts[@]}" \
                -prof gc -rf json -rff "$out/validation.json" "$@"
            record validation.json
            ;;
        scaling)
            for t in $scale_threads; do
                jmh 'dev\.quiesce\.jmh\.ScalingBenchmark\.' "${opts[@]}" \
                    -t "$t" -prof gc -rf json -rff "$out/scaling-t$t.json" "$@"
                record "scaling-t$t.json"
            done
            ;;
        handoff)
            jmh 'dev\.quiesce\.jmh\.HandOffBenchmark\.' "${opts[@]}" \
                -prof gc -rf json -rff "$out/hand-off.json" "$@"
            record hand-off.json
            ;;
        wait)
            jmh 'dev\.quiesce\.jmh\.WaitForReadersBenchmark\.' "${opts[@]}" \
                -rf json -rff "$out/wait-for-readers.json" "$@"
            record wait-for-readers.json
            ;;
        rw)
            jmh 'dev\.quiesce\.jmh\.ReadWriteBenchmark\.' "${opts[@]}" \
                -rf json -rff "$out/read-write.json" "$@"
            record read-write.json
            ;;
        kill)
            jmh 'dev\.quiesce\.jmh\.KillBenchmark\.' "${opts[@]}" \
                -rf json -rff "$out/kill.json" "$@"
            record kill.json
            ;;
        volume)
            jmh 'dev\.quiesce\.jmh\.VolumeWriteBenchmark\.' "${opts[@]}" \
                -rf json -rff "$out/volume-write.json" "$@"
            record volume-write.json
            ;;
        footprint)
            # JOL measures through an agent it attaches to this JVM: allowed here, or it warns.
            "$java_bin" -Xmx3g -XX:+UseParallelGC -Djdk.attach.allowAttachSelf=true -XX:+EnableDynamicAgentLoading \
                -cp "$jar" dev.quiesce.jmh.Footprint \
                --rounds "$footprint_rounds" --json "$out/footprint.json"
            record footprint.json
            ;;
        report)
            continue
            ;;
        *)
            echo "unknown part: $part (expected one of: $all_parts)" >&2
            exit 2
            ;;
    esac
    echo "# after $part, load: $(load_now)"
done
if [[ "$parts" != "report" ]]; then
    prop load_after "$(load_now)"
fi
echo "# JSON results in $out"

for part in $parts; do
    if [[ "$part" == report ]]; then
        if [[ -n "${REPORT_FROM:-}" ]]; then
            "$java_bin" -Djava.awt.headless=true -cp "$jar" dev.quiesce.jmh.Report "$REPORT_FROM" "$docs"
            continue
        fi
        # Only this run's JSON files (listed in run-info.properties) go into the report.
        staged="$out/.report"
        rm -rf "$staged"
        mkdir -p "$staged"
        cp "$info" "$staged/"
        for f in $(sed -n 's/^files=//p' "$info"); do
            [[ -f "$out/$f" ]] && cp "$out/$f" "$staged/"
        done
        "$java_bin" -Djava.awt.headless=true -cp "$jar" dev.quiesce.jmh.Report "$staged" "$docs"
    fi
done
