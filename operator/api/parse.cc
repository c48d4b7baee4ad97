// yaml-cpp stays inside this file: it throws, and its headers are slow.
#include "operator/api/parse.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <functional>
#include <set>
#include <sstream>
#include <string_view>

#include "operator/api/field_error.h"
#include "operator/common/base64.h"

namespace certstore::api {
namespace {

using Fields =
    std::map<std::string,
             std::function<void(const YAML::Node&, const std::string&)>>;

// YAML 1.1 integers and floats, as the regular expressions
//   int:   [-+]?([0-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+)
//   float: [-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?
//          | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)
// would match the whole scalar. Written out by hand: libstdc++'s std::regex
// recurses once per character, and a long unquoted digit string in a
// manifest (tests/fuzz/regressions/api) overflowed the stack.
size_t SpanOf(std::string_view s, size_t i, std::string_view chars) {
  while (i < s.size() && chars.find(s[i]) != std::string_view::npos) ++i;
  return i;
}

std::string_view WithoutSign(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return s;
}

bool IsYamlInt(std::string_view s) {
  constexpr std::string_view kDigits = "0123456789";
  s = WithoutSign(s);
  if (s.size() > 2 && s[0] == '0') {
    std::string_view set = s[1] == 'x'   ? "0123456789abcdefABCDEF_"
                           : s[1] == 'o' ? "01234567_"
                           : s[1] == 'b' ? "01_"
                                         : "";
    if (!set.empty()) return SpanOf(s, 2, set) == s.size();
  }
  return !s.empty() && kDigits.find(s[0]) != std::string_view::npos &&
         SpanOf(s, 1, "0123456789_") == s.size();
}

bool IsYamlFloat(std::string_view s) {
  constexpr std::string_view kDigits = "0123456789";
  constexpr std::string_view kDigitsOrUnderscore = "0123456789_";
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return true;
  s = WithoutSign(s);
  if (s == ".inf" || s == ".Inf" || s == ".INF") return true;
  size_t i = 0;
  if (!s.empty() && s[0] == '.') {
    i = SpanOf(s, 1, kDigits);
    if (i == 1) return false;
  } else {
    if (s.empty() || kDigits.find(s[0]) == std::string_view::npos) return false;
    i = SpanOf(s, 1, kDigitsOrUnderscore);
    if (i < s.size() && s[i] == '.') i = SpanOf(s, i + 1, kDigitsOrUnderscore);
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t digits = i;
    i = SpanOf(s, i, kDigits);
    if (i == digits) return false;
  }
  return i == s.size();
}

// What an unquoted scalar is to kubectl, whose YAML-to-JSON conversion
// (sigs.k8s.io/yaml, YAML 1.1) turns `123`, `1.5`, `yes` or `NO` into numbers
// and booleans that the API server then rejects for a string field. Returns
// nullptr for a string. Quoted, block and !!str scalars are always strings.
const char* PlainScalarType(const YAML::Node& n) {
  if (n.Tag() != "?") return nullptr;
  static const std::set<std::string> kBools = {
      "y",  "Y",  "yes",  "Yes",  "YES",  "n",     "N",     "no",
      "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
      "on", "On", "ON",   "off",  "Off",  "OFF"};
  const std::string& s = n.Scalar();
  if (kBools.count(s)) return "a boolean";
  if (IsYamlInt(s)) return "an integer";
  if (IsYamlFloat(s)) return "a number";
  return nullptr;
}

// Walks a YAML tree, recording every structural error with its path.
class Walker {
 public:
  explicit Walker(FieldErrors* errs) : errs_(errs) {}

  // Calls the handler of each known key; unknown keys are errors.
  void Object(const YAML::Node& n, const std::string& path,
              const Fields& fields) {
    if (!n.IsMap()) {
      if (!n.IsNull()) errs_->Add(path, "must be an object");
      return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = it->first.Scalar();
      std::string child = path.empty() ? key : path + "." + key;
      auto f = fields.find(key);
      if (f == fields.end()) {
        errs_->Add(child, "unknown field");
        continue;
      }
      f->second(it->second, child);
    }
  }

