// Prometheus text exposition (format 0.0.4) written as it is produced, for
// series too many to hold as prometheus-cpp ClientMetric structures first:
// 10,000 CertStores are 80,000 samples, and building them took more memory
// than the operator's caches (issue 14). Samples are appended to a buffer
// that goes to the sink only when Flush() is called, never on its own: a
// caller walking a structure under its lock flushes between pages, so a
// scrape holds a page of text, not the whole of it, and never writes to a
// slow client while holding a lock.
//
// Label values and help text are escaped as the format requires (backslash,
// double quote in label values, newline); bytes that are not UTF-8 (a label
// value read from a tenant's certificate) are replaced by U+FFFD, because
// one invalid label value makes Prometheus reject the whole scrape.
#ifndef CERTSTORE_METRICS_EXPOSITION_H_
#define CERTSTORE_METRICS_EXPOSITION_H_

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace certstore::metrics {

// Receives the text in pieces; returns false when it cannot take more (the
// client went away), after which the writer drops everything.
using ExpositionSink = std::function<bool(std::string_view)>;

using Label = std::pair<std::string_view, std::string_view>;

class ExpositionWriter {
 public:
  explicit ExpositionWriter(ExpositionSink sink) : sink_(std::move(sink)) {}

  // "# HELP" and "# TYPE" lines; `type` is gauge, counter, histogram, ...
  // Every sample of a family must follow its Family() call, unbroken.
  void Family(std::string_view name, std::string_view help,
              std::string_view type);
  // name{labels[,extra]} value. `extra` is one more label appended after
  // `labels` (e.g. condition="True"); ignored when its name is empty.
  void Sample(std::string_view name, std::initializer_list<Label> labels,
              double value, Label extra = {});
  // Text already in the exposition format (prometheus-cpp's serializer).
  void Raw(std::string_view text);

  // Hands the buffer to the sink (call between pages of a walk that holds
  // a lock, never inside it). False once the sink has refused.
  bool Flush();
  bool ok() const { return ok_; }
  size_t buffered() const { return buf_.size(); }

 private:
  void AppendEscaped(std::string_view v, bool quote);
  void AppendValue(double v);

  ExpositionSink sink_;
  std::string buf_;
  bool ok_ = true;
};

}  // namespace certstore::metrics

#endif  // CERTSTORE_METRICS_EXPOSITION_H_
