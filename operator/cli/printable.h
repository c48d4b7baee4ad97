// Text from the cluster on a terminal. CertStores, Secrets, Events and
// certificates are written by tenants; printed as they are, their bytes
// could move the cursor, clear lines, retitle the terminal or set the
// clipboard (ESC and C1 sequences) and make a report lie. Every string the
// plugin prints as text and did not write itself goes through Printable.
// JSON and YAML output need nothing: their writers escape.
#ifndef CERTSTORE_CLI_PRINTABLE_H_
#define CERTSTORE_CLI_PRINTABLE_H_

#include <string>
#include <string_view>

namespace certstore::cli {

// `s` with every C0 control (newline and tab included: a value is one
// line), DEL, C1 control (U+0080-U+009F) and byte that is not valid UTF-8
// written as \xNN; all other UTF-8 kept.
std::string Printable(std::string_view s);

}  // namespace certstore::cli

#endif  // CERTSTORE_CLI_PRINTABLE_H_
