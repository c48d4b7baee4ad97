// Patterns are expanded into parts and compared part by part: a policy
// written by a platform team must never be widened by a clever request
// (substring or suffix matches, encoded path segments, placeholders glued
// to text), so every rule refuses rather than guesses.
#include "operator/api/identity_pattern.h"

#include <vector>

namespace certstore::api {
namespace {

constexpr char kNamespaceVar[] = "$(namespace)";
constexpr char kNameVar[] = "$(name)";

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    if (end == std::string::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool IsDnsLabel(const std::string& l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-')
    return false;
  for (char c : l)
    if (!IsLowerAlnum(c) && c != '-') return false;
  return true;
}

bool IsUriSegment(const std::string& s) {
  if (s.empty() || s == "." || s == "..") return false;
  for (char c : s)
    if (!IsLowerAlnum(c) && !(c >= 'A' && c <= 'Z') && c != '.' && c != '_' &&
        c != '-' && c != '~')
      return false;
  return true;
}

// What "*" may stand for in one URI segment: no "~" either.
bool IsUriStarSegment(const std::string& s) {
  return IsUriSegment(s) && s.find('~') == std::string::npos;
}

bool IsEmailLocal(const std::string& s) {
  if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.' ||
      s.find("..") != std::string::npos)
    return false;
  for (char c : s)
    if (!IsLowerAlnum(c) && !(c >= 'A' && c <= 'Z') && c != '.' && c != '_' &&
        c != '+' && c != '-')
      return false;
  return true;
}

// Characters, as the API server counts them (UTF-8 code points).
size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Characters that change a distinguished name's meaning, and control bytes.
bool IsSafeSubjectText(const std::string& s) {
  if (s.empty() || CodePoints(s) > 64 || s.front() == ' ' || s.back() == ' ')
    return false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
    switch (c) {
      case ',':
      case '+':
      case '=':
      case '\\':
      case '"':
      case '<':
      case '>':
      case ';':
      case '#':
        return false;
      default:
        break;
    }
  }
  return true;
}

bool IsPlaceholder(const std::string& p) {
  return p == kNamespaceVar || p == kNameVar;
}

// The problem with a "$" in `part`, or "" when there is none.
std::string PlaceholderProblem(const std::string& part, const char* what) {
  if (part.find('$') == std::string::npos) return "";
  if (part.size() > 3 && part.compare(0, 2, "$(") == 0 && part.back() == ')' &&
      part.find('$', 1) == std::string::npos && !IsPlaceholder(part))
    return "unknown placeholder " + part + " (use $(namespace) or $(name))";
  return std::string("a placeholder must fill a whole ") + what + " (got \"" +
         part + "\")";
}

// "" when `part` is "*", a placeholder, or a literal that `literal_ok`
// accepts; otherwise the problem (`literal_problem` for a bad literal).
std::string CheckPart(const std::string& part, const char* what,
                      bool (*literal_ok)(const std::string&),
                      const std::string& literal_problem) {
  if (part == "*" || IsPlaceholder(part)) return "";
  std::string p = PlaceholderProblem(part, what);
  if (!p.empty()) return p;
  if (part.find('*') != std::string::npos)
    return std::string("\"*\" must be a whole ") + what + " (got \"" + part +
           "\")";
  return literal_ok(part) ? "" : literal_problem;
}

bool Contains(const std::vector<std::string>& v, const char* x) {
  for (const auto& e : v)
    if (e == x) return true;
  return false;
}

// Dotted names (DNS names, URI hosts, email domains, subject values) are
// hierarchies read right to left: the last $(namespace) binds the name to
// the tenant only if nothing the tenant chooses ($(name), *) stands right
// of it. ("$(namespace).*.svc" would give team-a the Service team-a of
// namespace payments.) Without $(namespace), $(name) binds nothing.
std::string CheckRightmostBinding(const std::vector<std::string>& parts,
                                  const char* what) {
  size_t last = parts.size();
  for (size_t i = 0; i < parts.size(); ++i)
    if (parts[i] == kNamespaceVar) last = i;
  if (last == parts.size()) {
    if (Contains(parts, kNameVar))
      return "$(name) needs $(namespace) to its right in the same name "
             "(tenants choose their "
             "CertStore names; only the namespace binds an identity to a "
             "tenant)";
    return "";
  }
  for (size_t i = last + 1; i < parts.size(); ++i)
    if (parts[i] == "*" || parts[i] == kNameVar)
      return std::string("only literal ") + what +
             "s may follow $(namespace) (got \"" + parts[i] +
             "\"): anything a tenant chooses right of it would reach another "
             "namespace's names";
  return "";
}

// URI paths are hierarchies read left to right: the first $(namespace)
// segment binds, so every segment before it must be literal. A path without
// one may hold $(name) only when the host is bound.
std::string CheckPathBinding(const std::vector<std::string>& segments,
                             bool host_bound) {
  size_t first = segments.size();
  for (size_t i = 0; i < segments.size() && first == segments.size(); ++i)
    if (segments[i] == kNamespaceVar) first = i;
  if (first == segments.size()) {
    if (!host_bound && Contains(segments, kNameVar))
      return "$(name) in a path needs a $(namespace) segment before it (or "
             "$(namespace) in the "
             "host)";
    return "";
  }
  if (host_bound) return "";
  for (size_t i = 0; i < first; ++i)
    if (segments[i] == "*" || segments[i] == kNameVar)
      return "only literal path segments may come before $(namespace) (got \"" +
             segments[i] +
             "\"): a tenant-chosen segment there would reach another "
             "namespace's identities";
  return "";
}

// Labels of a DNS pattern (also a URI host or an email domain).
std::string CheckDnsParts(const std::string& text, bool allow_star) {
  if (text.empty()) return "must not be empty";
  if (text.size() > 253) return "must be at most 253 characters";
  for (const std::string& l : Split(text, '.')) {
    if (l.empty())
      return "must not have an empty label (leading, trailing or double dot)";
    if (l == "*") {
      if (!allow_star)
        return "\"*\" may only be the first label of a wildcard name";
      continue;
    }
    if (IsPlaceholder(l)) continue;
    std::string p = PlaceholderProblem(l, "label");
    if (!p.empty()) return p;
    if (l.find('*') != std::string::npos)
      return "\"*\" must be a whole label (got \"" + l + "\")";
    if (!IsDnsLabel(l))
      return "label \"" + l +
             "\" is not a lower-case DNS label (a-z, 0-9, '-'; IDNs as "
             "punycode)";
  }
  return "";
}

struct Uri {
  std::string scheme, host;
  std::vector<std::string> segments;
};

// Splits scheme://host/seg/... ; false when the shape is wrong.
bool SplitUri(const std::string& s, Uri* out, std::string* why) {
  size_t colon = s.find("://");
  if (colon == std::string::npos || colon == 0) {
    *why = "must be scheme://host/path";
    return false;
  }
  out->scheme = s.substr(0, colon);
  if (!(out->scheme[0] >= 'a' && out->scheme[0] <= 'z')) {
    *why = "scheme must start with a lower-case letter";
    return false;
  }
  for (char c : out->scheme)
    if (!IsLowerAlnum(c) && c != '+' && c != '.' && c != '-') {
      *why = "scheme \"" + out->scheme +
             "\" must be lower-case letters, digits, '+', '.', '-'";
      return false;
    }
  std::string rest = s.substr(colon + 3);
  for (char c : std::string("%?#@:\\"))
    if (rest.find(c) != std::string::npos) {
      *why = std::string("must not contain '") + c +
             "' (no encoding, query, fragment, user info or port)";
      return false;
    }
  size_t slash = rest.find('/');
  if (slash == std::string::npos) {
    *why = "must have at least one path segment (scheme://host/segment)";
    return false;
  }
  out->host = rest.substr(0, slash);
  out->segments = Split(rest.substr(slash + 1), '/');
  return true;
}

// Pattern parts after placeholder expansion; `star` marks a "*" part.
struct Part {
  std::string text;
  bool star = false;
};

// Expands placeholders. $(name) spans parts when `name_splits` (DNS, subject
// values); it is one part in a URI path. False when a placeholder has no
// value.
bool Expand(const std::vector<std::string>& parts, const PatternVars& vars,
            char sep, bool name_splits, std::vector<Part>* out) {
  for (const std::string& p : parts) {
    if (p == "*") {
      out->push_back({"", true});
    } else if (p == kNamespaceVar) {
      if (vars.ns.empty()) return false;
      out->push_back({vars.ns, false});
    } else if (p == kNameVar) {
      if (vars.name.empty()) return false;
      if (name_splits) {
        for (auto& n : Split(vars.name, sep)) out->push_back({n, false});
      } else {
        out->push_back({vars.name, false});
      }
    } else {
      out->push_back({p, false});
    }
  }
  return true;
}

bool MatchParts(const std::vector<std::string>& pattern,
                const std::vector<std::string>& value, const PatternVars& vars,
                char sep, bool name_splits,
                bool (*star_ok)(const std::string&)) {
  std::vector<Part> expanded;
  if (!Expand(pattern, vars, sep, name_splits, &expanded)) return false;
  if (expanded.size() != value.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if (expanded[i].star) {
      if (!star_ok(value[i])) return false;
    } else if (expanded[i].text != value[i]) {
      return false;
    }
  }
  return true;
}

bool MatchDns(const std::string& pattern, const std::string& value,
              const PatternVars& vars) {
  return MatchParts(Split(pattern, '.'), Split(value, '.'), vars, '.', true,
                    &IsDnsLabel);
}

}  // namespace

