// One walker for both formats, over the Node view (node.h): JSON from the
// API server through json.h (json_node.h), YAML manifests through yaml-cpp
// (yaml_node.h, the only file that includes it).
#include "operator/api/parse.h"

#include <cerrno>
#include <cstdlib>
#include <functional>
#include <string_view>

#include "operator/api/field_error.h"
#include "operator/api/json.h"
#include "operator/api/json_node.h"
#include "operator/api/yaml_node.h"
#include "operator/common/base64.h"

namespace certstore::api {
namespace {

using Fields =
    std::map<std::string, std::function<void(const Node&, const std::string&)>>;

// Walks a document, recording every structural error with its path.
class Walker {
 public:
  explicit Walker(FieldErrors* errs) : errs_(errs) {}

  // Calls the handler of each known key; unknown keys are errors.
  void Object(const Node& n, const std::string& path, const Fields& fields) {
    if (!n.IsObject()) {
      if (!n.IsNull()) errs_->Add(path, "must be an object");
      return;
    }
    for (const auto& [key, value] : n.Members()) {
      std::string child = path.empty() ? key : path + "." + key;
      auto f = fields.find(key);
      if (f == fields.end()) {
        errs_->Add(child, "unknown field");
        continue;
      }
      f->second(*value, child);
    }
  }

