// One JSON library (or one way of using it) behind the functions the
// benchmark times. Each *_codec.cc fills a Codec with its library's idiomatic,
// defensive code: missing fields and wrong types are skipped, not fatal;
// library exceptions are caught inside (as the operator must at its edge).
// Every function returns false when the input is not valid JSON or not the
// expected shape.
#ifndef CERTSTORE_TESTS_BENCH_JSON_CODEC_H_
#define CERTSTORE_TESTS_BENCH_JSON_CODEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/bench/json/model.h"

namespace jsonbench {

struct Footprint {
  int64_t peak = 0;      // most bytes live at once during the parse
  int64_t retained = 0;  // bytes held while the parse result is alive
  int64_t allocations = 0;
  int64_t mallinfo_retained = 0;  // glibc's view of `retained`
  std::string note;               // e.g. the library's own capacity figure
};

struct Codec {
  std::string id;         // benchmark name suffix, e.g. "rapidjson_insitu"
  std::string title;      // table row, e.g. "RapidJSON 1.1.0 Document, in-situ"
  bool candidate = true;  // false for today's baselines

  // Parses `json` into the library's document and drops it (the DOM is
  // built and freed; for simdjson On-Demand only stage 1, the structural
  // index, runs, since nothing is parsed until it is read).
  bool (*parse_only)(const std::string& json) = nullptr;
  // Checks the syntax without building anything (the library's SAX parser
  // with a handler that does nothing): the floor under any decoder built on
  // this library's lexer. nullptr where the library has no such mode.
  bool (*syntax_only)(const std::string& json) = nullptr;
  // The informer's work on one list page: every item's metadata, and each
  // data key's value length, plus its SHA-256 when `digest`.
  bool (*decode_page)(const std::string& json, bool digest,
                      SecretListPage* out) = nullptr;
  bool (*decode_certstore_event)(const std::string& line,
                                 WatchEvent<CertStoreObject>* out) = nullptr;
  bool (*decode_secret_event)(const std::string& line,
                              WatchEvent<SecretSummary>* out) = nullptr;
  // A bare object (what a GET returns); digests always on.
  bool (*decode_secret)(const std::string& json, SecretSummary* out) = nullptr;
  bool (*decode_certstore)(const std::string& json,
                           CertStoreObject* out) = nullptr;
  // nullptr when the library has no JSON writer.
  bool (*write_secret)(const SecretToWrite& in, std::string* out) = nullptr;
  bool (*write_status_patch)(const StatusPatch& in, std::string* out) = nullptr;
  // Heap held by the parse result of a list page (see Footprint).
  Footprint (*measure_page)(const std::string& json) = nullptr;
  std::string version;
};

// The codecs, in table order. Defined in the *_codec.cc files.
std::vector<Codec> NlohmannCodecs();
std::vector<Codec> RapidJsonCodecs();
std::vector<Codec> SimdJsonCodecs();
// simdjson's run-time kernel and the one On-Demand was compiled for.
std::string SimdJsonImplementations();
std::vector<Codec> CppRestCodecs();
std::vector<Codec> YamlCppCodecs();

}  // namespace jsonbench

#endif  // CERTSTORE_TESTS_BENCH_JSON_CODEC_H_