bool LooksLikeDnsName(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  std::vector<std::string> labels = Split(s, '.');
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i == 0 && labels[i] == "*" && labels.size() > 1) continue;
    if (!IsDnsLabel(labels[i])) return false;
  }
  return true;
}

std::string CheckPattern(PatternKind kind, const std::string& pattern) {
  switch (kind) {
    case PatternKind::kDnsName: {
      std::string p = CheckDnsParts(pattern, true);
      return p.empty() ? CheckRightmostBinding(Split(pattern, '.'), "label")
                       : p;
    }
    case PatternKind::kWildcardDnsName: {
      if (pattern.size() > 253) return "must be at most 253 characters";
      if (pattern.compare(0, 2, "*.") != 0)
        return "must start with \"*.\" (the wildcard name it allows, e.g. "
               "*.$(namespace).svc)";
      std::string p = CheckDnsParts(pattern.substr(2), false);
      return p.empty()
                 ? CheckRightmostBinding(Split(pattern.substr(2), '.'), "label")
                 : p;
    }
    case PatternKind::kUri: {
      if (pattern.size() > 1024) return "must be at most 1024 characters";
      Uri u;
      std::string why;
      if (!SplitUri(pattern, &u, &why)) return why;
      std::string host = CheckDnsParts(u.host, true);
      if (host.empty())
        host = CheckRightmostBinding(Split(u.host, '.'), "label");
      if (!host.empty()) return "host: " + host;
      for (const std::string& seg : u.segments) {
        std::string p = CheckPart(
            seg, "path segment", &IsUriSegment,
            "path segment \"" + seg +
                "\" must be non-empty, not \".\" or \"..\", of letters, "
                "digits, '.', '_', '-', '~'");
        if (!p.empty()) return p;
      }
      std::vector<std::string> host_labels = Split(u.host, '.');
      bool host_bound = Contains(host_labels, kNamespaceVar);
      if (!host_bound && Contains(u.segments, kNamespaceVar) &&
          Contains(host_labels, "*"))
        return "host: with $(namespace) in the path the host must be literal "
               "(a tenant-chosen "
               "host outranks any path)";
      return CheckPathBinding(u.segments, host_bound);
    }
    case PatternKind::kEmail: {
      if (pattern.size() > 254) return "must be at most 254 characters";
      std::vector<std::string> at = Split(pattern, '@');
      if (at.size() != 2) return "must be local@domain";
      std::string local =
          CheckPart(at[0], "local part", &IsEmailLocal,
                    "local part \"" + at[0] + "\" is not allowed");
      if (!local.empty()) return local;
      std::string domain = CheckDnsParts(at[1], true);
      if (domain.empty())
        domain = CheckRightmostBinding(Split(at[1], '.'), "label");
      if (!domain.empty()) return "domain: " + domain;
      std::vector<std::string> domain_labels = Split(at[1], '.');
      if (at[0] == kNameVar && !Contains(domain_labels, kNamespaceVar))
        return "$(name)@... needs $(namespace) in the domain";
      if (at[0] == kNamespaceVar && !Contains(domain_labels, kNamespaceVar) &&
          Contains(domain_labels, "*"))
        return "domain: with $(namespace) as the local part the domain must be "
               "literal (a "
               "tenant-chosen domain outranks the local part)";
      return "";
    }
    case PatternKind::kSubjectValue: {
      if (pattern.empty()) return "must not be empty";
      if (CodePoints(pattern) > 64 + 16) return "must be at most 80 characters";
      if (pattern.find_first_of("*$") == std::string::npos)
        return IsSafeSubjectText(pattern)
                   ? ""
                   : "must be 1-64 characters without leading or trailing "
                     "spaces, control "
                     "characters or any of , + = \\ \" < > ; #";
      for (const std::string& part : Split(pattern, '.')) {
        std::string p = CheckPart(
            part, "dot-separated part", &IsSafeSubjectText,
            "\"" + part +
                "\" must be non-empty, without leading or trailing spaces, "
                "control characters or any of , + = \\ \" < > ; #");
        if (!p.empty()) return p;
      }
      return CheckRightmostBinding(Split(pattern, '.'), "part");
    }
  }
  return "unknown pattern kind";
}

