// A fleet of N CertStores in a metrics Inventory, as the operator's caches
// would feed it: CertStore team-(i%100)/app-i, Ready, with a certificate
// and a truststore Secret holding two CA certificates (8 series each).
// Shared by the scrape benchmark and the metrics unit tests.
#ifndef CERTSTORE_TESTS_SUPPORT_INVENTORY_FLEET_H_
#define CERTSTORE_TESTS_SUPPORT_INVENTORY_FLEET_H_

#include <memory>
#include <string>

#include "operator/common/base64.h"
#include "operator/common/clock.h"
#include "operator/controller/inventory.h"
#include "operator/pki/ca.h"
#include "operator/pki/certificate.h"
#include "operator/pki/key.h"

namespace certstore::testing {

inline std::string TrustBundlePem() {
  static const std::string pem = [] {
    std::string out;
    for (const char* cn : {"Bench Root CA", "Partner Root CA"}) {
      auto key = pki::GenerateKey({pki::KeyAlgorithm::kEcdsa, 256});
      pki::RootSpec rs;
      rs.subject.common_name = cn;
      auto ca = pki::CreateSelfSignedCa(rs, key->get(), SystemClock::Get());
      out += pki::EncodeCertificatePem(ca->cert.get());
    }
    return out;
  }();
  return pem;
}

inline kube::ObjectPtr CertStoreObject(int i) {
  auto o = std::make_shared<kube::CachedObject>();
  o->meta.ns = "team-" + std::to_string(i % 100);
  o->meta.name = "app-" + std::to_string(i);
  o->meta.generation = 1;
  o->json =
      "{\"apiVersion\":\"certstore.dev/"
      "v1alpha1\",\"kind\":\"CertStore\",\"metadata\":{"
      "\"name\":\"" +
      o->meta.name + "\",\"namespace\":\"" + o->meta.ns +
      "\"},\"spec\":{\"issuerRef\":{\"kind\":\"ClusterCertIssuer\",\"name\":"
      "\"lab\"},"
      "\"secretName\":\"" +
      o->meta.name + "-stores\",\"keystore\":{\"commonName\":\"" +
      o->meta.name +
      "\"},\"truststore\":{}},\"status\":{\"observedGeneration\":1,"
      "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":"
      "\"Issued\","
      "\"message\":\"ok\",\"lastTransitionTime\":\"2026-11-23T12:00:00Z\"}],"
      "\"notBefore\":\"2026-11-23T12:00:00Z\",\"notAfter\":\"2027-02-21T12:00:"
      "00Z\","
      "\"renewalTime\":\"2027-01-22T12:00:00Z\",\"revision\":1}}";
  return o;
}

inline kube::ObjectPtr SecretObject(int i) {
  auto o = std::make_shared<kube::CachedObject>();
  o->meta.ns = "team-" + std::to_string(i % 100);
  o->meta.name = "app-" + std::to_string(i) + "-stores";
  o->meta.annotations.Set("certstore.dev/certstore",
                          "app-" + std::to_string(i));
  o->json =
      "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"" +
      o->meta.name + "\",\"namespace\":\"" + o->meta.ns +
      "\"},\"data\":{\"ca.crt\":\"" + Base64Encode(TrustBundlePem()) + "\"}}";
  return o;
}

inline std::unique_ptr<controller::Inventory> MakeInventory(int n) {
  auto inv = std::make_unique<controller::Inventory>();
  for (int i = 0; i < n; ++i) {
    inv->OnCertStore(nullptr, CertStoreObject(i));
    inv->OnManagedSecret(nullptr, SecretObject(i));
  }
  return inv;
}

}  // namespace certstore::testing

#endif  // CERTSTORE_TESTS_SUPPORT_INVENTORY_FLEET_H_
