// The patterns of an issuer's spec.policy (DESIGN.md "Tenancy") and how a
// requested identity is matched against them. Pure string logic, no I/O.
//
// A pattern is split into parts: DNS labels ("." separated), URI path
// segments ("/" separated) or dotted parts of a subject value. A part is
//   - a literal,
//   - "*": exactly one part of 1-63 of [a-z0-9-] (DNS, CN, subject), or one
//     URI segment of [A-Za-z0-9._-] other than "." and ".."; never ".", "/",
//     "@", "%" or a literal "*",
//   - "$(namespace)": the CertStore's namespace (one label),
//   - "$(name)": the CertStore's name, which may span labels; a pattern
//     with $(name) must also hold $(namespace) (a tenant chooses its names,
//     only the namespace binds the identity to the tenant).
// A placeholder fills a whole part: text glued to one ("$(namespace)-*") or
// an unknown "$(...)" is a syntax error (refused at admission).
//
// Matching is part by part with equal part counts, never by substring or
// suffix: "*.$(namespace).svc" allows "x.team-a.svc" for namespace team-a
// but neither "x.a.svc" for namespace "a" nor "a.b.team-a.svc".
#ifndef CERTSTORE_API_IDENTITY_PATTERN_H_
#define CERTSTORE_API_IDENTITY_PATTERN_H_

#include <string>

namespace certstore::api {

enum class PatternKind {
  kDnsName,          // policy.dnsNames
  kWildcardDnsName,  // policy.wildcardDnsNames: "*." then literals/placeholders
  kUri,              // policy.uris: scheme://host(/segment)+
  kEmail,            // policy.emailAddresses: local@domain
  kSubjectValue,     // policy.commonNames and policy.subject.*
};

// The values placeholders stand for.
struct PatternVars {
  std::string ns;    // $(namespace)
  std::string name;  // $(name)
};

// Empty when `pattern` is a valid pattern of `kind`; otherwise what is
// wrong with it, for a field error ("placeholder $(namespace) must fill a
// whole label", ...).
std::string CheckPattern(PatternKind kind, const std::string& pattern);

// Empty when `value` is a well-formed request of `kind` (a normalised DNS
// name: lower case, no trailing dot, ASCII; a URI scheme://host(/segment)+
// without %, ?, #, @, port, empty, "." or ".." segments; ...); otherwise why
// it can never be issued under a policy.
std::string CheckRequest(PatternKind kind, const std::string& value);

// True when `value` (a request that passes CheckRequest) is allowed by
// `pattern` (which passes CheckPattern) for `vars`. False for anything
// malformed. For kDnsName a requested wildcard name never matches; use
// kWildcardDnsName, whose expansion must equal the request exactly.
bool MatchPattern(PatternKind kind, const std::string& pattern,
                  const std::string& value, const PatternVars& vars);

// True when `s` is a DNS name as a policy compares them: 1-253 characters,
// labels of [a-z0-9-] (not starting or ending with '-'), optionally a "*."
// first label. Used to decide whether a common name must also pass the DNS
// rules.
bool LooksLikeDnsName(const std::string& s);

}  // namespace certstore::api

#endif  // CERTSTORE_API_IDENTITY_PATTERN_H_