std::string CheckRequest(PatternKind kind, const std::string& value) {
  switch (kind) {
    case PatternKind::kDnsName:
      if (!LooksLikeDnsName(value))
        return "is not a normalised DNS name (lower case, no trailing dot, "
               "IDNs as punycode)";
      return "";
    case PatternKind::kWildcardDnsName:
      if (value.compare(0, 2, "*.") != 0 || !LooksLikeDnsName(value))
        return "is not a wildcard DNS name";
      return "";
    case PatternKind::kUri: {
      Uri u;
      std::string why;
      if (!SplitUri(value, &u, &why)) return why;
      if (!LooksLikeDnsName(u.host) || u.host.compare(0, 2, "*.") == 0)
        return "host \"" + u.host + "\" is not a lower-case DNS name";
      for (const std::string& seg : u.segments)
        if (!IsUriSegment(seg))
          return "path segment \"" + seg +
                 "\" must be non-empty, not \".\" or \"..\", of letters, "
                 "digits, '.', '_', "
                 "'-', '~'";
      return "";
    }
    case PatternKind::kEmail: {
      std::vector<std::string> at = Split(value, '@');
      if (at.size() != 2 || !IsEmailLocal(at[0]) || !LooksLikeDnsName(at[1]) ||
          at[1].compare(0, 2, "*.") == 0)
        return "is not a plain address local@domain (lower-case domain)";
      return "";
    }
    case PatternKind::kSubjectValue:
      if (!IsSafeSubjectText(value))
        return "must be 1-64 characters without leading or trailing spaces, "
               "control "
               "characters or any of , + = \\ \" < > ; # (they change what a "
               "distinguished name means)";
      return "";
  }
  return "unknown kind";
}