  void Str(const YAML::Node& n, const std::string& path, std::string* out) {
    if (n.IsNull()) return;
    if (!n.IsScalar()) {
      errs_->Add(path, "must be a string");
      return;
    }
    // The value is not echoed: it may be Secret data.
    if (const char* type = PlainScalarType(n)) {
      errs_->Add(path, std::string("must be a string, got ") + type +
                           " (quote the value)");
      return;
    }
    *out = n.Scalar();
  }
  void OptStr(const YAML::Node& n, const std::string& path,
              std::optional<std::string>* out) {
    if (n.IsNull()) return;
    std::string s;
    Str(n, path, &s);
    *out = s;
  }
  void Int(const YAML::Node& n, const std::string& path,
           std::optional<int>* out) {
    if (n.IsNull()) return;
    if (!n.IsScalar()) {
      errs_->Add(path, "must be an integer");
      return;
    }
    const std::string& s = n.Scalar();
    if (n.Tag() != "?" && n.Tag() != "tag:yaml.org,2002:int") {
      errs_->Add(path, "must be an integer, got a string (\"" + s + "\")");
      return;
    }
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || v > 1000000 || v < -1000000) {
      errs_->Add(path, "must be an integer (got \"" + s + "\")");
      return;
    }
    *out = static_cast<int>(v);
  }
  void StrList(const YAML::Node& n, const std::string& path,
               std::vector<std::string>* out) {
    if (n.IsNull()) return;
    if (!n.IsSequence()) {
      errs_->Add(path, "must be a list of strings");
      return;
    }
    for (size_t i = 0; i < n.size(); ++i) {
      std::string s;
      Str(n[i], path + "[" + std::to_string(i) + "]", &s);
      out->push_back(s);
    }
  }
  void StrMap(const YAML::Node& n, const std::string& path,
              std::map<std::string, std::string>* out) {
    if (n.IsNull()) return;
    if (!n.IsMap()) {
      errs_->Add(path, "must be a map of strings");
      return;
    }
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string v;
      Str(it->second, path + "." + it->first.Scalar(), &v);
      (*out)[it->first.Scalar()] = v;
    }
  }
  // An object that must be empty ("issuer: {}").
  void Empty(const YAML::Node& n, const std::string& path) {
    Object(n, path, {});
  }
  void Ignore(const YAML::Node&, const std::string&) {}

  FieldErrors* errs() { return errs_; }

 private:
  FieldErrors* errs_;
};

// Server-populated: unknown fields inside are ignored, like the rest of
// metadata; only the shape of what ownership is decided by is checked.
void ParseOwnerReferences(Walker& w, const YAML::Node& n,
                          const std::string& path, ObjectMeta* m) {
  if (n.IsNull()) return;
  if (!n.IsSequence()) {
    w.errs()->Add(path, "must be a list");
    return;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    const YAML::Node& r = n[i];
    std::string p = path + "[" + std::to_string(i) + "]";
    if (!r.IsMap()) {
      w.errs()->Add(p, "must be an object");
      continue;
    }
    OwnerReference ref;
    if (r["apiVersion"])
      w.Str(r["apiVersion"], p + ".apiVersion", &ref.api_version);
    if (r["kind"]) w.Str(r["kind"], p + ".kind", &ref.kind);
    if (r["name"]) w.Str(r["name"], p + ".name", &ref.name);
    if (r["uid"]) w.Str(r["uid"], p + ".uid", &ref.uid);
    if (r["controller"] && r["controller"].IsScalar())
      ref.controller = r["controller"].Scalar() == "true";
    m->owner_references.push_back(std::move(ref));
  }
}

void ParseMeta(Walker& w, const YAML::Node& n, const std::string& path,
               ObjectMeta* m) {
  if (!n.IsMap()) {
    w.errs()->Add(path, "must be an object");
    return;
  }
  // Server-populated metadata is accepted and mostly ignored.
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string k = it->first.Scalar();
    std::string p = path + "." + k;
    if (k == "name")
      w.Str(it->second, p, &m->name);
    else if (k == "namespace")
      w.Str(it->second, p, &m->namespace_);
    else if (k == "uid")
      w.Str(it->second, p, &m->uid);
    else if (k == "resourceVersion")
      w.Str(it->second, p, &m->resource_version);
    else if (k == "generation") {
      std::optional<int> g;
      w.Int(it->second, p, &g);
      m->generation = g.value_or(0);
    } else if (k == "labels")
      w.StrMap(it->second, p, &m->labels);
    else if (k == "annotations")
      w.StrMap(it->second, p, &m->annotations);
    else if (k == "ownerReferences")
      ParseOwnerReferences(w, it->second, p, m);
  }
}

