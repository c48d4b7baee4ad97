#include "tests/bench/json/checks.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>

namespace jsonbench {
namespace {

// Every escape form JSON has, written by hand: what kube-apiserver may send
// (\u003c for <, \u00XX for control characters) and what it never does but
// a correct parser must still read (\/, \u escapes of non-ASCII).
const char kEscapedSecret[] =
    R"({"metadata":{"name":"q\"b\\s\/l\b\f\n\r\t\u0001\u001f\u00fc\u65e5)"
    R"(\u2028\u003c<","namespace":"raw )"
    "\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x90"
    R"(","annotations":{"k\u00e9y":"v\u0000w"}},"type":"Opaque"})";

SecretSummary EscapedSecretTruth() {
  SecretSummary s;
  s.meta.name = "q\"b\\s/l\b\f\n\r\t\x01\x1f\xc3\xbc\xe6\x97\xa5\xe2\x80\xa8<<";
  s.meta.ns = "raw \xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x90";
  s.meta.annotations["k\xc3\xa9y"] = std::string("v\0w", 3);
  s.type = "Opaque";
  return s;
}

// A character outside the BMP as a UTF-16 surrogate pair (RFC 8259 7):
// Go writes such characters as raw UTF-8, but other writers (and people)
// use the escape.
const char kSurrogatePairSecret[] =
    R"({"metadata":{"name":"lock \ud83d\udd10"},"type":"Opaque"})";

SecretToWrite NastySecret(const Fixtures& f) {
  SecretToWrite s = f.secret_to_write;
  s.name = NastyString();
  s.annotations[NastyString()] = NastyString();
  return s;
}

StatusPatch NastyPatch(const Fixtures& f) {
  StatusPatch p = f.status_patch;
  p.status.conditions[0].message = NastyString();
  return p;
}

void Expect(bool ok, const std::string& what, const std::string& diff,
            std::vector<std::string>* failures) {
  if (!ok)
    failures->push_back(what + ": decoder returned an error");
  else if (!diff.empty())
    failures->push_back(what + ": " + diff);
}

// `writer`'s output for `s` and `p`, read back by every codec.
void CheckWriter(const Codec& writer, const std::vector<Codec>& codecs,
                 const SecretToWrite& s, const StatusPatch& p,
                 const std::string& label, std::vector<std::string>* failures) {
  std::string secret_json, patch_json;
  if (!writer.write_secret(s, &secret_json)) {
    failures->push_back(label + " Secret: writer failed");
    return;
  }
  if (!writer.write_status_patch(p, &patch_json)) {
    failures->push_back(label + " status patch: writer failed");
    return;
  }
  for (const Codec& reader : codecs) {
    SecretSummary got;
    bool ok = reader.decode_secret(secret_json, &got);
    Expect(ok, label + " Secret read back by " + reader.id,
           ok ? Diff(ExpectedSummary(s, true), got) : "", failures);
    CertStoreObject patch;
    ok = reader.decode_certstore(patch_json, &patch);
    Expect(ok, label + " status patch read back by " + reader.id,
           ok ? Diff(ExpectedPatchObject(p), patch) : "", failures);
  }
}

// Runs fn in a child process; its string result, or what killed it.
std::string InChild(const std::function<std::string()>& fn) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(60);
    std::string r = fn();
    ssize_t n = write(fds[1], r.data(), r.size());
    _exit(n == static_cast<ssize_t>(r.size()) ? 0 : 3);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    if (sig == SIGALRM) return "timeout (60 s)";
    return std::string("crash (") + sigabbrev_np(sig) + ")";
  }
  return out;
}

std::string Nested(size_t depth) {
  return R"({"metadata":{"name":"deep"},"spec":{"x":)" +
         std::string(depth, '[') + std::string(depth, ']') +
         R"(},"status":{"revision":1}})";
}

std::string DecodeOutcome(const Codec& c, const std::string& json) {
  CertStoreObject o;
  if (!c.decode_certstore(json, &o)) return "rejected";
  if (o.meta.name.empty()) return "accepted, name lost";
  return "accepted";
}

}  // namespace

