#!/usr/bin/env bash
# Runs memu's JMH matrix and the LLFree shapes, writing JMH JSON (-rf json) and the shapes' own
# JSON into one results directory. Builds perf/target/benchmarks.jar when it is missing or older
# than its sources.
#
#   perf/run-matrix.sh [options] [-- extra JMH options]
#     --allocators LIST   allocator names (default: every one registered in Allocators), e.g.
#                         buddy,potad,buddy+pcp,potad+pcp
#     --layouts LIST      layouts of the pair/matrix benchmarks (default: every registered layout)
#     --shape-layouts L   layouts of the LLFree shapes (default: memdesc8)
#     --shape-mem SIZE    RAM of the LLFree shapes (default: 8G, as LLFree's 2-vCPU figures)
#     --only LIST         any of pair,matrix,shapes,main (default: all four)
#     --quick             1 warm-up + 2 measured iterations of 1 s, shapes on 1G: proves it runs
#     --results DIR       where to write (default: perf/results/<UTC timestamp>)
#
#   MEMU_JAVA=/path/to/java   use this java (>= 22)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"
min_feature=22

allocators=""
layouts=""
shape_layouts="memdesc8"
shape_mem="8G"
only="pair,matrix,shapes,main"
quick=""
results=""
extra=()

die() { echo "run-matrix: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --allocators) allocators="${2:?--allocators needs a value}"; shift 2 ;;
        --layouts) layouts="${2:?--layouts needs a value}"; shift 2 ;;
        --shape-layouts) shape_layouts="${2:?--shape-layouts needs a value}"; shift 2 ;;
        --shape-mem) shape_mem="${2:?--shape-mem needs a value}"; shift 2 ;;
        --only) only="${2:?--only needs a value}"; shift 2 ;;
        --quick) quick=1; shift ;;
        --results) results="${2:?--results needs a value}"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
for part in ${only//,/ }; do
    case "$part" in pair|matrix|shapes|main) ;; *) die "--only: unknown part '$part' (pair, matrix, shapes, main)" ;; esac
done

feature_of() {
    "$1" -XshowSettings:properties -version 2>&1 \
        | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -n1
}

find_java() {
    local candidate feature
    local -a candidates=()
    [[ -n "${MEMU_JAVA:-}" ]] && candidates+=("$MEMU_JAVA")
    [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME/bin/java")
    command -v java >/dev/null 2>&1 && candidates+=("$(command -v java)")
    while IFS= read -r candidate; do
        candidates+=("$candidate")
    done < <(ls -1d /usr/lib/jvm/*/bin/java "$HOME"/.sdkman/candidates/java/*/bin/java 2>/dev/null | sort -rV)
    for candidate in "${candidates[@]}"; do
        [[ -x "$candidate" ]] || continue
        feature="$(feature_of "$candidate")"
        if [[ -n "$feature" && "$feature" -ge "$min_feature" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

java_bin="$(find_java)" || die "no JDK >= $min_feature found (set MEMU_JAVA or JAVA_HOME)"

stale() {
    [[ -f "$jar" ]] || return 0
    [[ -n "$(find "$root/pom.xml" "$root/emulator-core/pom.xml" "$root/emulator-core/src/main" \
        "$here/pom.xml" "$here/src/main" -newer "$jar" -type f -print -quit 2>/dev/null)" ]]
}

if stale; then
    echo "run-matrix: building $jar ..." >&2
    (cd "$root" && MAVEN_OPTS="${MAVEN_OPTS:--Xmx768m}" mvn -B -q -pl perf -am package -DskipTests) \
        || die "build failed"
fi

# JMH @Param lists are constants; ask the registries so every registered name is benchmarked.
allocators="${allocators:-$("$java_bin" -cp "$jar" dev.memu.perf.Registry allocators)}"
layouts="${layouts:-$("$java_bin" -cp "$jar" dev.memu.perf.Registry layouts)}"

results="${results:-$here/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$results" || die "cannot create $results"

jmh_settings=()
if [[ -n "$quick" ]]; then
    jmh_settings=(-wi 1 -w 1 -i 2 -r 1)
    [[ "$shape_mem" == "8G" ]] && shape_mem="1G"
fi

java_opts=(--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)

jmh() {
    local name="$1"; shift
    echo "run-matrix: $name -> $results/$name.json" >&2
    "$java_bin" "${java_opts[@]}" -jar "$jar" "$@" ${jmh_settings[@]+"${jmh_settings[@]}"} \
        ${extra[@]+"${extra[@]}"} -rf json -rff "$results/$name.json" | tee "$results/$name.log"
}

{
    echo "date: $(date -u +%FT%TZ)"
    echo "java: $java_bin ($("$java_bin" -version 2>&1 | head -n1))"
    echo "cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "commit: $(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
    echo "allocators: $allocators  layouts: $layouts  shape layouts: $shape_layouts  shape mem: $shape_mem"
    echo "quick: ${quick:-no}  extra JMH options: ${extra[*]:-none}"
} > "$results/run-info.txt"

for part in ${only//,/ }; do
    case "$part" in
        pair)
            jmh buddy-pair 'BuddyPairBenchmark' -p "layout=$layouts" -prof gc ;;
        matrix)
            jmh allocator-matrix 'AllocatorMatrixBenchmark' -p "allocator=$allocators" -p "layout=$layouts" -prof gc ;;
        shapes)
            jmh llfree-shapes 'LlfreeShapesBenchmark' -p "allocator=$allocators" -p "layout=$shape_layouts" \
                -p "mem=$shape_mem" -prof dev.memu.perf.ShapePhaseProfiler ;;
        main)
            echo "run-matrix: LlfreeBench main -> $results/llfree-main.json" >&2
            "$java_bin" "${java_opts[@]}" -Xmx1g -cp "$jar" dev.memu.bench.LlfreeBench \
                --shape all --allocator "$allocators" --layout "$shape_layouts" --mem "$shape_mem" \
                --order 0,9 --threads 1,2 --out "$results/llfree-main.json" | tee "$results/llfree-main.txt" ;;
    esac
done

echo "run-matrix: results in $results" >&2