void ParseSubject(Walker& w, const YAML::Node& n, const std::string& path,
                  Subject* s) {
  w.Object(
      n, path,
      {{"organizations",
        [&](auto& v, auto& p) { w.StrList(v, p, &s->organizations); }},
       {"organizationalUnits",
        [&](auto& v, auto& p) { w.StrList(v, p, &s->organizational_units); }},
       {"countries", [&](auto& v, auto& p) { w.StrList(v, p, &s->countries); }},
       {"localities",
        [&](auto& v, auto& p) { w.StrList(v, p, &s->localities); }},
       {"provinces",
        [&](auto& v, auto& p) { w.StrList(v, p, &s->provinces); }}});
}

void ParsePrivateKey(Walker& w, const YAML::Node& n, const std::string& path,
                     PrivateKey* k, bool with_rotation) {
  Fields f = {
      {"algorithm", [&](auto& v, auto& p) { w.Str(v, p, &k->algorithm); }},
      {"size", [&](auto& v, auto& p) { w.Int(v, p, &k->size); }}};
  if (with_rotation)
    f["rotationPolicy"] = [&](auto& v, auto& p) {
      w.Str(v, p, &k->rotation_policy);
    };
  w.Object(n, path, f);
}

void ParseKeystore(Walker& w, const YAML::Node& n, const std::string& path,
                   KeystoreSpec* k) {
  w.Object(
      n, path,
      {
          {"alias", [&](auto& v, auto& p) { w.Str(v, p, &k->alias); }},
          {"commonName",
           [&](auto& v, auto& p) { w.Str(v, p, &k->common_name); }},
          {"subject",
           [&](auto& v, auto& p) { ParseSubject(w, v, p, &k->subject); }},
          {"dnsNames",
           [&](auto& v, auto& p) { w.StrList(v, p, &k->dns_names); }},
          {"ipAddresses",
           [&](auto& v, auto& p) { w.StrList(v, p, &k->ip_addresses); }},
          {"uris", [&](auto& v, auto& p) { w.StrList(v, p, &k->uris); }},
          {"emailAddresses",
           [&](auto& v, auto& p) { w.StrList(v, p, &k->email_addresses); }},
          {"usages",
           [&](auto& v, auto& p) {
             k->usages_set = !v.IsNull();
             w.StrList(v, p, &k->usages);
           }},
          {"privateKey",
           [&](auto& v, auto& p) {
             ParsePrivateKey(w, v, p, &k->private_key, true);
           }},
          {"duration", [&](auto& v, auto& p) { w.Str(v, p, &k->duration); }},
          {"renewBefore",
           [&](auto& v, auto& p) { w.OptStr(v, p, &k->renew_before); }},
          {"renewBeforePercentage",
           [&](auto& v, auto& p) { w.Int(v, p, &k->renew_before_percentage); }},
      });
}

void ParseRef(Walker& w, const YAML::Node& n, const std::string& path,
              std::string* name, std::string* key, std::string* ns) {
  w.Object(n, path,
           {{"name", [&](auto& v, auto& p) { w.Str(v, p, name); }},
            {"key", [&](auto& v, auto& p) { w.Str(v, p, key); }},
            {"namespace", [&](auto& v, auto& p) { w.Str(v, p, ns); }}});
}

void ParseTruststore(Walker& w, const YAML::Node& n, const std::string& path,
                     TruststoreSpec* t) {
  w.Object(n, path,
           {
               {"secretName",
                [&](auto& v, auto& p) { w.Str(v, p, &t->secret_name); }},
               {"sources",
                [&](const YAML::Node& v, const std::string& p) {
                  if (v.IsNull()) return;
                  t->sources_set = true;
                  if (!v.IsSequence()) {
                    w.errs()->Add(p, "must be a list");
                    return;
                  }
                  for (size_t i = 0; i < v.size(); ++i) {
                    std::string ip = p + "[" + std::to_string(i) + "]";
                    TrustSource s;
                    int kinds = 0;
                    w.Object(v[i], ip,
                             {
                                 {"issuer",
                                  [&](auto& x, auto& xp) {
                                    w.Empty(x, xp);
                                    s.type = TrustSource::Type::kIssuer;
                                    ++kinds;
                                  }},
                                 {"systemDefaults",
                                  [&](auto& x, auto& xp) {
                                    w.Empty(x, xp);
                                    s.type = TrustSource::Type::kSystemDefaults;
                                    ++kinds;
                                  }},
                                 {"secret",
                                  [&](auto& x, auto& xp) {
                                    ParseRef(w, x, xp, &s.name, &s.key, &s.ns);
                                    s.type = TrustSource::Type::kSecret;
                                    ++kinds;
                                  }},
                                 {"configMap",
                                  [&](auto& x, auto& xp) {
                                    ParseRef(w, x, xp, &s.name, &s.key, &s.ns);
                                    s.type = TrustSource::Type::kConfigMap;
                                    ++kinds;
                                  }},
                                 {"inline",
                                  [&](auto& x, auto& xp) {
                                    w.Str(x, xp, &s.inline_pem);
                                    s.type = TrustSource::Type::kInline;
                                    ++kinds;
                                  }},
                             });
                    if (kinds != 1)
                      w.errs()->Add(
                          ip,
                          "exactly one of issuer, secret, configMap, inline, "
                          "systemDefaults must be set");
                    t->sources.push_back(s);
                  }
                }},
           });
}