bool MatchPattern(PatternKind kind, const std::string& pattern,
                  const std::string& value, const PatternVars& vars) {
  if (!CheckPattern(kind, pattern).empty() ||
      !CheckRequest(kind, value).empty())
    return false;
  switch (kind) {
    case PatternKind::kDnsName:
      if (value.compare(0, 2, "*.") == 0) return false;
      return MatchDns(pattern, value, vars);
    case PatternKind::kWildcardDnsName: {
      // Everything after "*." is literal once expanded: equal, or nothing.
      std::vector<Part> expanded;
      if (!Expand(Split(pattern.substr(2), '.'), vars, '.', true, &expanded))
        return false;
      std::string want = "*";
      for (const Part& p : expanded) {
        if (p.star) return false;
        want += "." + p.text;
      }
      return want == value;
    }
    case PatternKind::kUri: {
      Uri p, v;
      std::string why;
      if (!SplitUri(pattern, &p, &why) || !SplitUri(value, &v, &why))
        return false;
      return p.scheme == v.scheme && MatchDns(p.host, v.host, vars) &&
             MatchParts(p.segments, v.segments, vars, '/', false,
                        &IsUriStarSegment);
    }
    case PatternKind::kEmail: {
      std::vector<std::string> p = Split(pattern, '@'), v = Split(value, '@');
      bool local_ok;
      if (p[0] == "*") {
        local_ok = v[0].find('.') == std::string::npos;
      } else {
        std::vector<Part> e;
        local_ok = Expand({p[0]}, vars, '@', false, &e) && e.size() == 1 &&
                   e[0].text == v[0];
      }
      return local_ok && MatchDns(p[1], v[1], vars);
    }
    case PatternKind::kSubjectValue:
      if (pattern.find_first_of("*$") == std::string::npos)
        return pattern == value;
      return MatchParts(Split(pattern, '.'), Split(value, '.'), vars, '.', true,
                        &IsDnsLabel);
  }
  return false;
}

}  // namespace certstore::api
