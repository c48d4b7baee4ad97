#include "operator/api/compact_object.h"

#include <optional>

#include "operator/api/json.h"
#include "operator/common/deflate.h"

namespace certstore::api {

std::string CompactObjectJson(const std::string& json_text) {
  std::optional<json::Document> doc = json::Document::Parse(json_text);
  if (!doc || !doc->Root().IsObject()) return "";
  const json::Value root = doc->Root();
  json::Writer w;
  w.BeginObject();
  for (const char* top : {"apiVersion", "kind"})
    if (root[top].Exists()) w.Key(top).Copy(root[top]);
  const json::Value meta = root["metadata"];
  if (meta.IsObject()) {
    w.Key("metadata").BeginObject();
    for (const char* m :
         {"name", "namespace", "uid", "resourceVersion", "generation"})
      if (meta[m].Exists()) w.Key(m).Copy(meta[m]);
    w.EndObject();
  } else if (meta.Exists()) {
    w.Key("metadata").Copy(meta);  // not an object: the parse says so
  }
  for (const char* top : {"spec", "status"})
    if (root[top].Exists()) w.Key(top).Copy(root[top]);
  w.EndObject();
  std::string out = w.Take();
  out.shrink_to_fit();  // kept for as long as the object is cached
  return out;
}

// Most likely matches last: DEFLATE codes near distances more cheaply.
std::string_view CertStoreDictionary() {
  static constexpr char kDictionary[] =
      R"({"spec":{"export":{"configMapName":"","includeRoot":true},)"
      R"("password":{"secretKeyRef":{"key":"password","name":""}},)"
      R"("renewal":{"urgentBefore":"","windows":[{"days":["Sat","Sun"],)"
      R"("duration":"4h","start":"02:00"}]},"secretTemplate":{"labels":{},)"
      R"("annotations":{}},"secretType":"Opaque"}})"
      R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertStore",)"
      R"("metadata":{"name":"","namespace":"","uid":"","resourceVersion":"",)"
      R"("generation":1},"spec":{"formats":["PKCS12","JKS","PEM"],)"
      R"("issuerRef":{"kind":"ClusterCertIssuer","name":""},"keystore":{)"
      R"("alias":"","commonName":"","dnsNames":[".svc.cluster.local",)"
      R"(".svc"],"duration":"2160h","ipAddresses":["10.0.0.1"],)"
      R"("privateKey":{"algorithm":"ECDSA","rotationPolicy":"Always",)"
      R"("size":256},"renewBefore":"720h","subject":{"countries":[],)"
      R"("organizationalUnits":[],"organizations":[]},"usages":[)"
      R"("serverAuth","clientAuth"]},"pkcs12":{"profile":"Modern2023"},)"
      R"("secretName":"-stores","truststore":{"sources":[{"issuer":{}},)"
      R"({"secret":{"key":"ca.crt","name":""}}]}},"status":{"conditions":[{)"
      R"("lastTransitionTime":"2026-12-01T00:00:00Z","message":)"
      R"("certificate  valid until 2027-","observedGeneration":1,)"
      R"("reason":"Issued","status":"True","type":"Ready"},{)"
      R"("lastTransitionTime":"2026-12-01T00:00:00Z","message":"",)"
      R"("observedGeneration":1,"reason":"UpToDate","status":"False",)"
      R"("type":"Issuing"}],"fingerprintSHA256":"",)"
      R"("issuerCAFingerprintSHA256":"","notAfter":"2027-01-01T00:00:00Z",)"
      R"("notBefore":"2026-12-01T00:00:00Z","observedGeneration":1,)"
      R"("renewalTime":"2027-01-01T00:00:00Z","revision":1,"serialNumber":)"
      R"("","truststore":{"certificates":1,"earliestNotAfter":)"
      R"("2036-01-01T00:00:00Z","issuerCAs":[""]}}})";
  static_assert(sizeof(kDictionary) - 1 <= kMaxDeflateDictionary,
                "DEFLATE would not reach the dictionary's start");
  return {kDictionary, sizeof(kDictionary) - 1};
}

}  // namespace certstore::api