void ParseCertStoreSpec(Walker& w, const YAML::Node& n, const std::string& path,
                        CertStoreSpec* s) {
  w.Object(
      n, path,
      {
          {"issuerRef",
           [&](auto& v, auto& p) {
             std::string kind;
             // The CRD has no issuerRef.group (the API server rejects it).
             w.Object(
                 v, p,
                 {{"name",
                   [&](auto& x, auto& xp) {
                     w.Str(x, xp, &s->issuer_ref.name);
                   }},
                  {"kind", [&](auto& x, auto& xp) { w.Str(x, xp, &kind); }}});
             if (kind == "ClusterCertIssuer")
               s->issuer_ref.kind = IssuerKind::kClusterCertIssuer;
             else if (kind.empty() || kind == "CertIssuer")
               s->issuer_ref.kind = IssuerKind::kCertIssuer;
             else
               w.errs()->Add(p + ".kind",
                             "must be CertIssuer or ClusterCertIssuer (got \"" +
                                 kind + "\")");
           }},
          {"secretName",
           [&](auto& v, auto& p) { w.Str(v, p, &s->secret_name); }},
          {"keystore",
           [&](auto& v, auto& p) {
             s->keystore.emplace();
             ParseKeystore(w, v, p, &*s->keystore);
           }},
          {"truststore",
           [&](auto& v, auto& p) {
             s->truststore.emplace();
             ParseTruststore(w, v, p, &*s->truststore);
           }},
          {"formats",
           [&](auto& v, auto& p) {
             s->formats_set = !v.IsNull();
             w.StrList(v, p, &s->formats);
           }},
          {"pkcs12",
           [&](auto& v, auto& p) {
             w.Object(v, p, {{"profile", [&](auto& x, auto& xp) {
                                w.Str(x, xp, &s->pkcs12_profile);
                              }}});
           }},
          {"password",
           [&](auto& v, auto& p) {
             s->password.emplace();
             w.Object(v, p, {{"secretKeyRef", [&](auto& x, auto& xp) {
                                ParseRef(w, x, xp, &s->password->name,
                                         &s->password->key, &s->password->ns);
                              }}});
           }},
      });
}

void ParseSelector(Walker& w, const YAML::Node& n, const std::string& path,
                   LabelSelector* sel) {
  w.Object(n, path,
           {
               {"matchLabels",
                [&](auto& v, auto& p) { w.StrMap(v, p, &sel->match_labels); }},
               {"matchExpressions",
                [&](const YAML::Node& v, const std::string& p) {
                  if (v.IsNull()) return;
                  if (!v.IsSequence()) {
                    w.errs()->Add(p, "must be a list");
                    return;
                  }
                  for (size_t i = 0; i < v.size(); ++i) {
                    LabelSelectorRequirement r;
                    w.Object(
                        v[i], p + "[" + std::to_string(i) + "]",
                        {
                            {"key",
                             [&](auto& x, auto& xp) { w.Str(x, xp, &r.key); }},
                            {"operator",
                             [&](auto& x, auto& xp) { w.Str(x, xp, &r.op); }},
                            {"values",
                             [&](auto& x, auto& xp) {
                               w.StrList(x, xp, &r.values);
                             }},
                        });
                    sel->match_expressions.push_back(std::move(r));
                  }
                }},
           });
}

