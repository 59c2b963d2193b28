# Sourced by the system benchmarks (access/run.sh, load/run.sh): BENCH_IN_PLACE=1 builds and runs
# the checkout's own binaries instead of a snapshot of the tree. The smoke run in CI uses it, right
# after the tests built the same Release binaries; a measuring run keeps the snapshot, so that a
# build by someone else in the checkout cannot swap the binaries under test.

# in_place_build PROJECT...: Release builds in the checkout (quick when the tests just built them);
# records the commit and the count of uncommitted files under src, as the snapshot build does.
in_place_build() {
  local project
  for project in "$@"; do
    dotnet build "$project" -c Release -nologo -v q -clp:ErrorsOnly >> "$work/build.log" 2>&1 \
      || { tail -20 "$work/build.log" >&2; die "$(basename "$project") does not build"; }
  done
  (cd "$repo" && git rev-parse --short HEAD && git status --porcelain -- src | wc -l) > "$work/tree.txt"
}
