// API objects as the API server sends them, for the benchmarks that decode
// and cache them (parse_benchmark, cache_memory_benchmark).
#ifndef CERTSTORE_TESTS_BENCH_API_FIXTURES_H_
#define CERTSTORE_TESTS_BENCH_API_FIXTURES_H_

#include <string>

namespace certstore::api {

// A CertStore as `kubectl get -o json` shows it: server-populated metadata
// with managedFields, a last-applied annotation, and a full status.
inline constexpr char kSpecJson[] =
    R"("spec":{"issuerRef":{"kind":"ClusterCertIssuer","name":"lab-root-ca"},)"
    R"("secretName":"mtls-server-stores","keystore":{"alias":"server",)"
    R"("commonName":"mtls-server.lab.local","subject":{"organizations":)"
    R"(["Lab"],"countries":["US"]},"dnsNames":["mtls-server.lab.local",)"
    R"("mtls-server.demo.svc","mtls-server.demo.svc.cluster.local"],)"
    R"("ipAddresses":["127.0.0.1"],"usages":["serverAuth","clientAuth"],)"
    R"("privateKey":{"algorithm":"ECDSA","size":256,"rotationPolicy":)"
    R"("Always"},"duration":"2160h","renewBefore":"720h"},"truststore":)"
    R"({"sources":[{"issuer":{}},{"secret":{"name":"partner-ca","key":)"
    R"("ca.crt"}}]},"formats":["PKCS12","PEM"],"pkcs12":{"profile":)"
    R"("Modern2023"}})";

inline std::string CertStoreJson() {
  std::string last_applied =
      std::string(R"({\"apiVersion\":\"certstore.dev/v1alpha1\",)") +
      R"(\"kind\":\"CertStore\",\"metadata\":{\"name\":\"mtls-server\",)" +
      R"(\"namespace\":\"demo\"},\"spec\":{\"secretName\":)" +
      R"(\"mtls-server-stores\",\"issuerRef\":{\"name\":\"lab-root-ca\"}}})";
  return std::string(
             R"({"apiVersion":"certstore.dev/v1alpha1","kind":"CertStore",)"
             R"("metadata":{"annotations":{"kubectl.kubernetes.io/)"
             R"(last-applied-configuration":")") +
         last_applied +
         R"("},"creationTimestamp":"2026-11-23T12:00:00Z","generation":3,)"
         R"("labels":{"team":"payments","app.kubernetes.io/name":"mtls"},)"
         R"("managedFields":[{"apiVersion":"certstore.dev/v1alpha1",)"
         R"("fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{)"
         R"("f:annotations":{".":{},"f:kubectl.kubernetes.io/)"
         R"(last-applied-configuration":{}}},"f:spec":{".":{},)"
         R"("f:issuerRef":{".":{},"f:kind":{},"f:name":{}},"f:keystore":{)"
         R"(".":{},"f:commonName":{},"f:dnsNames":{},"f:usages":{}},)"
         R"("f:secretName":{},"f:formats":{}}},"manager":)"
         R"("kubectl-client-side-apply","operation":"Update","time":)"
         R"("2026-11-23T12:00:00Z"},{"apiVersion":"certstore.dev/v1alpha1",)"
         R"("fieldsType":"FieldsV1","fieldsV1":{"f:status":{".":{},)"
         R"("f:conditions":{},"f:fingerprintSHA256":{},"f:notAfter":{},)"
         R"("f:notBefore":{},"f:observedGeneration":{},"f:renewalTime":{},)"
         R"("f:revision":{},"f:serialNumber":{},"f:truststore":{".":{},)"
         R"("f:certificates":{},"f:earliestNotAfter":{}}}},"manager":)"
         R"("certstore-operator","operation":"Update","subresource":)"
         R"("status","time":"2026-11-23T12:00:05Z"}],"name":"mtls-server",)"
         R"("namespace":"demo","resourceVersion":"48213",)"
         R"("uid":"6f1c9e42-7d0b-4c59-9a51-3f0c1d2e8b77"},)" +
         kSpecJson +
         R"(,"status":{"conditions":[{"lastTransitionTime":)"
         R"("2026-11-23T12:00:05Z","message":"Certificate issued by )"
         R"(ClusterCertIssuer/lab-root-ca, valid until 2027-02-21T12:00:05Z",)"
         R"("observedGeneration":3,"reason":"Issued","status":"True",)"
         R"("type":"Ready"},{"lastTransitionTime":"2026-11-23T12:00:05Z",)"
         R"("message":"","reason":"Issued","status":"False","type":)"
         R"("Issuing"}],"fingerprintSHA256":"3f:a1:9c:0e:55:7b:2d:41:aa:)"
         R"(90:13:6e:c4:88:f2:0b:19:d7:63:5a:0c:e1:47:b8:22:9f:31:6d:a0:)"
         R"(5e:c3:17","notAfter":"2027-02-21T12:00:05Z","notBefore":)"
         R"("2026-11-23T11:55:05Z","observedGeneration":3,"renewalTime":)"
         R"("2027-01-22T12:00:05Z","revision":2,"serialNumber":)"
         R"("5c0e4a1b9d37f2","truststore":{"certificates":2,)"
         R"("earliestNotAfter":"2036-11-21T12:00:00Z"}}})";
}

// A managed Secret as the operator writes it: PKCS12 stores and PEM files
// (base64 of about 3 KiB each).
inline std::string SecretJson() {
  std::string blob(4096, 'A');
  std::string out =
      R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":)"
      R"("mtls-server-stores","namespace":"demo","uid":"a1","labels":{)"
      R"("app.kubernetes.io/managed-by":"certstore-operator"},)"
      R"("ownerReferences":[{"apiVersion":"certstore.dev/v1alpha1","kind":)"
      R"("CertStore","name":"mtls-server","uid":"6f1c","controller":true,)"
      R"("blockOwnerDeletion":true}]},"type":"Opaque","data":{)";
  const char* keys[] = {"keystore.p12", "truststore.p12", "tls.crt",
                        "tls.key",      "ca.crt",         "password"};
  for (size_t i = 0; i < 6; ++i)
    out += std::string(i ? "," : "") + "\"" + keys[i] + "\":\"" + blob + "\"";
  return out + "}}";
}

}  // namespace certstore::api

#endif  // CERTSTORE_TESTS_BENCH_API_FIXTURES_H_