void ParsePolicy(Walker& w, const YAML::Node& n, const std::string& path,
                 IssuerPolicy* pol) {
  w.Object(
      n, path,
      {
          {"namespaceSelector",
           [&](auto& v, auto& p) {
             if (v.IsNull()) return;
             pol->namespace_selector.emplace();
             ParseSelector(w, v, p, &*pol->namespace_selector);
           }},
          {"dnsNames",
           [&](auto& v, auto& p) { w.StrList(v, p, &pol->dns_names); }},
          {"wildcardDnsNames",
           [&](auto& v, auto& p) {
             w.StrList(v, p, &pol->wildcard_dns_names);
           }},
          {"ipAddresses",
           [&](auto& v, auto& p) { w.StrList(v, p, &pol->ip_addresses); }},
          {"uris", [&](auto& v, auto& p) { w.StrList(v, p, &pol->uris); }},
          {"emailAddresses",
           [&](auto& v, auto& p) { w.StrList(v, p, &pol->email_addresses); }},
          {"commonNames",
           [&](auto& v, auto& p) { w.StrList(v, p, &pol->common_names); }},
          {"subject",
           [&](auto& v, auto& p) {
             SubjectPolicy* sp = &pol->subject;
             w.Object(v, p,
                      {
                          {"organizations",
                           [&](auto& x, auto& xp) {
                             w.StrList(x, xp, &sp->organizations);
                           }},
                          {"organizationalUnits",
                           [&](auto& x, auto& xp) {
                             w.StrList(x, xp, &sp->organizational_units);
                           }},
                          {"countries",
                           [&](auto& x, auto& xp) {
                             w.StrList(x, xp, &sp->countries);
                           }},
                          {"localities",
                           [&](auto& x, auto& xp) {
                             w.StrList(x, xp, &sp->localities);
                           }},
                          {"provinces",
                           [&](auto& x, auto& xp) {
                             w.StrList(x, xp, &sp->provinces);
                           }},
                      });
           }},
          {"maxDuration",
           [&](auto& v, auto& p) { w.OptStr(v, p, &pol->max_duration); }},
          {"usages", [&](auto& v, auto& p) { w.StrList(v, p, &pol->usages); }},
          {"privateKey",
           [&](auto& v, auto& p) {
             PrivateKeyPolicy* kp = &pol->private_key;
             w.Object(v, p,
                      {
                          {"algorithms",
                           [&](auto& x, auto& xp) {
                             w.StrList(x, xp, &kp->algorithms);
                           }},
                          {"minRSASize",
                           [&](auto& x, auto& xp) {
                             w.Int(x, xp, &kp->min_rsa_size);
                           }},
                          {"minECDSASize",
                           [&](auto& x, auto& xp) {
                             w.Int(x, xp, &kp->min_ecdsa_size);
                           }},
                      });
           }},
          {"allowIntermediates",
           [&](const YAML::Node& v, const std::string& p) {
             if (v.IsNull()) return;
             if (!v.IsScalar() ||
                 (v.Scalar() != "true" && v.Scalar() != "false") ||
                 v.Tag() == "!") {
               w.errs()->Add(p, "must be a boolean (true or false)");
               return;
             }
             pol->allow_intermediates = v.Scalar() == "true";
           }},
      });
}

void ParseIssuerSpec(Walker& w, const YAML::Node& n, const std::string& path,
                     IssuerSpec* s) {
  w.Object(
      n, path,
      {
          {"policy",
           [&](auto& v, auto& p) {
             s->policy.emplace();
             ParsePolicy(w, v, p, &*s->policy);
           }},
          {"ca",
           [&](auto& v, auto& p) {
             s->ca.emplace();
             w.Object(v, p, {{"secretName", [&](auto& x, auto& xp) {
                                w.Str(x, xp, &s->ca->secret_name);
                              }}});
           }},
          {"selfSigned",
           [&](auto& v, auto& p) {
             s->self_signed.emplace();
             auto* ss = &*s->self_signed;
             w.Object(
                 v, p,
                 {
                     {"secretName",
                      [&](auto& x, auto& xp) {
                        w.Str(x, xp, &ss->secret_name);
                      }},
                     {"commonName",
                      [&](auto& x, auto& xp) {
                        w.Str(x, xp, &ss->common_name);
                      }},
                     {"subject",
                      [&](auto& x, auto& xp) {
                        ParseSubject(w, x, xp, &ss->subject);
                      }},
                     {"privateKey",
                      [&](auto& x, auto& xp) {
                        ParsePrivateKey(w, x, xp, &ss->private_key, false);
                      }},
                     {"duration",
                      [&](auto& x, auto& xp) { w.Str(x, xp, &ss->duration); }},
                 });
           }},
      });
}

