#!/usr/bin/env bash
# Installs the "distill-java" Jupyter kernel: rapaio-jupyter-kernel (Maven Central, pinned in pom.xml)
# on this machine's java with the JVM flags Spark needs, and jobs/target/notebook-lib/, a folder of
# links to the project's jar and its runtime classpath, which every notebook adds with `%jar`.
#
#   notebooks/setup.sh                 # into your Jupyter data dir (jupyter kernelspec install --user)
#   notebooks/setup.sh --prefix DIR    # into DIR/share/jupyter/kernels (then JUPYTER_PATH=DIR/share/jupyter)
#
# Needs Debian's jupyter-nbconvert jupyter-client python3-ipykernel python3-nbclient (apt-get install -y ...)
# and a JDK (javac, javap): the kernel runs with distill's fix of its start-up race ahead of its jar
# (notebooks/kernel-fix/). Environment: DISTILL_NOTEBOOK_XMX (kernel heap, default 3g),
# DISTILL_NOTEBOOK_JAVA_OPTS (extra JVM options for the kernel). Re-run after changing either.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$ROOT/jobs/target"
JAR="$TARGET/distill-jobs-0.1.0-SNAPSHOT.jar"
KERNEL_JAR="$TARGET/notebook-kernel/rapaio-jupyter-kernel.jar"

install_args=(--user)
if [[ "${1:-}" == "--prefix" && -n "${2:-}" ]]; then
  install_args=(--prefix "$2")
elif [[ $# -gt 0 ]]; then
  echo "usage: notebooks/setup.sh [--prefix DIR]" >&2
  exit 2
fi

if ! command -v jupyter >/dev/null 2>&1; then
  echo "Cannot install the notebook kernel: jupyter is not installed; apt-get install -y jupyter-nbconvert jupyter-client python3-ipykernel python3-nbclient" >&2
  exit 2
fi
if [[ ! -f "$JAR" || ! -f "$TARGET/runtime-classpath.txt" || ! -f "$KERNEL_JAR" ]]; then
  echo "[setup] building the project jars: ./mvnw -q -B -DskipTests package" >&2
  (cd "$ROOT" && ./mvnw -q -B -DskipTests package) >&2
fi

# The project's jars, as links, in one folder for the kernel's %jar magic.
LIB="$TARGET/notebook-lib"
rm -rf "$LIB"
mkdir -p "$LIB"
ln -s "$JAR" "$LIB/"
IFS=':' read -r -a jars < "$TARGET/runtime-classpath.txt" || true
for jar in "${jars[@]}"; do
  [[ -n "$jar" ]] && ln -sf "$jar" "$LIB/"
done

JAVA="$(command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java")"

# The kernel's start-up race (see notebooks/kernel-fix/.../LoopThread.java): compile the fixed
# LoopThread and put it ahead of the kernel's jar, if its public API is the kernel's own.
FIX_SRC="$ROOT/notebooks/kernel-fix"
FIX="$TARGET/notebook-kernel/fix"
CLASS=org.rapaio.jupyter.kernel.channels.LoopThread
KERNEL_CP="$KERNEL_JAR"
JAVAC="$(command -v "${JAVA_HOME:+$JAVA_HOME/bin/}javac" || true)"
JAVAP="$(command -v "${JAVA_HOME:+$JAVA_HOME/bin/}javap" || true)"
if [[ -z "$JAVAC" || -z "$JAVAP" ]]; then
  echo "[setup] warning: no javac/javap (a JRE, not a JDK?): the kernel runs without distill's start-up fix and may not answer at start-up now and then" >&2
else
  rm -rf "$FIX"
  mkdir -p "$FIX"
  "$JAVAC" --release 17 -d "$FIX" "$FIX_SRC"/org/rapaio/jupyter/kernel/channels/LoopThread.java
  if [[ "$("$JAVAP" -public -cp "$KERNEL_JAR" "$CLASS")" == "$("$JAVAP" -public -cp "$FIX" "$CLASS")" ]]; then
    KERNEL_CP="$FIX:$KERNEL_JAR"
  else
    echo "[setup] warning: $CLASS of $(basename "$KERNEL_JAR") no longer has the API distill's start-up fix replaces (kernel upgraded?): running the kernel as it is" >&2
  fi
fi
FLAGS="$(sed -n 's/.*<spark.jvm.flags>\(.*\)<\/spark.jvm.flags>.*/\1/p' "$ROOT/pom.xml")"
SPEC="$(mktemp -d)/distill-java"
mkdir -p "$SPEC"
# The kernel's JVM: -Xmx$DISTILL_NOTEBOOK_XMX (default 3g), then $DISTILL_NOTEBOOK_JAVA_OPTS (extra options, e.g.
# -XX:TieredStopAtLevel=1, which CI uses: less CPU for short notebooks, slower on big data).
python3 - "$SPEC/kernel.json" "$JAVA" "$KERNEL_CP" "$ROOT/conf/log4j2.properties" "${DISTILL_NOTEBOOK_XMX:-3g}" \
  ${DISTILL_NOTEBOOK_JAVA_OPTS:-} $FLAGS <<'PY'
import json, sys
out, java, kernel_cp, log4j, xmx, *flags = sys.argv[1:]
spec = {
    "argv": [java, "-Xmx" + xmx, *flags, "-Dlog4j2.configurationFile=" + log4j, "-cp", kernel_cp,
             "org.rapaio.jupyter.kernel.MainApp", "{connection_file}"],
    "display_name": "Java (distill)",
    "language": "java",
    "interrupt_mode": "message",
    "env": {"RJK_TIMEOUT_MILLIS": "-1", "RJK_INIT_SCRIPT": "", "RJK_COMPILER_OPTIONS": ""},
}
with open(out, "w") as f:
    json.dump(spec, f, indent=2)
PY
jupyter kernelspec install --replace --name distill-java "${install_args[@]}" "$SPEC" >&2
rm -rf "$(dirname "$SPEC")"
echo "[setup] kernel distill-java installed (${install_args[*]}); the notebooks add $LIB with %jar"
