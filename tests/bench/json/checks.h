// What must hold before any timing means anything, and how each library
// behaves on input a tenant could shape.
#ifndef CERTSTORE_TESTS_BENCH_JSON_CHECKS_H_
#define CERTSTORE_TESTS_BENCH_JSON_CHECKS_H_

#include <string>
#include <vector>

#include "tests/bench/json/codec.h"
#include "tests/bench/json/fixtures.h"

namespace jsonbench {

struct CheckResult {
  std::string codec_id;
  bool candidate = true;
  std::vector<std::string> failures;  // empty: every check passed
};

// For each codec: the list page (with and without digests) and both watch
// events decode to exactly the fixtures' values; escapes decode as JSON
// says; each writer's Secret and status patch, and a Secret whose name,
// annotation and condition message hold NastyString(), read back unchanged
// through every codec's reader. Results equal to the truth are equal to
// each other, so this is also the cross-library comparison.
std::vector<CheckResult> RunChecks(const std::vector<Codec>& codecs,
                                   const Fixtures& f);

// One behaviour per row; each codec's outcome in words ("rejected",
// "accepted", "crash (SIGSEGV)", ...). Every probe runs in a forked child,
// so a crash is an answer, not the end of the run.
struct Probe {
  std::string title;
  std::vector<std::string> outcomes;  // one per codec
};
std::vector<Probe> RunProbes(const std::vector<Codec>& codecs);

}  // namespace jsonbench

#endif  // CERTSTORE_TESTS_BENCH_JSON_CHECKS_H_