// Top-level fields every object may carry.
Fields TopLevel(Walker& w, ObjectMeta* meta) {
  return {
      {"apiVersion",
       [&w](auto& v, auto& p) {
         std::string s;
         w.Str(v, p, &s);
       }},
      {"kind",
       [&w](auto& v, auto& p) {
         std::string s;
         w.Str(v, p, &s);
       }},
      {"metadata", [&w, meta](auto& v, auto& p) { ParseMeta(w, v, p, meta); }},
      {"status", [&w](auto& v, auto& p) { w.Ignore(v, p); }}};
}

Status CheckApiVersion(const YAML::Node& n, const std::string& want) {
  std::string got = n["apiVersion"] && n["apiVersion"].IsScalar()
                        ? n["apiVersion"].Scalar()
                        : "";
  if (got != want)
    return InvalidArgumentError("apiVersion: must be " + want + " (got \"" +
                                got + "\")");
  return OkStatus();
}

StatusOr<Document> ParseNode(const YAML::Node& n, int index) {
  if (!n.IsMap()) return InvalidArgumentError("must be an object");
  std::string kind =
      n["kind"] && n["kind"].IsScalar() ? n["kind"].Scalar() : "";
  FieldErrors errs;
  Walker w(&errs);
  Document doc;
  doc.index = index;
  doc.kind = kind;
  if (kind == "CertStore") {
    RETURN_IF_ERROR(CheckApiVersion(n, kApiVersion));
    CertStore cs;
    Fields f = TopLevel(w, &cs.metadata);
    f["spec"] = [&](auto& v, auto& p) {
      ParseCertStoreSpec(w, v, p, &cs.spec);
    };
    w.Object(n, "", f);
    if (!n["spec"]) errs.Add("spec", "required");
    doc.object = std::move(cs);
  } else if (kind == "CertIssuer" || kind == "ClusterCertIssuer") {
    RETURN_IF_ERROR(CheckApiVersion(n, kApiVersion));
    Issuer is;
    is.kind = kind == "CertIssuer" ? IssuerKind::kCertIssuer
                                   : IssuerKind::kClusterCertIssuer;
    Fields f = TopLevel(w, &is.metadata);
    f["spec"] = [&](auto& v, auto& p) { ParseIssuerSpec(w, v, p, &is.spec); };
    w.Object(n, "", f);
    if (!n["spec"]) errs.Add("spec", "required");
    doc.object = std::move(is);
  } else if (kind == "Secret" || kind == "ConfigMap") {
    RETURN_IF_ERROR(CheckApiVersion(n, "v1"));
    ObjectMeta meta;
    std::map<std::string, std::string> data, string_data, binary_data;
    std::string type;
    Fields f = TopLevel(w, &meta);
    f["data"] = [&](auto& v, auto& p) { w.StrMap(v, p, &data); };
    f["stringData"] = [&](auto& v, auto& p) { w.StrMap(v, p, &string_data); };
    f["binaryData"] = [&](auto& v, auto& p) { w.StrMap(v, p, &binary_data); };
    f["type"] = [&](auto& v, auto& p) { w.Str(v, p, &type); };
    bool immutable = false;
    f["immutable"] = [&](const YAML::Node& v, const std::string&) {
      immutable = v.IsScalar() && v.Scalar() == "true";
    };
    w.Object(n, "", f);
    std::map<std::string, std::string> decoded;
    bool secret = kind == "Secret";
    for (auto& [k, v] : secret ? data : binary_data) {
      auto d = Base64Decode(v);
      if (!d.ok())
        errs.Add((secret ? "data." : "binaryData.") + k, "is not valid base64");
      else
        decoded[k] = *d;
    }
    for (auto& [k, v] : secret ? string_data : data) decoded[k] = v;
    if (secret) {
      SecretObject s{meta, type, decoded, immutable};
      doc.object = std::move(s);
    } else {
      ConfigMapObject c{meta, decoded};
      doc.object = std::move(c);
    }
  } else if (kind == "Namespace") {
    RETURN_IF_ERROR(CheckApiVersion(n, "v1"));
    NamespaceObject ns;
    Fields f = TopLevel(w, &ns.metadata);
    f["spec"] = [&](auto& v, auto& p) { w.Ignore(v, p); };
    w.Object(n, "", f);
    doc.object = std::move(ns);
  } else if (kind.empty()) {
    return InvalidArgumentError("kind: required");
  } else {
    return InvalidArgumentError("kind " + kind +
                                " is not supported (expected CertStore, "
                                "CertIssuer, ClusterCertIssuer, Secret, "
                                "ConfigMap or Namespace)");
  }
  RETURN_IF_ERROR(errs.ToStatus());
  return doc;
}

