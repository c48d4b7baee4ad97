// When a certificate should be renewed.
#ifndef CERTSTORE_CONTROLLER_RENEWAL_H_
#define CERTSTORE_CONTROLLER_RENEWAL_H_

#include "operator/api/types.h"
#include "operator/common/clock.h"

namespace certstore::controller {

// notAfter minus: renewBefore when set and shorter than the lifetime;
// renewBeforePercentage of the lifetime when set; otherwise one third of the
// lifetime. Never before notBefore.
TimePoint RenewalTime(TimePoint not_before, TimePoint not_after,
                      const api::KeystoreSpec& spec);

}  // namespace certstore::controller

#endif  // CERTSTORE_CONTROLLER_RENEWAL_H_
