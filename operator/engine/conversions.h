// Conversions from API types (strings, as users write them) to PKI types.
#ifndef CERTSTORE_ENGINE_CONVERSIONS_H_
#define CERTSTORE_ENGINE_CONVERSIONS_H_

#include "operator/api/types.h"
#include "operator/common/status.h"
#include "operator/pki/certificate_spec.h"
#include "operator/pki/key.h"
#include "operator/pki/pkcs12.h"

namespace certstore::engine {

// REQUIRES: the object was defaulted and validated; errors here mean a
// validation gap and are InvalidArgument naming the field.
StatusOr<pki::KeySpec> ToKeySpec(const api::PrivateKey& k);
StatusOr<pki::LeafSpec> ToLeafSpec(const api::KeystoreSpec& k);
StatusOr<pki::RootSpec> ToRootSpec(const api::CaCertificateSpec& s);
pki::Pkcs12Profile ToPkcs12Profile(const std::string& profile);

}  // namespace certstore::engine

#endif  // CERTSTORE_ENGINE_CONVERSIONS_H_