std::string Describe(const YAML::Node& n, int index) {
  std::string out = "document " + std::to_string(index);
  if (n.IsMap() && n["kind"] && n["kind"].IsScalar()) {
    out += " (" + n["kind"].Scalar();
    if (n["metadata"] && n["metadata"].IsMap() && n["metadata"]["name"] &&
        n["metadata"]["name"].IsScalar())
      out += "/" + n["metadata"]["name"].Scalar();
    out += ")";
  }
  return out;
}

// yaml-cpp 0.7 and 0.8 (Debian's is 0.7) loop forever in LoadAll, adding a
// null document per turn until memory runs out, when a document starts with
// a token no node can start with: a stray "," at block level (yaml-cpp issue
// #1040; fixed upstream after 0.8). The parser then reports each new document
// at the same position, which no real stream does. This handler only watches
// document starts, so a pass over the events finds the loop cheaply before
// LoadAll builds anything.
class DocumentProgress : public YAML::EventHandler {
 public:
  bool stuck() const { return stuck_; }
  YAML::Mark mark() const { return last_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (started_ && mark.pos == last_.pos) stuck_ = true;
    started_ = true;
    last_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  bool started_ = false;
  bool stuck_ = false;
  YAML::Mark last_ = YAML::Mark::null_mark();
};

// Throws YAML::ParserException where LoadAll would loop (see above), and
// for any syntax error LoadAll would throw for.
void CheckDocumentsProgress(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentProgress progress;
  while (parser.HandleNextDocument(progress)) {
    if (progress.stuck())
      throw YAML::ParserException(progress.mark(),
                                  "unexpected token where a node should start");
  }
}

std::string YamlError(const YAML::Exception& e) {
  std::string out = "invalid YAML";
  if (!e.mark.is_null())
    out += " at line " + std::to_string(e.mark.line + 1) + ", column " +
           std::to_string(e.mark.column + 1);
  return out + ": " + e.msg;
}

template <typename T>
StatusOr<T> ParseOne(const std::string& text, const char* what) {
  auto docs = ParseDocuments(text);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1)
    return InvalidArgumentError(std::string("expected exactly one ") + what);
  T* obj = std::get_if<T>(&docs->front().object);
  if (obj == nullptr)
    return InvalidArgumentError(std::string("expected a ") + what + ", got " +
                                docs->front().kind);
  return std::move(*obj);
}

}  // namespace

const OwnerReference* ControllerOf(const ObjectMeta& m) {
  for (const auto& r : m.owner_references)
    if (r.controller) return &r;
  return nullptr;
}

const char* IssuerKindName(IssuerKind k) {
  return k == IssuerKind::kClusterCertIssuer ? "ClusterCertIssuer"
                                             : "CertIssuer";
}

const char* TrustSourceTypeName(TrustSource::Type t) {
  switch (t) {
    case TrustSource::Type::kIssuer:
      return "issuer";
    case TrustSource::Type::kSecret:
      return "secret";
    case TrustSource::Type::kConfigMap:
      return "configMap";
    case TrustSource::Type::kInline:
      return "inline";
    case TrustSource::Type::kSystemDefaults:
      return "systemDefaults";
  }
  return "unknown";
}

StatusOr<std::vector<Document>> ParseDocuments(const std::string& text) {
  std::vector<YAML::Node> nodes;
  try {
    CheckDocumentsProgress(text);
    nodes = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(YamlError(e));
  }
  std::vector<Document> out;
  int index = 0;
  for (const auto& n : nodes) {
    ++index;
    if (n.IsNull()) continue;
    StatusOr<Document> doc = InternalError("unparsed");
    try {
      doc = ParseNode(n, index);
    } catch (const YAML::Exception& e) {
      doc = InvalidArgumentError(YamlError(e));
    }
    if (!doc.ok()) return doc.status().WithContext(Describe(n, index));
    out.push_back(std::move(doc).value());
  }
  if (out.empty()) return InvalidArgumentError("no objects found");
  return out;
}

std::optional<ReadyCondition> ParseReadyCondition(
    const std::string& object_json) {
  return ParseObservedStatus(object_json).ready;
}