std::vector<CheckResult> RunChecks(const std::vector<Codec>& codecs,
                                   const Fixtures& f) {
  SecretListPage no_digests = f.page_truth;
  for (auto& item : no_digests.items)
    for (auto& d : item.data) d.sha256.clear();
  std::vector<CheckResult> results;
  for (const Codec& c : codecs) {
    CheckResult r;
    r.codec_id = c.id;
    r.candidate = c.candidate;
    std::vector<std::string>* fail = &r.failures;
    for (bool digest : {true, false}) {
      SecretListPage page;
      bool ok = c.decode_page(f.page, digest, &page);
      Expect(ok, std::string("list page") + (digest ? " with digests" : ""),
             ok ? Diff(digest ? f.page_truth : no_digests, page) : "", fail);
    }
    WatchEvent<CertStoreObject> ce;
    bool ok = c.decode_certstore_event(f.certstore_event, &ce);
    Expect(ok && ce.type == f.certstore_truth.type, "CertStore watch event",
           ok ? Diff(f.certstore_truth.object, ce.object) : "", fail);
    WatchEvent<SecretSummary> se;
    ok = c.decode_secret_event(f.secret_event, &se);
    Expect(ok && se.type == f.secret_truth.type, "Secret watch event",
           ok ? Diff(f.secret_truth.object, se.object) : "", fail);
    SecretSummary esc;
    ok = c.decode_secret(kEscapedSecret, &esc);
    Expect(ok, "escape sequences", ok ? Diff(EscapedSecretTruth(), esc) : "",
           fail);
    SecretSummary pair, pair_truth;
    pair_truth.meta.name = "lock \xf0\x9f\x94\x90";
    pair_truth.type = "Opaque";
    ok = c.decode_secret(kSurrogatePairSecret, &pair);
    Expect(ok, "surrogate pair escape \\ud83d\\udd10",
           ok ? Diff(pair_truth, pair) : "", fail);
    if (c.write_secret != nullptr) {
      CheckWriter(c, codecs, f.secret_to_write, f.status_patch, "written",
                  fail);
      CheckWriter(c, codecs, NastySecret(f), NastyPatch(f),
                  "quotes/backslashes/control/UTF-8", fail);
    }
    results.push_back(std::move(r));
  }
  return results;
}

std::vector<Probe> RunProbes(const std::vector<Codec>& codecs) {
  std::vector<Probe> probes;
  auto decode_probe = [&](const std::string& title, const std::string& json) {
    Probe p{title, {}};
    for (const Codec& c : codecs)
      p.outcomes.push_back(InChild([&] { return DecodeOutcome(c, json); }));
    probes.push_back(std::move(p));
  };
  decode_probe("invalid UTF-8 in a string, read",
               "{\"metadata\":{\"name\":\"bad\xff\xfe\"}}");
  {
    Probe p{"invalid UTF-8 in a string, written", {}};
    for (const Codec& c : codecs) {
      if (c.write_secret == nullptr) {
        p.outcomes.push_back("no writer");
        continue;
      }
      p.outcomes.push_back(InChild([&] {
        SecretToWrite s;
        s.name = "bad\xff\xfe";
        s.type = "Opaque";
        std::string out;
        if (!c.write_secret(s, &out)) return std::string("refused (error)");
        if (out.find("bad\xff\xfe") != std::string::npos)
          return std::string("written as is: invalid JSON");
        return std::string("written, bytes replaced");
      }));
    }
    probes.push_back(std::move(p));
  }
  decode_probe("nesting 10,000 deep in a field not read", Nested(10000));
  decode_probe("nesting 1,000,000 deep in a field not read", Nested(1000000));
  decode_probe("syntax error inside a field not read",
               R"({"metadata":{"name":"a"},"spec":{"x":{"a" 1,"b":tru}}})");
  decode_probe("content after the document",
               R"({"metadata":{"name":"a"}} {"metadata":{"name":"b"}})");
  {
    Probe p{"duplicate key (\"name\":\"first\",\"name\":\"second\")", {}};
    for (const Codec& c : codecs)
      p.outcomes.push_back(InChild([&] {
        CertStoreObject o;
        if (!c.decode_certstore(
                R"({"metadata":{"name":"first","name":"second"}})", &o))
          return std::string("rejected");
        return "reads \"" + o.meta.name + "\"";
      }));
    probes.push_back(std::move(p));
  }
  return probes;
}

}  // namespace jsonbench