  void Str(const Node& n, const std::string& path, std::string* out) {
    if (n.IsNull()) return;
    if (!n.IsScalar()) {
      errs_->Add(path, "must be a string");
      return;
    }
    // The value is not echoed: it may be Secret data.
    if (const char* type = n.NonStringType()) {
      errs_->Add(path, std::string("must be a string, got ") + type +
                           " (quote the value)");
      return;
    }
    *out = n.Text();
  }
  void OptStr(const Node& n, const std::string& path,
              std::optional<std::string>* out) {
    if (n.IsNull()) return;
    std::string s;
    Str(n, path, &s);
    *out = s;
  }
  void Int(const Node& n, const std::string& path, std::optional<int>* out) {
    if (n.IsNull()) return;
    if (!n.IsScalar()) {
      errs_->Add(path, "must be an integer");
      return;
    }
    const std::string s = n.Text();
    if (n.IsExplicitString()) {
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
  // A server-set counter (metadata.generation): any non-negative int64.
  void Int64(const Node& n, const std::string& path,
             std::optional<int64_t>* out) {
    if (n.IsNull()) return;
    const std::string s = n.IsScalar() ? n.Text() : "";
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (!n.IsScalar() || n.IsExplicitString() || s.empty() || *end != '\0' ||
        errno == ERANGE || v < 0) {
      errs_->Add(path, "must be a non-negative integer");
      return;
    }
    *out = static_cast<int64_t>(v);
  }
  void StrList(const Node& n, const std::string& path,
               std::vector<std::string>* out) {
    if (n.IsNull()) return;
    if (!n.IsArray()) {
      errs_->Add(path, "must be a list of strings");
      return;
    }
    std::vector<NodePtr> elements = n.Elements();
    for (size_t i = 0; i < elements.size(); ++i) {
      std::string s;
      Str(*elements[i], path + "[" + std::to_string(i) + "]", &s);
      out->push_back(s);
    }
  }
  void StrMap(const Node& n, const std::string& path,
              std::map<std::string, std::string>* out) {
    if (n.IsNull()) return;
    if (!n.IsObject()) {
      errs_->Add(path, "must be a map of strings");
      return;
    }
    for (const auto& [key, value] : n.Members()) {
      std::string v;
      Str(*value, path + "." + key, &v);
      (*out)[key] = v;
    }
  }
  // An object that must be empty ("issuer: {}").
  void Empty(const Node& n, const std::string& path) { Object(n, path, {}); }
  void Ignore(const Node&, const std::string&) {}

  FieldErrors* errs() { return errs_; }

 private:
  FieldErrors* errs_;
};

// Server-populated: unknown fields inside are ignored, like the rest of
// metadata; only the shape of what ownership is decided by is checked.
void ParseOwnerReferences(Walker& w, const Node& n, const std::string& path,
                          ObjectMeta* m) {
  if (n.IsNull()) return;
  if (!n.IsArray()) {
    w.errs()->Add(path, "must be a list");
    return;
  }
  std::vector<NodePtr> refs = n.Elements();
  for (size_t i = 0; i < refs.size(); ++i) {
    const Node& r = *refs[i];
    std::string p = path + "[" + std::to_string(i) + "]";
    if (!r.IsObject()) {
      w.errs()->Add(p, "must be an object");
      continue;
    }
    OwnerReference ref;
    w.Str(*r.Get("apiVersion"), p + ".apiVersion", &ref.api_version);
    w.Str(*r.Get("kind"), p + ".kind", &ref.kind);
    w.Str(*r.Get("name"), p + ".name", &ref.name);
    w.Str(*r.Get("uid"), p + ".uid", &ref.uid);
    ref.controller = r.Get("controller")->IsTrue();
    m->owner_references.push_back(std::move(ref));
  }
}

void ParseMeta(Walker& w, const Node& n, const std::string& path,
               ObjectMeta* m) {
  if (!n.IsObject()) {
    w.errs()->Add(path, "must be an object");
    return;
  }
  // Server-populated metadata is accepted and mostly ignored.
  for (const auto& [k, value] : n.Members()) {
    const Node& v = *value;
    std::string p = path + "." + k;
    if (k == "name")
      w.Str(v, p, &m->name);
    else if (k == "namespace")
      w.Str(v, p, &m->namespace_);
    else if (k == "uid")
      w.Str(v, p, &m->uid);
    else if (k == "resourceVersion")
      w.Str(v, p, &m->resource_version);
    else if (k == "generation") {
      std::optional<int64_t> g;
      w.Int64(v, p, &g);
      m->generation = g.value_or(0);
    } else if (k == "labels")
      w.StrMap(v, p, &m->labels);
    else if (k == "annotations")
      w.StrMap(v, p, &m->annotations);
    else if (k == "ownerReferences")
      ParseOwnerReferences(w, v, p, m);
  }
}

void ParseSubject(Walker& w, const Node& n, const std::string& path,
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

void ParsePrivateKey(Walker& w, const Node& n, const std::string& path,
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

void ParseKeystore(Walker& w, const Node& n, const std::string& path,
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

void ParseRef(Walker& w, const Node& n, const std::string& path,
              std::string* name, std::string* key, std::string* ns) {
  w.Object(n, path,
           {{"name", [&](auto& v, auto& p) { w.Str(v, p, name); }},
            {"key", [&](auto& v, auto& p) { w.Str(v, p, key); }},
            {"namespace", [&](auto& v, auto& p) { w.Str(v, p, ns); }}});
}

void Bool(Walker& w, const Node& y, const std::string& yp, bool* out) {
  if (y.IsNull()) return;
  std::optional<bool> b = y.Boolean();
  if (!b)
    w.errs()->Add(yp, "must be a boolean (true or false)");
  else
    *out = *b;
}

void ParseTruststore(Walker& w, const Node& n, const std::string& path,
                     TruststoreSpec* t) {
  w.Object(n, path,
           {
               {"secretName",
                [&](auto& v, auto& p) { w.Str(v, p, &t->secret_name); }},
               {"password",
                [&](auto& v, auto& p) {
                  t->password.emplace();
                  TruststorePassword* pw = &*t->password;
                  w.Object(v, p,
                           {{"secretKeyRef",
                             [&](auto& x, auto& xp) {
                               pw->secret_key_ref.emplace();
                               ParseRef(w, x, xp, &pw->secret_key_ref->name,
                                        &pw->secret_key_ref->key,
                                        &pw->secret_key_ref->ns);
                             }},
                            {"value", [&](auto& x, auto& xp) {
                               w.OptStr(x, xp, &pw->value);
                             }}});
                }},
               {"sources",
                [&](const Node& v, const std::string& p) {
                  if (v.IsNull()) return;
                  t->sources_set = true;
                  if (!v.IsArray()) {
                    w.errs()->Add(p, "must be a list");
                    return;
                  }
                  std::vector<NodePtr> items = v.Elements();
                  for (size_t i = 0; i < items.size(); ++i) {
                    std::string ip = p + "[" + std::to_string(i) + "]";
                    TrustSource s;
                    int kinds = 0;
                    w.Object(*items[i], ip,
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
                                 {"trustBundle",
                                  [&](auto& x, auto& xp) {
                                    w.Object(x, xp,
                                             {{"name", [&](auto& y, auto& yp) {
                                                 w.Str(y, yp, &s.name);
                                               }}});
                                    s.type = TrustSource::Type::kTrustBundle;
                                    ++kinds;
                                  }},
                             });
                    if (kinds != 1)
                      w.errs()->Add(
                          ip,
                          "exactly one of issuer, secret, configMap, inline, "
                          "systemDefaults, trustBundle must be set");
                    t->sources.push_back(s);
                  }
                }},
           });
}

void ParseIssuerRef(Walker& w, const Node& v, const std::string& p,
                    IssuerRef* ref) {
  std::string kind;
  // The CRD has no issuerRef.group (the API server rejects it).
  w.Object(v, p,
           {{"name", [&](auto& x, auto& xp) { w.Str(x, xp, &ref->name); }},
            {"kind", [&](auto& x, auto& xp) { w.Str(x, xp, &kind); }}});
  if (kind == "ClusterCertIssuer")
    ref->kind = IssuerKind::kClusterCertIssuer;
  else if (kind.empty() || kind == "CertIssuer")
    ref->kind = IssuerKind::kCertIssuer;
  else
    w.errs()->Add(
        p + ".kind",
        "must be CertIssuer or ClusterCertIssuer (got \"" + kind + "\")");
}

// The fields a selfSigned root and an intermediate share.
Fields CaCertificateFields(Walker& w, CaCertificateSpec* ss) {
  return {
      {"secretName",
       [&w, ss](auto& x, auto& xp) { w.Str(x, xp, &ss->secret_name); }},
      {"commonName",
       [&w, ss](auto& x, auto& xp) { w.Str(x, xp, &ss->common_name); }},
      {"subject",
       [&w, ss](auto& x, auto& xp) { ParseSubject(w, x, xp, &ss->subject); }},
      {"privateKey",
       [&w, ss](auto& x, auto& xp) {
         ParsePrivateKey(w, x, xp, &ss->private_key, false);
       }},
      {"duration",
       [&w, ss](auto& x, auto& xp) { w.Str(x, xp, &ss->duration); }},
      {"renewBefore",
       [&w, ss](auto& x, auto& xp) { w.OptStr(x, xp, &ss->renew_before); }},
  };
}

void ParseCertStoreSpec(Walker& w, const Node& n, const std::string& path,
                        CertStoreSpec* s) {
  w.Object(
      n, path,
      {
          {"issuerRef",
           [&](auto& v, auto& p) { ParseIssuerRef(w, v, p, &s->issuer_ref); }},
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
          {"secretType",
           [&](auto& v, auto& p) { w.Str(v, p, &s->secret_type); }},
          {"secretTemplate",
           [&](auto& v, auto& p) {
             s->secret_template.emplace();
             ObjectTemplate* t = &*s->secret_template;
             w.Object(
                 v, p,
                 {{"labels",
                   [&](auto& x, auto& xp) { w.StrMap(x, xp, &t->labels); }},
                  {"annotations", [&](auto& x, auto& xp) {
                     w.StrMap(x, xp, &t->annotations);
                   }}});
           }},
          {"additionalFormats",
           [&](auto& v, auto& p) { w.StrList(v, p, &s->additional_formats); }},
          {"renewal",
           [&](auto& v, auto& p) {
             s->renewal.emplace();
             RenewalSpec* r = &*s->renewal;
             w.Object(v, p,
                      {{"windows",
                        [&](const Node& x, const std::string& xp) {
                          if (x.IsNull()) return;
                          if (!x.IsArray()) {
                            w.errs()->Add(xp, "must be a list");
                            return;
                          }
                          std::vector<NodePtr> items = x.Elements();
                          for (size_t i = 0; i < items.size(); ++i) {
                            RenewalWindow win;
                            w.Object(*items[i],
                                     xp + "[" + std::to_string(i) + "]",
                                     {{"start",
                                       [&](auto& y, auto& yp) {
                                         w.Str(y, yp, &win.start);
                                       }},
                                      {"duration",
                                       [&](auto& y, auto& yp) {
                                         w.Str(y, yp, &win.duration);
                                       }},
                                      {"days", [&](auto& y, auto& yp) {
                                         w.StrList(y, yp, &win.days);
                                       }}});
                            r->windows.push_back(std::move(win));
                          }
                        }},
                       {"urgentBefore", [&](auto& x, auto& xp) {
                          w.OptStr(x, xp, &r->urgent_before);
                        }}});
           }},
          {"export",
           [&](auto& v, auto& p) {
             s->export_spec.emplace();
             ExportSpec* e = &*s->export_spec;
             w.Object(v, p,
                      {{"configMapName",
                        [&](auto& x, auto& xp) {
                          w.Str(x, xp, &e->config_map_name);
                        }},
                       {"includeRoot", [&](auto& x, auto& xp) {
                          Bool(w, x, xp, &e->include_root);
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

void ParseSelector(Walker& w, const Node& n, const std::string& path,
                   LabelSelector* sel) {
  w.Object(n, path,
           {
               {"matchLabels",
                [&](auto& v, auto& p) { w.StrMap(v, p, &sel->match_labels); }},
               {"matchExpressions",
                [&](const Node& v, const std::string& p) {
                  if (v.IsNull()) return;
                  if (!v.IsArray()) {
                    w.errs()->Add(p, "must be a list");
                    return;
                  }
                  std::vector<NodePtr> items = v.Elements();
                  for (size_t i = 0; i < items.size(); ++i) {
                    LabelSelectorRequirement r;
                    w.Object(
                        *items[i], p + "[" + std::to_string(i) + "]",
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

void ParsePolicy(Walker& w, const Node& n, const std::string& path,
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
           [&](const Node& v, const std::string& p) {
             if (v.IsNull()) return;
             std::optional<bool> b = v.Boolean();
             if (!b) {
               w.errs()->Add(p, "must be a boolean (true or false)");
               return;
             }
             pol->allow_intermediates = *b;
           }},
      });
}

void ParseIssuerSpec(Walker& w, const Node& n, const std::string& path,
                     IssuerSpec* s) {
  w.Object(n, path,
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
                  w.Object(v, p, CaCertificateFields(w, &*s->self_signed));
                }},
               {"intermediate",
                [&](auto& v, auto& p) {
                  s->intermediate.emplace();
                  IntermediateIssuerSpec* im = &*s->intermediate;
                  Fields f = CaCertificateFields(w, im);
                  f["issuerRef"] = [&](auto& x, auto& xp) {
                    ParseIssuerRef(w, x, xp, &im->issuer_ref);
                  };
                  f["pathLength"] = [&](auto& x, auto& xp) {
                    w.Int(x, xp, &im->path_length);
                  };
                  w.Object(v, p, f);
                }},
           });
}

void ParseBundleSources(Walker& w, const Node& v, const std::string& p,
                        std::vector<BundleSource>* out) {
  if (v.IsNull()) return;
  if (!v.IsArray()) {
    w.errs()->Add(p, "must be a list");
    return;
  }
  std::vector<NodePtr> items = v.Elements();
  for (size_t i = 0; i < items.size(); ++i) {
    std::string ip = p + "[" + std::to_string(i) + "]";
    BundleSource s;
    int kinds = 0;
    auto named = [&](BundleSource::Type t, bool with_key, bool all_keys) {
      return [&, t, with_key, all_keys](const Node& x, const std::string& xp) {
        Fields f{{"name", [&](auto& y, auto& yp) { w.Str(y, yp, &s.name); }}};
        if (with_key)
          f["key"] = [&](auto& y, auto& yp) { w.Str(y, yp, &s.key); };
        if (all_keys)
          f["allKeys"] = [&](auto& y, auto& yp) {
            Bool(w, y, yp, &s.all_keys);
          };
        w.Object(x, xp, f);
        s.type = t;
        ++kinds;
      };
    };
    w.Object(
        *items[i], ip,
        {
            {"issuer", named(BundleSource::Type::kIssuer, false, false)},
            {"secret", named(BundleSource::Type::kSecret, true, false)},
            {"configMap", named(BundleSource::Type::kConfigMap, true, true)},
            {"inline",
             [&](auto& x, auto& xp) {
               w.Str(x, xp, &s.inline_pem);
               s.type = BundleSource::Type::kInline;
               ++kinds;
             }},
            {"systemDefaults",
             [&](auto& x, auto& xp) {
               w.Empty(x, xp);
               s.type = BundleSource::Type::kSystemDefaults;
               ++kinds;
             }},
        });
    if (kinds != 1)
      w.errs()->Add(ip,
                    "exactly one of issuer, secret, configMap, inline, "
                    "systemDefaults must be set");
    out->push_back(std::move(s));
  }
}

void ParseTrustBundleSpec(Walker& w, const Node& n, const std::string& path,
                          TrustBundleSpec* s) {
  w.Object(
      n, path,
      {
          {"sources",
           [&](auto& v, auto& p) { ParseBundleSources(w, v, p, &s->sources); }},
          {"filter",
           [&](auto& v, auto& p) {
             w.Object(v, p,
                      {{"dropExpired",
                        [&](auto& x, auto& xp) {
                          Bool(w, x, xp, &s->filter.drop_expired);
                        }},
                       {"dropNonCA", [&](auto& x, auto& xp) {
                          Bool(w, x, xp, &s->filter.drop_non_ca);
                        }}});
           }},
          {"target",
           [&](auto& v, auto& p) {
             s->target.emplace();
             BundleTarget* t = &*s->target;
             w.Object(v, p,
                      {
                          {"namespaceSelector",
                           [&](const Node& x, const std::string& xp) {
                             if (x.IsNull()) return;
                             t->namespace_selector.emplace();
                             ParseSelector(w, x, xp, &*t->namespace_selector);
                           }},
                          {"configMap",
                           [&](auto& x, auto& xp) {
                             t->config_map.emplace();
                             auto* c = &*t->config_map;
                             w.Object(x, xp,
                                      {{"name",
                                        [&](auto& y, auto& yp) {
                                          w.Str(y, yp, &c->name);
                                        }},
                                       {"key", [&](auto& y, auto& yp) {
                                          w.Str(y, yp, &c->key);
                                        }}});
                           }},
                          {"secret",
                           [&](auto& x, auto& xp) {
                             t->secret.emplace();
                             auto* c = &*t->secret;
                             w.Object(
                                 x, xp,
                                 {{"name",
                                   [&](auto& y, auto& yp) {
                                     w.Str(y, yp, &c->name);
                                   }},
                                  {"formats",
                                   [&](auto& y, auto& yp) {
                                     w.StrList(y, yp, &c->formats);
                                   }},
                                  {"passwordPolicy", [&](auto& y, auto& yp) {
                                     w.Str(y, yp, &c->password_policy);
                                   }}});
                           }},
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

Status CheckApiVersion(const Node& n, const std::string& want) {
  if (!n.Has("apiVersion") && !n.Has("kind")) return OkStatus();  // list item
  std::string got = n.Get("apiVersion")->Text();
  if (got != want)
    return InvalidArgumentError("apiVersion: must be " + want + " (got \"" +
                                got + "\")");
  return OkStatus();
}

// `list_kind`: the item of a list response of that kind (items carry no
// apiVersion and kind).
StatusOr<Document> ParseNode(const Node& n, int index,
                             const std::string& list_kind = "") {
  if (!n.IsObject()) return InvalidArgumentError("must be an object");
  std::string kind = list_kind.empty() ? n.Get("kind")->Text() : list_kind;
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
    if (!n.Has("spec")) errs.Add("spec", "required");
    doc.object = std::move(cs);
  } else if (kind == "CertIssuer" || kind == "ClusterCertIssuer") {
    RETURN_IF_ERROR(CheckApiVersion(n, kApiVersion));
    Issuer is;
    is.kind = kind == "CertIssuer" ? IssuerKind::kCertIssuer
                                   : IssuerKind::kClusterCertIssuer;
    Fields f = TopLevel(w, &is.metadata);
    f["spec"] = [&](auto& v, auto& p) { ParseIssuerSpec(w, v, p, &is.spec); };
    w.Object(n, "", f);
    if (!n.Has("spec")) errs.Add("spec", "required");
    doc.object = std::move(is);
  } else if (kind == "TrustBundle") {
    RETURN_IF_ERROR(CheckApiVersion(n, kApiVersion));
    TrustBundle tb;
    Fields f = TopLevel(w, &tb.metadata);
    f["spec"] = [&](auto& v, auto& p) {
      ParseTrustBundleSpec(w, v, p, &tb.spec);
    };
    w.Object(n, "", f);
    if (!n.Has("spec")) errs.Add("spec", "required");
    doc.object = std::move(tb);
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
    f["immutable"] = [&](const Node& v, const std::string&) {
      immutable = v.IsTrue();
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
                                "CertIssuer, ClusterCertIssuer, TrustBundle, "
                                "Secret, ConfigMap or Namespace)");
  }
  RETURN_IF_ERROR(errs.ToStatus());
  return doc;
}

std::string Describe(const Node& n, int index) {
  std::string out = "document " + std::to_string(index);
  NodePtr kind = n.Get("kind");
  if (kind->IsScalar()) {
    out += " (" + kind->Text();
    NodePtr name = n.Get("metadata")->Get("name");
    if (name->IsScalar()) out += "/" + name->Text();
    out += ")";
  }
  return out;
}

// The one object of a JSON text, through json.h only. `*not_json` (if
// given) tells a text that is not valid JSON from an object with errors.
StatusOr<std::vector<Document>> ParseJson(const std::string& text,
                                          bool* not_json) {
  std::string error;
  std::optional<json::Document> parsed = json::Document::Parse(text, &error);
  if (not_json) *not_json = !parsed;
  if (!parsed) return InvalidArgumentError(error);
  NodePtr root = JsonNode(parsed->Root());
  StatusOr<Document> doc = ParseNode(*root, 1);
  if (!doc.ok()) return doc.status().WithContext(Describe(*root, 1));
  std::vector<Document> out;
  out.push_back(std::move(doc).value());
  return out;
}

StatusOr<std::vector<Document>> ParseYaml(const std::string& text) {
  auto nodes = LoadYamlDocuments(text);
  if (!nodes.ok()) return nodes.status();
  std::vector<Document> out;
  int index = 0;
  for (const auto& n : *nodes) {
    ++index;
    if (n->IsNull()) continue;
    StatusOr<Document> doc = ParseNode(*n, index);
    if (!doc.ok()) return doc.status().WithContext(Describe(*n, index));
    out.push_back(std::move(doc).value());
  }
  if (out.empty()) return InvalidArgumentError("no objects found");
  return out;
}

// A single object: JSON (never yaml-cpp) when the text starts like JSON.
template <typename T>
StatusOr<T> ParseOne(const std::string& text, const char* what) {
  auto docs = StartsLikeJson(text) ? ParseJson(text, nullptr) : ParseYaml(text);
  if (!docs.ok()) return docs.status();
  if (docs->size() != 1)
    return InvalidArgumentError(std::string("expected exactly one ") + what);
  T* obj = std::get_if<T>(&docs->front().object);
  if (obj == nullptr)
    return InvalidArgumentError(std::string("expected a ") + what + ", got " +
                                docs->front().kind);
  return std::move(*obj);
}

// The items of a JSON list response of `kind`.
template <typename T>
StatusOr<std::vector<T>> ParseList(const std::string& text, const char* kind) {
  std::string error;
  std::optional<json::Document> parsed = json::Document::Parse(text, &error);
  if (!parsed) return InvalidArgumentError(error);
  std::vector<T> out;
  int index = 0;
  for (const json::Value& item : parsed->Root()["items"].Elements()) {
    NodePtr n = JsonNode(item);
    StatusOr<Document> doc = ParseNode(*n, ++index, kind);
    if (!doc.ok())
      return doc.status().WithContext(std::string(kind) + " list item " +
                                      std::to_string(index));
    T* obj = std::get_if<T>(&doc->object);
    if (obj) out.push_back(std::move(*obj));
  }
  return out;
}

}  // namespace

StatusOr<MetadataList> ParseMetadataList(const std::string& text) {
  std::string error;
  std::optional<json::Document> parsed = json::Document::Parse(text, &error);
  if (!parsed) return InvalidArgumentError(error);
  MetadataList out;
  out.continue_token =
      std::string(parsed->Root()["metadata"]["continue"].String());
  int index = 0;
  for (const json::Value& item : parsed->Root()["items"].Elements()) {
    ++index;
    FieldErrors errs;
    Walker w(&errs);
    ObjectMeta m;
    w.Object(*JsonNode(item), "", TopLevel(w, &m));
    if (!errs.empty())
      return errs.ToStatus().WithContext("list item " + std::to_string(index));
    out.items.push_back(std::move(m));
  }
  return out;
}

const OwnerReference* ControllerOf(const ObjectMeta& m) {
  for (const auto& r : m.owner_references)
    if (r.controller) return &r;
  return nullptr;
}

const std::string& IssuerSecretName(const IssuerSpec& spec) {
  static const std::string kNone;
  if (spec.ca) return spec.ca->secret_name;
  if (spec.self_signed) return spec.self_signed->secret_name;
  if (spec.intermediate) return spec.intermediate->secret_name;
  return kNone;
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
    case TrustSource::Type::kTrustBundle:
      return "trustBundle";
  }
  return "unknown";
}

const char* BundleSourceTypeName(BundleSource::Type t) {
  switch (t) {
    case BundleSource::Type::kIssuer:
      return "issuer";
    case BundleSource::Type::kSecret:
      return "secret";
    case BundleSource::Type::kConfigMap:
      return "configMap";
    case BundleSource::Type::kInline:
      return "inline";
    case BundleSource::Type::kSystemDefaults:
      return "systemDefaults";
  }
  return "unknown";
}

StatusOr<std::vector<Document>> ParseDocuments(const std::string& text) {
  if (!StartsLikeJson(text)) return ParseYaml(text);
  bool not_json = false;
  auto docs = ParseJson(text, &not_json);
  if (not_json) return ParseYaml(text);  // a flow-style YAML manifest
  return docs;
}

StatusOr<CertStore> ParseCertStore(const std::string& text) {
  return ParseOne<CertStore>(text, "CertStore");
}
StatusOr<Issuer> ParseIssuer(const std::string& text) {
  return ParseOne<Issuer>(text, "CertIssuer or ClusterCertIssuer");
}
StatusOr<TrustBundle> ParseTrustBundle(const std::string& text) {
  return ParseOne<TrustBundle>(text, "TrustBundle");
}
StatusOr<std::vector<SecretObject>> ParseSecretList(const std::string& text) {
  return ParseList<SecretObject>(text, "Secret");
}
StatusOr<std::vector<ConfigMapObject>> ParseConfigMapList(
    const std::string& text) {
  return ParseList<ConfigMapObject>(text, "ConfigMap");
}
StatusOr<SecretObject> ParseSecret(const std::string& text) {
  return ParseOne<SecretObject>(text, "Secret");
}
StatusOr<NamespaceObject> ParseNamespace(const std::string& text) {
  return ParseOne<NamespaceObject>(text, "Namespace");
}
StatusOr<ConfigMapObject> ParseConfigMap(const std::string& text) {
  return ParseOne<ConfigMapObject>(text, "ConfigMap");
}

}  // namespace certstore::api