ObservedStatus ParseObservedStatus(const std::string& object_json) {
  ObservedStatus out;
  try {
    YAML::Node n = YAML::Load(object_json);
    if (!n.IsMap() || !n["status"] || !n["status"].IsMap()) return out;
    YAML::Node st = n["status"];
    auto scalar = [&st](const char* k) {
      return st[k] && st[k].IsScalar() ? st[k].Scalar() : std::string();
    };
    auto integer = [&scalar](const char* k) -> int64_t {
      std::string v = scalar(k);
      return v.empty() ? 0 : std::strtoll(v.c_str(), nullptr, 10);
    };
    out.failed_attempts = static_cast<int>(integer("failedIssuanceAttempts"));
    out.observed_generation = integer("observedGeneration");
    out.revision = integer("revision");
    out.renewal_time = scalar("renewalTime");
    out.not_before = scalar("notBefore");
    out.not_after = scalar("notAfter");
    out.fingerprint_sha256 = scalar("fingerprintSHA256");
    if (st["truststore"] && st["truststore"].IsMap() &&
        st["truststore"]["earliestNotAfter"])
      out.truststore_earliest_not_after =
          st["truststore"]["earliestNotAfter"].Scalar();
    out.issuer_ca_fingerprint = scalar("issuerCAFingerprintSHA256");
    if (st["truststore"] && st["truststore"].IsMap() &&
        st["truststore"]["issuerCAs"] &&
        st["truststore"]["issuerCAs"].IsSequence())
      for (const auto& f : st["truststore"]["issuerCAs"])
        if (f.IsScalar()) out.truststore_issuer_cas.push_back(f.Scalar());
    out.ca_certificate = scalar("caCertificate");
    YAML::Node rot = st["rotation"];
    if (rot && rot.IsMap()) {
      CaRotation r;
      auto rs = [&rot](const char* k) {
        return rot[k] && rot[k].IsScalar() ? rot[k].Scalar() : std::string();
      };
      r.started_at = rs("startedAt");
      r.trust_distributed_at = rs("trustDistributedAt");
      r.reissued_at = rs("reissuedAt");
      if (rot["previousCAs"] && rot["previousCAs"].IsSequence())
        for (const auto& p : rot["previousCAs"]) {
          if (!p.IsMap() || !p["certificate"] || !p["certificate"].IsScalar())
            continue;
          PreviousCa c;
          c.certificate = p["certificate"].Scalar();
          if (p["fingerprintSHA256"] && p["fingerprintSHA256"].IsScalar())
            c.fingerprint_sha256 = p["fingerprintSHA256"].Scalar();
          r.previous_cas.push_back(std::move(c));
        }
      if (rot["waitingFor"] && rot["waitingFor"].IsSequence())
        for (const auto& w : rot["waitingFor"])
          if (w.IsScalar()) r.waiting_for.push_back(w.Scalar());
      std::string count = rs("waitingCount");
      r.waiting_count =
          count.empty() ? 0 : std::strtoll(count.c_str(), nullptr, 10);
      out.rotation = std::move(r);
    }
    YAML::Node conds = st["conditions"];
    if (!conds || !conds.IsSequence()) return out;
    for (const auto& c : conds) {
      if (!c.IsMap() || !c["type"] || !c["type"].IsScalar()) continue;
      ReadyCondition r;
      if (c["status"]) r.status = c["status"].Scalar();
      if (c["reason"]) r.reason = c["reason"].Scalar();
      if (c["message"]) r.message = c["message"].Scalar();
      if (c["lastTransitionTime"])
        r.last_transition_time = c["lastTransitionTime"].Scalar();
      if (c["type"].Scalar() == "Ready") out.ready = r;
      if (c["type"].Scalar() == "Issuing") out.issuing = r;
    }
  } catch (const YAML::Exception&) {
  }
  return out;
}

StatusOr<CertStore> ParseCertStore(const std::string& text) {
  return ParseOne<CertStore>(text, "CertStore");
}
StatusOr<Issuer> ParseIssuer(const std::string& text) {
  return ParseOne<Issuer>(text, "CertIssuer or ClusterCertIssuer");
}
StatusOr<SecretObject> ParseSecret(const std::string& text) {
  return ParseOne<SecretObject>(text, "Secret");
}
StatusOr<NamespaceObject> ParseNamespace(const std::string& text) {
  return ParseOne<NamespaceObject>(text, "Namespace");
}

}  // namespace certstore::api
