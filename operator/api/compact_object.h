// What a cache keeps of one of the operator's own objects between events:
// the members its parse reads, without the bulk the API server adds.
#ifndef CERTSTORE_API_COMPACT_OBJECT_H_
#define CERTSTORE_API_COMPACT_OBJECT_H_

#include <string>
#include <string_view>

namespace certstore::api {

// `json` (a CertStore, CertIssuer, ClusterCertIssuer or TrustBundle as the
// API server sends it) as compact JSON holding only apiVersion, kind,
// metadata.{name, namespace, uid, resourceVersion, generation}, spec and
// status, each copied as it is. For an object that parses, parsing the
// result (ParseCertStore, ParseIssuer, ParseTrustBundle,
// ParseObservedStatus) gives what parsing `json` gives, except metadata
// labels, annotations and ownerReferences (a cache holds those in its own
// metadata); an error outside spec and status (an unknown top-level
// member, a malformed label) is not kept: the API server sends none (the
// CRDs are structural and it validates metadata).
// managedFields, the last-applied annotation and the rest of metadata are
// dropped. "" when `json` is not a JSON object.
std::string CompactObjectJson(const std::string& json);

// A CertStore's compact JSON as it typically reads (key names in the API
// server's order, the values every CertStore shares): the preset
// dictionary a cache deflates CertStores against (DeflateWith). At most
// kMaxDeflateDictionary bytes. Changing it changes nothing but how well
// CertStores compress; a packed object must be inflated with the
// dictionary it was deflated with (they live in one process).
std::string_view CertStoreDictionary();

}  // namespace certstore::api

#endif  // CERTSTORE_API_COMPACT_OBJECT_H_
